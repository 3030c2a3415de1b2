import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TradingState, TripSource } from '../../src/domain/messages.js';
import { tradingStateChangeCodec } from '../../src/runtime/codec/safety.js';
import { RingWriter } from '../../src/runtime/ring.js';
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

function system(stateFile: string, extra: Record<string, unknown> = {}, listenerEdge: { ringBytes: number; fullPolicy: 'fail' | 'block' } = { ringBytes: 1 << 14, fullPolicy: 'fail' }) {
  const gate = createTradingGate();
  const wiring = buildWiring(
    [
      { name: 'kill-switch', path: 'root/safety/kill-switch', sends: ['listener'], ...listenerEdge },
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

  it("never blocks or throws on a peer's full ring (block policy): the change is retried, counted and delivered once there is room", async () => {
    const s = system(tempStateFile(), {}, { ringBytes: 256, fullPolicy: 'block' });
    // Fill the listener's ring before anyone drains it (the kill switch's writer takes over its position).
    const filler = new RingWriter(s.wiring.get('kill-switch')!.outbound[0]!.ring, { policy: 'drop-newest' });
    const stale = { state: TradingState.PAUSED, previous: TradingState.PAUSED, source: TripSource.ADMIN, seq: 0, tsUs: 0 };
    while (filler.depthBytes() + 64 <= filler.capacityBytes) {
      const offset = filler.reserve(tradingStateChangeCodec.size(stale));
      if (offset < 0) break;
      tradingStateChangeCodec.encode(filler.view, offset, stale);
      filler.publish(tradingStateChangeCodec.type, tradingStateChangeCodec.version);
    }
    // init's own broadcast meets the full ring: the actor still starts (no crash loop).
    const ks = await start(s.spec, s.wiring.get('kill-switch')!);
    const trip = await ks.invoke('trip', { reason: 'listener ring full' });
    expect(trip).toMatchObject({ state: 'HALTED' });
    expect(s.reader.read()).toBe(TradingState.HALTED);
    type Delivery = { pending: number; pendingSeqs: number[]; delivered: number; failedAttempts: number; lastError: string | null };
    const delivery = async () => ((await ks.invoke('status', {})) as { delivery: Record<string, Delivery> }).delivery.listener!;
    // Retried on the timer: the refusals keep being counted while the ring stays full.
    await waitFor(async () => (await delivery()).failedAttempts >= 3);
    expect(await delivery()).toMatchObject({ pending: 2, pendingSeqs: [0, 1], delivered: 0, lastError: expect.stringMatching(/ring to listener full/) });

    const listener = await start({ path: 'root/listener', name: 'listener', kind: 'frame-recorder', moduleUrl: fixture('frame-recorder'), config: {} }, s.wiring.get('listener')!);
    await waitFor(async () => (await delivery()).pending === 0);
    expect(await delivery()).toMatchObject({ delivered: 2, lastError: null });
    // Written to the ring is not yet handled by the listener: wait for it to have read both changes.
    const changes = async () =>
      ((await listener.invoke('received', {})) as { message: { state: number; seq: number } }[])
        .filter((r) => r.message.seq > 0 || r.message.state === TradingState.ACTIVE)
        .map((r) => r.message);
    await waitFor(async () => (await changes()).length >= 2);
    expect(await changes()).toMatchObject([
      { state: TradingState.ACTIVE, seq: 0 },
      { state: TradingState.HALTED, seq: 1 },
    ]);
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
