import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TradingState } from '../../src/domain/messages.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { parseTreeSpec } from '../../src/runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../../src/safety/gpio-panel.js';
import type { TreeNode } from '../../src/admin/backend.js';
import type { AdminEvent } from '../../src/admin/protocol.js';

const fixture = (name: string): string => new URL(`../fixtures/actors/${name}.js`, import.meta.url).href;
const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.shutdown('test over')));
});

function treeFor(stateFile: string) {
  return parseTreeSpec({
    name: 'root',
    strategy: 'one_for_one',
    intensity: 5,
    period_ms: 10_000,
    children: [
      {
        name: 'safety',
        strategy: 'one_for_all',
        // A restart delay long enough to act while the kill switch is down.
        backoff: { min_ms: 600, max_ms: 600, random_factor: 0 },
        children: [{ name: 'kill-switch', actor: 'kill-switch', sends: ['listener'], config: { state_file: stateFile, lease_ms: 500, lease_renew_ms: 20, dead_man_timeout_ms: 2000 } }],
      },
      {
        name: 'workers',
        strategy: 'one_for_one',
        children: [
          { name: 'listener', actor: 'frame-recorder' },
          { name: 'a', actor: 'misbehaving' },
          { name: 'b', actor: 'misbehaving' },
        ],
      },
    ],
  });
}

/** Created, not booted: nothing runs yet, but it takes trips and answers. */
function createRuntime(stateFile: string, gpio: Record<string, unknown> = {}): Runtime {
  const runtime = Runtime.create({
    tree: treeFor(stateFile),
    seed: 7,
    logger: pino({ level: 'silent' }),
    gpio: gpioConfigSchema.parse({ mode: 'simulated', button: { line: 17, debounce_ms: 10 }, ...gpio }),
    shutdownDeadlineMs: 30_000,
    cancelOpenOrdersOnExit: true,
    actorModules: { 'frame-recorder': fixture('frame-recorder'), misbehaving: fixture('misbehaving') },
  });
  runtimes.push(runtime);
  return runtime;
}

async function startRuntime(stateFile: string, gpio: Record<string, unknown> = {}): Promise<Runtime> {
  const runtime = createRuntime(stateFile, gpio);
  await runtime.boot();
  return runtime;
}

const find = (node: TreeNode, path: string): TreeNode | undefined =>
  node.path === path ? node : node.children.map((c) => find(c, path)).find(Boolean);

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const tempStateFile = () => join(mkdtempSync(join(tmpdir(), 'bot4-rt-')), 'kill-switch.json');

describe('runtime: the supervision tree behind the admin backend', () => {
  it('reports the whole tree and restarts a killed actor alone (one_for_one)', async () => {
    const rt = await startRuntime(tempStateFile());
    const tree = await rt.tree();
    expect(tree).toMatchObject({ name: 'root', kind: 'supervisor', strategy: 'one_for_one', status: 'running' });
    const a = find(tree, 'root/workers/a')!;
    const b = find(tree, 'root/workers/b')!;
    expect(a).toMatchObject({ kind: 'actor', actor: 'misbehaving', status: 'running', restarts: 0 });
    expect(find(tree, 'root/workers/listener')!.mailbox).toEqual([{ peer: 'kill-switch', depthBytes: 0, capacityBytes: 65536 }]);

    await rt.actorKill('root/workers/a');
    await waitFor(async () => {
      const node = find(await rt.tree(), 'root/workers/a')!;
      return node.status === 'running' && node.restarts === 1;
    });
    const after = await rt.tree();
    expect(find(after, 'root/workers/a')!.threadId).not.toBe(a.threadId);
    expect(find(after, 'root/workers/b')).toMatchObject({ threadId: b.threadId, restarts: 0, status: 'running' });
  });

  it('an admin trip closes the gate, reaches the kill switch, and is latched', async () => {
    const file = tempStateFile();
    const rt = await startRuntime(file);
    expect(rt.gate.read()).toBe(TradingState.ACTIVE);
    const report = await rt.killswitchTrip('operator: test trip');
    expect(report).toMatchObject({ state: 'HALTED', reason: 'operator: test trip' });
    // One trip, one record: the gate closed by the runtime first is explained by the trip.
    await new Promise((r) => setTimeout(r, 100));
    const history = JSON.parse(readFileSync(file, 'utf8')).history as { source: string }[];
    expect(history.map((t) => t.source)).toEqual(['admin']);
    expect(rt.gate.read()).toBe(TradingState.HALTED);
    await expect(rt.modeSet('active')).rejects.toThrow(/HALTED is latched/);
    expect(JSON.parse(readFileSync(file, 'utf8')).state).toBe('HALTED');
    const reset = await rt.killswitchReset('test trip reviewed');
    expect(reset.state).toBe('ACTIVE');
  });

  it('while the kill switch is down the gate reads HALTED, and a trip then is latched for it', async () => {
    const file = tempStateFile();
    const rt = await startRuntime(file);
    const events: AdminEvent[] = [];
    rt.subscribe(['lifecycle.*'], (e) => events.push(e));
    await rt.actorKill('root/safety/kill-switch');
    expect(rt.gate.read()).toBe(TradingState.HALTED);
    expect(find(await rt.tree(), 'root/safety/kill-switch')!.status).not.toBe('running');
    // Tripped while nobody runs the kill switch: the runtime latches it in the state file.
    const report = await rt.killswitchTrip('tripped while the kill switch restarts');
    expect(report.state).toBe('HALTED');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ state: 'HALTED', last: { reason: 'tripped while the kill switch restarts' } });
    await waitFor(async () => find(await rt.tree(), 'root/safety/kill-switch')!.status === 'running');
    expect(events.some((e) => e.topic === 'lifecycle.child-exited' && e.data.path === 'root/safety/kill-switch')).toBe(true);
    // Back, it reads the latch: still HALTED until an operator resets it.
    expect(rt.gate.read()).toBe(TradingState.HALTED);
    expect((await rt.status()).trading).toMatchObject({ state: 'HALTED', reason: 'tripped while the kill switch restarts' });
  });

  it('before boot it answers tree and status with what exists, takes a trip (latched over the first start\'s initial_mode), and boots HALTED', async () => {
    const file = tempStateFile();
    const rt = createRuntime(file);
    const tree = await rt.tree();
    expect(find(tree, 'root/safety/kill-switch')).toMatchObject({ status: 'starting', actor: 'kill-switch', threadId: null });
    const before = await rt.status();
    expect(before.trading.state).toBe('HALTED');
    expect(before.unavailable.length).toBeGreaterThan(0);
    await expect(rt.killswitchReset('too early')).rejects.toMatchObject({ code: 'not_available' });
    await expect(rt.actorKill('root/workers/a')).rejects.toMatchObject({ code: 'not_available' });

    const report = await rt.killswitchTrip('halt before anything starts');
    expect(report.state).toBe('HALTED');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ state: 'HALTED', last: { source: 'admin', reason: 'halt before anything starts' } });
    await rt.boot();
    expect(rt.gate.read()).toBe(TradingState.HALTED);
    expect(rt.gate.isTripHeld()).toBe(false);
    expect((await rt.status()).trading).toMatchObject({ state: 'HALTED', reason: 'halt before anything starts' });
  });

  it('after a kill-switch restart with no trip, trading resumes from its state file', async () => {
    const rt = await startRuntime(tempStateFile());
    await rt.actorKill('root/safety/kill-switch');
    expect(rt.gate.read()).toBe(TradingState.HALTED);
    await waitFor(async () => find(await rt.tree(), 'root/safety/kill-switch')!.status === 'running');
    expect(rt.gate.read()).toBe(TradingState.ACTIVE);
  });

  it('a simulated GPIO button press trips the switch', async () => {
    const rt = await startRuntime(tempStateFile());
    const report = await rt.gpioPress();
    expect(report.state).toBe('HALTED');
    expect(report.reason).toMatch(/button pressed/);
  });

  it('shutdown closes the gate first and does not latch HALTED', async () => {
    const file = tempStateFile();
    const rt = await startRuntime(file);
    const phases: string[] = [];
    rt.subscribe(['runtime.*'], (e) => phases.push(String(e.data.phase)));
    await rt.shutdown('SIGTERM');
    expect(rt.gate.read()).toBe(TradingState.HALTED);
    expect(phases).toEqual(['gate-closed', 'orders-cancelled', 'stopped']);
    expect(rt.lastStopReport, JSON.stringify(rt.lastStopReport)).toMatchObject({ complete: true, notStopped: [] });
    expect(existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).state).toBe('ACTIVE');
    await expect(rt.modeSet('active')).rejects.toThrow(/shutting down/);
  });

  it('keeps one warm standby per actor kind, listed by status and never in the tree; a killed actor restarts on it', async () => {
    const rt = await startRuntime(tempStateFile());
    await waitFor(async () => (await rt.status()).standbys.filter((s) => s.state === 'ready').length === 3, 30_000);
    const standbys = (await rt.status()).standbys;
    expect(standbys.map((s) => s.kind).sort()).toEqual(['frame-recorder', 'kill-switch', 'misbehaving']);
    const threadsOf = (node: TreeNode): number[] => [...(node.threadId === null ? [] : [node.threadId]), ...node.children.flatMap(threadsOf)];
    const treeThreads = threadsOf(await rt.tree());
    expect(treeThreads).toHaveLength(4);
    for (const standby of standbys) expect(treeThreads).not.toContain(standby.threadId);

    const misbehaving = standbys.find((s) => s.kind === 'misbehaving')!;
    await rt.actorKill('root/workers/a');
    await waitFor(async () => {
      const node = find(await rt.tree(), 'root/workers/a')!;
      return node.status === 'running' && node.restarts === 1;
    });
    expect(find(await rt.tree(), 'root/workers/a')!.threadId).toBe(misbehaving.threadId);

  });

  it('answers unknown paths with not_found', async () => {
    const rt = await startRuntime(tempStateFile());
    await expect(rt.actorKill('root/nope')).rejects.toMatchObject({ code: 'not_found' });
    await expect(rt.actorKill('root/workers')).rejects.toMatchObject({ code: 'bad_args' });
  });
});
