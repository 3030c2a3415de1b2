import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TradingState } from '../../src/domain/messages.js';
import { startActor, type ActorHandle, type ActorSpec } from '../../src/runtime/actor-handle.js';
import { TradingGate, beatSupervisor, createTradingGate, forceHalt } from '../../src/runtime/trading-gate.js';
import { TripRelay, type TripOutcome } from '../../src/runtime/trip-relay.js';
import { buildWiring } from '../../src/runtime/wiring.js';

/**
 * The trip relay with the real kill-switch actor on its worker thread: a trip before the
 * actor exists, while it starts (after it has read its state file), and when it does not
 * answer, must each end with the actor HALTED by its own record and the gate closed all along.
 */
const handles: ActorHandle[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  timers.splice(0).forEach(clearInterval);
  await Promise.all(handles.splice(0).map((h) => h.kill()));
});

interface KillSwitchStatus {
  state: string;
  history: { source: string; reason: string }[];
}

function system(stateFile: string) {
  const gate = createTradingGate();
  const wiring = buildWiring([{ name: 'kill-switch', path: 'root/safety/kill-switch', sends: [], ringBytes: 4096, fullPolicy: 'fail' }], gate);
  timers.push(setInterval(() => beatSupervisor(gate), 20));
  const spec: ActorSpec = {
    path: 'root/safety/kill-switch',
    name: 'kill-switch',
    kind: 'kill-switch',
    config: { state_file: stateFile, initial_mode: 'active', lease_ms: 500, lease_renew_ms: 20, dead_man_timeout_ms: 0 },
  };
  let running: ActorHandle | undefined;
  const relay = new TripRelay(gate, stateFile, () => running, pino({ level: 'silent' }));
  const startKillSwitch = async (): Promise<ActorHandle> => {
    const handle = await startActor(spec, wiring.get('kill-switch')!, { onExitSync: () => forceHalt(gate) });
    handles.push(handle);
    return handle;
  };
  return {
    gate: new TradingGate(gate),
    relay,
    startKillSwitch,
    setRunning: (handle: ActorHandle | undefined) => (running = handle),
  };
}

const tempStateFile = () => join(mkdtempSync(join(tmpdir(), 'bot4-relay-')), 'kill-switch.json');
const fileState = (file: string): string => (JSON.parse(readFileSync(file, 'utf8')) as { state: string }).state;

describe('trip relay: a trip at any moment reaches the kill switch and the gate never opens', () => {
  it('before the actor exists: latched in its state file (over an ACTIVE one), handed over when it starts', async () => {
    const file = tempStateFile();
    writeFileSync(file, `${JSON.stringify({ version: 1, state: 'ACTIVE', seq: 4, last: undefined, history: [] })}\n`);
    const s = system(file);
    const outcome = await s.relay.trip('admin', 'halt before start');
    expect(outcome).toMatchObject({ taken: 'latched-in-file', record: { state: 'HALTED', seq: 5 } });
    expect(fileState(file)).toBe('HALTED');
    expect(s.gate.read()).toBe(TradingState.HALTED);
    expect(s.gate.isTripHeld()).toBe(true);

    const handle = await s.relay.starts(s.startKillSwitch);
    s.setRunning(handle);
    const status = (await handle.invoke('status', {})) as KillSwitchStatus;
    expect(status.state).toBe('HALTED');
    expect(status.history.filter((t) => t.reason === 'halt before start').map((t) => t.source)).toEqual(['admin', 'admin']);
    expect(s.relay.heldCount).toBe(0);
    expect(s.gate.isTripHeld()).toBe(false);
    expect(s.gate.read()).toBe(TradingState.HALTED);
  });

  it('while the actor starts, after it has read its ACTIVE state file and opened the gate: the gate stays closed and the actor takes the trip', async () => {
    const file = tempStateFile();
    const s = system(file);
    let during: Promise<TripOutcome> | undefined;
    let gateRightAfterTrip: TradingState | undefined;
    const handle = await s.relay.starts(async () => {
      const started = await s.startKillSwitch();
      // Up: it restored nothing, took initial_mode ACTIVE, persisted it and opened the gate.
      expect(((await started.invoke('status', {})) as KillSwitchStatus).state).toBe('ACTIVE');
      during = s.relay.trip('gpio-button', 'pressed while the kill switch starts');
      gateRightAfterTrip = s.gate.read();
      // Its lease runs on: what it writes now must not reopen the gate.
      await new Promise((r) => setTimeout(r, 100));
      expect(s.gate.read()).toBe(TradingState.HALTED);
      return started;
    });
    s.setRunning(handle);
    expect(gateRightAfterTrip).toBe(TradingState.HALTED);
    expect(await during).toEqual({ taken: 'by-actor' });
    expect(((await handle.invoke('status', {})) as KillSwitchStatus).state).toBe('HALTED');
    expect(fileState(file)).toBe('HALTED');
    expect(s.gate.isTripHeld()).toBe(false);
    expect(s.gate.read()).toBe(TradingState.HALTED);
  });

  it('an actor that read its state file just before the latch was written comes up ACTIVE: the held gate stays closed until it has taken the trip', async () => {
    const file = tempStateFile();
    const s = system(file);
    await s.relay.trip('admin', 'latched a moment too late for its read');
    // What such an actor leaves behind: its init persists the ACTIVE it read, over the latch.
    writeFileSync(file, `${JSON.stringify({ version: 1, state: 'ACTIVE', seq: 0, last: undefined, history: [] })}\n`);
    let gateOnceUp: TradingState | undefined;
    const handle = await s.relay.starts(async () => {
      const started = await s.startKillSwitch();
      expect(((await started.invoke('status', {})) as KillSwitchStatus).state).toBe('ACTIVE');
      await new Promise((r) => setTimeout(r, 50)); // a few lease renewals
      gateOnceUp = s.gate.read();
      return started;
    });
    s.setRunning(handle);
    expect(gateOnceUp).toBe(TradingState.HALTED);
    expect(((await handle.invoke('status', {})) as KillSwitchStatus).state).toBe('HALTED');
    expect(fileState(file)).toBe('HALTED');
    expect(s.gate.read()).toBe(TradingState.HALTED);
  });

  it('an actor that does not take the trip leaves it held (gate closed) until its next start takes it', async () => {
    const file = tempStateFile();
    const s = system(file);
    const first = await s.relay.starts(s.startKillSwitch);
    s.setRunning(first);
    expect(s.gate.read()).toBe(TradingState.ACTIVE);
    await first.kill();
    const outcome = await s.relay.trip('admin', 'tripped at a dead kill switch');
    expect(outcome).toMatchObject({ taken: 'latched-in-file', why: 'the kill switch did not take the trip' });
    expect(s.relay.heldCount).toBe(1);
    expect(s.gate.read()).toBe(TradingState.HALTED);

    const second = await s.relay.starts(s.startKillSwitch);
    s.setRunning(second);
    expect(((await second.invoke('status', {})) as KillSwitchStatus).state).toBe('HALTED');
    expect(s.relay.heldCount).toBe(0);
    expect(s.gate.read()).toBe(TradingState.HALTED);
  });
});
