import { describe, expect, it } from 'vitest';
import { TradingState } from '../../src/domain/messages.js';
import { TradingGate, TradingGateWriter, closeForShutdown, createTradingGate, forceHalt, holdForTrip, releaseTripHold } from '../../src/runtime/trading-gate.js';

describe('trading gate word', () => {
  it('reads HALTED from fresh (zeroed) memory', () => {
    expect(new TradingGate(createTradingGate()).read()).toBe(TradingState.HALTED);
  });

  it('is open only while the kill switch holds a live lease', async () => {
    const sab = createTradingGate();
    const writer = new TradingGateWriter(sab);
    const reader = new TradingGate(sab);
    writer.set(TradingState.ACTIVE);
    expect(reader.read()).toBe(TradingState.HALTED); // no lease yet
    writer.renewLease(60);
    expect(reader.read()).toBe(TradingState.ACTIVE);
    await new Promise((r) => setTimeout(r, 80));
    expect(reader.storedState()).toBe(TradingState.ACTIVE);
    expect(reader.read()).toBe(TradingState.HALTED); // lapsed: a dead kill switch closes the gate
  });

  it('force-halt by the supervisor closes it at once and revokes the lease', () => {
    const sab = createTradingGate();
    const writer = new TradingGateWriter(sab);
    writer.set(TradingState.REDUCING);
    writer.renewLease(10_000);
    const seq = writer.seq();
    forceHalt(sab);
    expect(new TradingGate(sab).read()).toBe(TradingState.HALTED);
    expect(writer.seq()).toBe(seq + 1);
    expect(writer.leaseUntilMs()).toBe(0);
  });

  it('once closed for shutdown, nothing the kill switch writes opens it again', () => {
    const sab = createTradingGate();
    const writer = new TradingGateWriter(sab);
    writer.set(TradingState.ACTIVE);
    writer.renewLease(10_000);
    closeForShutdown(sab);
    expect(writer.read()).toBe(TradingState.HALTED);
    writer.set(TradingState.ACTIVE);
    expect(writer.read()).toBe(TradingState.HALTED);
    expect(writer.isShuttingDown()).toBe(true);
  });

  it('while a trip is held, reads HALTED whatever the kill switch writes, stored or not; released, it is the kill switch\'s again', () => {
    const sab = createTradingGate();
    const writer = new TradingGateWriter(sab);
    const reader = new TradingGate(sab);
    writer.renewLease(10_000);
    // Each way a kill switch racing the supervisor can leave the state word while held.
    for (const state of [TradingState.ACTIVE, TradingState.REDUCING, TradingState.PAUSED]) {
      holdForTrip(sab);
      writer.set(state);
      expect(reader.storedState()).toBe(TradingState.HALTED);
      // a write that read the hold before it was set and stored after it
      new Int32Array(sab, 0, 1)[0] = state;
      writer.renewLease(10_000);
      expect(reader.read()).toBe(TradingState.HALTED);
      expect(reader.isTripHeld()).toBe(true);
      releaseTripHold(sab);
      expect(reader.read()).toBe(state);
    }
  });

  it('carries the flatten permit only while HALTED by the kill switch: never in another state, on shutdown or after a force-halt', () => {
    const sab = createTradingGate();
    const writer = new TradingGateWriter(sab);
    const reader = new TradingGate(sab);
    writer.renewLease(10_000);
    writer.set(TradingState.ACTIVE, true);
    expect(reader.flattenPermitted()).toBe(false);
    writer.set(TradingState.HALTED, false);
    expect(reader.flattenPermitted()).toBe(false);
    writer.set(TradingState.HALTED, true);
    expect(reader.flattenPermitted()).toBe(true);
    writer.set(TradingState.REDUCING, true);
    expect(reader.flattenPermitted()).toBe(false);
    writer.set(TradingState.HALTED, true);
    forceHalt(sab);
    expect(reader.flattenPermitted()).toBe(false);
    writer.set(TradingState.HALTED, true);
    closeForShutdown(sab);
    expect(reader.flattenPermitted()).toBe(false);
    writer.set(TradingState.HALTED, true);
    expect(reader.flattenPermitted()).toBe(false);
  });
});
