import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { refusal, stateValueOf, tradingStateMachine, type TradingEvent } from '../../actors/kill-switch/trading-state-machine.js';
import { TradingState } from '../../src/domain/messages.js';

function machineIn(value: string) {
  const context = { seq: 0, last: undefined, history: [] };
  const snapshot = tradingStateMachine.resolveState({ value, context });
  return createActor(tradingStateMachine, { snapshot, input: { initial: context } }).start();
}

const trip = (reason = 'test trip'): TradingEvent => ({ type: 'TRIP', source: 'admin', reason, atMs: 1000 });
const reset = (reason: string): TradingEvent => ({ type: 'RESET', source: 'admin', reason, atMs: 2000 });
const mode = (m: 'active' | 'reducing' | 'paused'): TradingEvent => ({ type: 'SET_MODE', mode: m, source: 'admin', reason: `to ${m}`, atMs: 3000 });

describe('trading state machine', () => {
  it.each(['ACTIVE', 'REDUCING', 'PAUSED'])('a trip from %s halts, recording source, reason and time', (from) => {
    const m = machineIn(from);
    m.send({ type: 'TRIP', source: 'gpio-button', reason: 'button pressed', atMs: 1234 });
    const s = m.getSnapshot();
    expect(stateValueOf(s)).toBe(TradingState.HALTED);
    expect(s.context.last).toEqual({ seq: 1, from, to: 'HALTED', source: 'gpio-button', reason: 'button pressed', atMs: 1234 });
  });

  it('HALTED is latched: modes are refused until a reset with a reason', () => {
    const m = machineIn('HALTED');
    expect(refusal(m.getSnapshot(), mode('active'))?.code).toBe('latched');
    expect(refusal(m.getSnapshot(), mode('active'))?.message).toMatch(/HALTED is latched: reset it with a reason/);
    expect(refusal(m.getSnapshot(), reset('   '))?.code).toBe('reason_required');
    expect(refusal(m.getSnapshot(), reset('drawdown reviewed by ops'))).toBeUndefined();
    m.send(reset('drawdown reviewed by ops'));
    expect(String(m.getSnapshot().value)).toBe('ACTIVE');
    expect(m.getSnapshot().context.last).toMatchObject({ from: 'HALTED', to: 'ACTIVE', reason: 'drawdown reviewed by ops' });
  });

  it('a reset outside HALTED is refused, not ignored', () => {
    expect(refusal(machineIn('ACTIVE').getSnapshot(), reset('why not'))?.code).toBe('not_halted');
  });

  it('moves between ACTIVE, REDUCING and PAUSED and refuses a no-op move', () => {
    const m = machineIn('ACTIVE');
    m.send(mode('reducing'));
    expect(String(m.getSnapshot().value)).toBe('REDUCING');
    m.send(mode('paused'));
    expect(String(m.getSnapshot().value)).toBe('PAUSED');
    expect(refusal(m.getSnapshot(), mode('paused'))?.code).toBe('same_mode');
    m.send(mode('active'));
    expect(String(m.getSnapshot().value)).toBe('ACTIVE');
    expect(m.getSnapshot().context.history.map((t) => t.to)).toEqual(['REDUCING', 'PAUSED', 'ACTIVE']);
  });

  it('a second trip while halted is recorded too', () => {
    const m = machineIn('ACTIVE');
    m.send(trip('first'));
    m.send(trip('second'));
    expect(m.getSnapshot().context.history.map((t) => t.reason)).toEqual(['first', 'second']);
    expect(String(m.getSnapshot().value)).toBe('HALTED');
  });
});
