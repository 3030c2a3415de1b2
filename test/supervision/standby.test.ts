import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ActorHandle, ActorSpec } from '../../src/runtime/actor-handle.js';
import { StandbyPool } from '../../src/runtime/standby-pool.js';
import type { NodeSnapshot } from '../../src/runtime/supervision/snapshot.js';
import { createTradingGate } from '../../src/runtime/trading-gate.js';
import { buildWiring } from '../../src/runtime/wiring.js';
import { fixtureUrl, scratch, startTree, type Harness } from './harness.js';

const files = scratch();
let harness: Harness | undefined;
let pool: StandbyPool | undefined;
const handles: ActorHandle[] = [];
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  for (const h of handles.splice(0)) if (h.isAlive()) await h.kill();
  await pool?.stop();
  pool = undefined;
});
afterAll(() => files.cleanup());

const FLAKY = fixtureUrl('flaky');
const threadIds = (node: NodeSnapshot): number[] => [...(node.threadId === undefined ? [] : [node.threadId]), ...(node.children ?? []).flatMap(threadIds)];

describe('warm standby workers under the supervision tree (real workers)', () => {
  it('a crash is handed to the loaded standby: the actor runs on its thread, a new standby is armed, and standbys are never nodes of the tree', async () => {
    harness = await startTree({ name: 'root', strategy: 'one_for_one', children: [{ name: 'a', actor: 'flaky' }] });
    const standby = await harness.standbys.whenReady('flaky', FLAKY, 20_000);
    expect(threadIds(harness.tree.snapshot())).not.toContain(standby.threadId);
    expect(harness.handles.get('root/a')!.warm).toBe(false);

    await harness.tree.killActor('root/a');
    await harness.waitFor('child-started', (e) => e.path === 'root/a' && e.restarts === 1);
    expect(harness.threadIdOf('root/a')).toBe(standby.threadId);
    expect(harness.handles.get('root/a')!.warm).toBe(true);
    expect(harness.standbyEvents).toContainEqual({ type: 'standby-used', kind: 'flaky', threadId: standby.threadId, path: 'root/a' });

    const next = await harness.standbys.whenReady('flaky', FLAKY, 20_000);
    expect(next.threadId).not.toBe(standby.threadId);
    expect(harness.standbys.snapshot()).toHaveLength(1);
    expect(harness.tree.snapshot().children).toHaveLength(1);
    expect(threadIds(harness.tree.snapshot())).not.toContain(next.threadId);
  });

  it('throw, process.exit and a hang are each classified as before when the replacement is a standby; restarts and lastError follow', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_one',
      intensity: 10,
      period_ms: 60_000,
      children: [{ name: 'a', actor: 'flaky', heartbeat_timeout_ms: 600 }],
    });
    const expected = [
      { how: 'throw', kind: 'error' },
      { how: 'exit', kind: 'exit-code' },
      { how: 'hang', kind: 'hung' },
    ] as const;
    for (const [i, { how, kind }] of expected.entries()) {
      const standby = await harness.standbys.whenReady('flaky', FLAKY, 20_000);
      const from = harness.events.length;
      await harness.handles.get('root/a')!.invoke('crash', { how, exitCode: 3 });
      const exit = await harness.waitFor('child-exited', (e) => e.path === 'root/a', from);
      expect(exit.reason.kind).toBe(kind);
      expect(exit.requested).toBe(false);
      await harness.waitFor('child-started', (e) => e.path === 'root/a' && e.restarts === i + 1, from);
      expect(harness.threadIdOf('root/a')).toBe(standby.threadId);
      expect(harness.handles.get('root/a')!.warm).toBe(true);
    }
    const node = harness.tree.node('root/a')!;
    expect(node).toMatchObject({ status: 'running', restarts: 3 });
    expect(node.lastError).toMatch(/^hung: no heartbeat/);
  });

  it('a standby that crashes while idle is replaced, and the tree notices nothing', async () => {
    const crashFile = files.file('idle-crashes');
    process.env.BOT4_IDLE_CRASH_FILE = crashFile;
    process.env.BOT4_IDLE_CRASHES = '1';
    try {
      harness = await startTree({ name: 'root', strategy: 'one_for_one', children: [{ name: 'a', actor: 'idle-crasher' }] });
      const url = fixtureUrl('idle-crasher');
      await until(() => harness!.standbyEvents.some((e) => e.type === 'standby-exited'), 20_000, 'the idle standby to crash');
      const died = harness.standbyEvents.find((e) => e.type === 'standby-exited');
      expect(died).toMatchObject({ kind: 'idle-crasher', state: 'ready', error: 'idle standby crashed (fixture)', replaced: true });
      const replacement = await harness.standbys.whenReady('idle-crasher', url, 20_000);
      expect(replacement.threadId).not.toBe(died!.threadId);
      expect(readFileSync(crashFile, 'utf8')).toBe('1');
      expect(harness.eventsOf('child-exited')).toEqual([]);
      expect(harness.eventsOf('restarting')).toEqual([]);
      expect(harness.tree.node('root/a')).toMatchObject({ status: 'running', restarts: 0 });
      expect(harness.tree.node('root/a')!.lastError).toBeUndefined();

      await harness.tree.killActor('root/a');
      await harness.waitFor('child-started', (e) => e.path === 'root/a' && e.restarts === 1);
      expect(harness.threadIdOf('root/a')).toBe(replacement.threadId);
    } finally {
      delete process.env.BOT4_IDLE_CRASH_FILE;
      delete process.env.BOT4_IDLE_CRASHES;
    }
  });

  it('stopping terminates every standby, and none is spawned afterwards', async () => {
    harness = await startTree({ name: 'root', strategy: 'one_for_one', children: [{ name: 'a', actor: 'flaky' }, { name: 'b', actor: 'idle-crasher' }] });
    await harness.standbys.whenReady('flaky', FLAKY, 20_000);
    expect(harness.standbys.snapshot().map((s) => s.kind).sort()).toEqual(['flaky', 'idle-crasher']);
    const standbys = harness.standbys;
    await harness.stop();
    harness = undefined;
    expect(standbys.snapshot()).toEqual([]);
    standbys.arm('flaky', FLAKY);
    expect(standbys.snapshot()).toEqual([]);
  });

  it('standby: false on a node, a disabled pool, or a kind with no standby yet: the restart is cold', async () => {
    harness = await startTree({ name: 'root', strategy: 'one_for_one', children: [{ name: 'a', actor: 'flaky', standby: false }] });
    await harness.tree.killActor('root/a');
    await harness.waitFor('child-started', (e) => e.path === 'root/a' && e.restarts === 1);
    expect(harness.handles.get('root/a')!.warm).toBe(false);
    expect(harness.standbys.snapshot()).toEqual([]);
    await harness.stop();

    harness = await startTree({ name: 'root', strategy: 'one_for_one', children: [{ name: 'a', actor: 'flaky' }] }, 42, { standby: false });
    await harness.tree.killActor('root/a');
    await harness.waitFor('child-started', (e) => e.path === 'root/a' && e.restarts === 1);
    expect(harness.handles.get('root/a')!.warm).toBe(false);
    expect(harness.standbys.snapshot()).toEqual([]);
  });
});

describe('warm standby and the rings: at-least-once across a warm restart', () => {
  it('the standby that becomes the consumer resumes the same ring: every frame, in order; a spec for another module starts cold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot4-standby-ring-'));
    const journal = join(dir, 'journal');
    const wiring = buildWiring(
      [
        { name: 'producer', path: 'root/producer', sends: ['consumer'], ringBytes: 1 << 16, fullPolicy: 'fail' },
        { name: 'consumer', path: 'root/consumer', sends: [], ringBytes: 4096, fullPolicy: 'fail' },
      ],
      createTradingGate(),
    );
    pool = new StandbyPool();
    const consumerSpec: ActorSpec = { path: 'root/consumer', name: 'consumer', kind: 'sequence-consumer', moduleUrl: fixtureUrl('sequence-consumer'), config: { journal, crashOnSeq: 500 }, logLevel: 'silent' };
    const start = async (spec: ActorSpec, w = wiring.get(spec.name)!): Promise<ActorHandle> => {
      const h = await pool!.startActor(spec, w);
      handles.push(h);
      return h;
    };
    const producer = await start({ path: 'root/producer', name: 'producer', kind: 'sequence-producer', moduleUrl: fixtureUrl('sequence-producer'), config: { peer: 'consumer' }, logLevel: 'silent' });
    const first = await start(consumerSpec);
    expect(first.warm).toBe(false);
    const standby = await pool.whenReady('sequence-consumer', consumerSpec.moduleUrl, 20_000);
    await producer.invoke('send', { from: 0, count: 1000 });
    const reason = await first.exited;
    expect(reason.kind === 'error' && reason.error.message).toBe('planned crash while handling 500');
    expect(existsSync(`${journal}.crashed`)).toBe(true);
    await producer.invoke('send', { from: 1000, count: 1000 });

    const second = await start(consumerSpec);
    expect(second.warm).toBe(true);
    expect(second.threadId).toBe(standby.threadId);
    await until(async () => Number(await second.invoke('handled', {})) >= 1500, 20_000, 'the consumer to catch up');
    const handled = readFileSync(journal, 'utf8').trim().split('\n').map(Number);
    expect(handled).toEqual(Array.from({ length: 2000 }, (_, i) => i));

    // The standby is keyed by module: the same kind from another module is a cold start.
    const other = await start({ ...consumerSpec, path: 'root/other', name: 'other', moduleUrl: `${consumerSpec.moduleUrl}?variant=2`, config: { journal: join(dir, 'other') } }, buildWiring([{ name: 'other', path: 'root/other', sends: [], ringBytes: 4096, fullPolicy: 'fail' }], createTradingGate()).get('other'));
    expect(other.warm).toBe(false);
  });
});

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
