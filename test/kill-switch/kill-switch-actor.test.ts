import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TradingState } from '../../src/domain/messages.js';
import { startActor, type ActorHandle, type ActorSpec } from '../../src/runtime/actor-handle.js';
import { TradingGate, beatSupervisor, createTradingGate, forceHalt } from '../../src/runtime/trading-gate.js';
import { buildWiring, type ActorWiring } from '../../src/runtime/wiring.js';

const fixture = (name: string): string => new URL(`../fixtures/actors/${name}.js`, import.meta.url).href;
const handles: ActorHandle[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  timers.splice(0).forEach(clearInterval);
  await Promise.all(handles.splice(0).map((h) => h.kill()));
});

function system(stateFile: string, extra: Record<string, unknown> = {}) {
  const gate = createTradingGate();
  const wiring = buildWiring(
    [
      { name: 'kill-switch', path: 'root/safety/kill-switch', sends: ['listener'], ringBytes: 1 << 14, fullPolicy: 'fail' },
      { name: 'listener', path: 'root/listener', sends: [], ringBytes: 4096, fullPolicy: 'fail' },
      { name: 'risk', path: 'root/safety/risk', sends: ['kill-switch'], ringBytes: 4096, fullPolicy: 'fail' },
    ],
    gate,
  );
  // The supervisor's heartbeat, as the runtime beats it.
  timers.push(setInterval(() => beatSupervisor(gate), 20));
  const spec: ActorSpec = {
    path: 'root/safety/kill-switch',
    name: 'kill-switch',
    kind: 'kill-switch',
    config: { state_file: stateFile, lease_ms: 500, lease_renew_ms: 20, dead_man_timeout_ms: 0, ...extra },
  };
  return { gate, wiring, spec, reader: new TradingGate(gate) };
}

async function start(spec: ActorSpec, wiring: ActorWiring, gate?: SharedArrayBuffer): Promise<ActorHandle> {
  const handle = await startActor(spec, wiring, gate ? { onExitSync: () => forceHalt(gate) } : {});
  handles.push(handle);
  return handle;
}

const tempStateFile = () => join(mkdtempSync(join(tmpdir(), 'bot4-ks-')), 'kill-switch.json');

describe('kill-switch actor', () => {
  it('opens the gate on a first start, closes it at once on a trip, and tells its peers', async () => {
    const s = system(tempStateFile());
    const ks = await start(s.spec, s.wiring.get('kill-switch')!);
    const listener = await start({ path: 'root/listener', name: 'listener', kind: 'frame-recorder', moduleUrl: fixture('frame-recorder'), config: {} }, s.wiring.get('listener')!);
    expect(s.reader.read()).toBe(TradingState.ACTIVE);
    const result = await ks.invoke('trip', { reason: 'operator saw runaway quotes' });
    expect(result).toMatchObject({ state: 'HALTED' });
    expect(s.reader.read()).toBe(TradingState.HALTED); // closed by the time the call returns
    await expect(ks.invoke('setMode', { mode: 'active' })).rejects.toThrow(/HALTED is latched/);
    await expect(ks.invoke('reset', {})).rejects.toThrow(/needs a reason/);
    await ks.invoke('reset', { reason: 'runaway quotes explained: test venue' });
    expect(s.reader.read()).toBe(TradingState.ACTIVE);
    await waitFor(async () => ((await listener.invoke('received', {})) as unknown[]).length >= 3);
    const received = (await listener.invoke('received', {})) as { kind: string; message: { state: number; previous: number } }[];
    expect(received.map((r) => r.kind)).toEqual(['TradingStateChange', 'TradingStateChange', 'TradingStateChange']);
    expect(received.map((r) => r.message.state)).toEqual([TradingState.ACTIVE, TradingState.HALTED, TradingState.ACTIVE]);
  });

  it('comes back HALTED after a restart, until a reset with a reason, and records it', async () => {
    const file = tempStateFile();
    const first = system(file);
    const ks = await start(first.spec, first.wiring.get('kill-switch')!);
    await ks.invoke('trip', { reason: 'daily loss limit' });
    await ks.stop(2000);

    const second = system(file); // a new process: fresh shared memory, same state file
    const again = await start(second.spec, second.wiring.get('kill-switch')!);
    expect(second.reader.read()).toBe(TradingState.HALTED);
    const status = (await again.invoke('status', {})) as { state: string; startedFrom: string; last: { reason: string } };
    expect(status.state).toBe('HALTED');
    expect(status.startedFrom).toMatch(/restored HALTED/);
    expect(status.last.reason).toBe('daily loss limit');
    await again.invoke('reset', { reason: 'limit reviewed' });
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { state: string; last: { reason: string; source: string } };
    expect(saved).toMatchObject({ state: 'ACTIVE', last: { reason: 'limit reviewed', source: 'admin' } });
  });

  it('the gate reads HALTED while the kill switch is down, and the actor adopts that halt', async () => {
    const s = system(tempStateFile());
    const ks = await start(s.spec, s.wiring.get('kill-switch')!, s.gate);
    expect(s.reader.read()).toBe(TradingState.ACTIVE);
    await ks.kill();
    expect(s.reader.read()).toBe(TradingState.HALTED);
    // Restarted, it restores its last state (ACTIVE: nobody tripped) and opens the gate again.
    const back = await start(s.spec, s.wiring.get('kill-switch')!, s.gate);
    expect(s.reader.read()).toBe(TradingState.ACTIVE);
    // A halt forced from outside while it runs is adopted and recorded.
    forceHalt(s.gate);
    await waitFor(async () => ((await back.invoke('status', {})) as { state: string }).state === 'HALTED');
    const status = (await back.invoke('status', {})) as { last: { source: string } };
    expect(status.last.source).toBe('supervisor');
  });

  it('starts HALTED when its state file is unreadable, saying why', async () => {
    const file = tempStateFile();
    writeFileSync(file, '{ this is not json');
    const s = system(file);
    const ks = await start(s.spec, s.wiring.get('kill-switch')!);
    expect(s.reader.read()).toBe(TradingState.HALTED);
    const status = (await ks.invoke('status', {})) as { startedFrom: string };
    expect(status.startedFrom).toMatch(/state file is unusable: .* not valid JSON/);
  });

  it('trips on a risk panic frame', async () => {
    const s = system(tempStateFile());
    const ks = await start(s.spec, s.wiring.get('kill-switch')!);
    const risk = await start({ path: 'root/safety/risk', name: 'risk', kind: 'panic-sender', moduleUrl: fixture('panic-sender'), config: {} }, s.wiring.get('risk')!);
    await risk.invoke('panic', { peer: 'kill-switch', value: 0.12, threshold: 0.1 });
    await waitFor(async () => s.reader.read() === TradingState.HALTED);
    const status = (await ks.invoke('status', {})) as { last: { source: string; reason: string } };
    expect(status.last.source).toBe('risk-panic');
    expect(status.last.reason).toMatch(/^drawdown: equity 12% below its peak, limit 10% \(venue 1, instrument 7, from risk\)$/);
  });

  it("trips by itself when the supervisor's heartbeat stops (dead man's switch)", async () => {
    const s = system(tempStateFile(), { dead_man_timeout_ms: 300 });
    const ks = await start(s.spec, s.wiring.get('kill-switch')!);
    await new Promise((r) => setTimeout(r, 500));
    expect(s.reader.read()).toBe(TradingState.ACTIVE); // heartbeat moving: no trip
    timers.splice(0).forEach(clearInterval); // the supervisor "hangs"
    await waitFor(async () => s.reader.read() === TradingState.HALTED);
    const status = (await ks.invoke('status', {})) as { last: { source: string; reason: string } };
    expect(status.last.source).toBe('dead-man');
    expect(status.last.reason).toMatch(/heartbeat has not moved for \d+ ms \(limit 300 ms\)/);
  });

  it('refuses a bad config naming the field', async () => {
    const s = system(tempStateFile(), { lease_ms: 'long' });
    await expect(startActor(s.spec, s.wiring.get('kill-switch')!)).rejects.toThrow(/kill-switch config: lease_ms/);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
