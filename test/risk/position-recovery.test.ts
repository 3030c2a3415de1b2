import { describe, expect, it } from 'vitest';
import { Liquidity, Side, type Fill } from '../../src/domain/messages.js';
import { instrumentSpecsFromConfig } from '../../src/domain/instrument-config.js';
import { Ledger, entryImbalance } from '../../actors/risk/accounting.js';
import { positionRecord } from '../../actors/risk/position-records.js';
import { applyRestorePlan, planPositionRestore } from '../../actors/risk/position-recovery.js';

const specs = instrumentSpecsFromConfig([
  { id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tick_size: 0.01, step_size: 0.00001, min_qty: 0.00001, min_price: 0.01, max_qty: 9000, min_notional: 5 },
  { id: 2, symbol: 'ETHUSDT', base: 'ETH', quote: 'USDT', tick_size: 0.01, step_size: 0.0001, min_qty: 0.0001, min_price: 0.01, max_qty: 9000, min_notional: 5 },
]);
const naming = { venueIds: new Map([['venue-a', 1], ['venue-b', 2]]), instruments: new Map([...specs.values()].map((s) => [s.symbol, s])) };

const fill = (venue: number, instrument: number, side: Side, qty: number, price: number, tradeId: number): Fill => ({
  orderId: 1, venue, instrument, side, qty, price, fee: 0, liquidity: Liquidity.TAKER, tradeId, exchangeTsMs: 0, receiveTsUs: tradeId,
});

describe('risk positions from the database', () => {
  it('a ledger seeded from snapshots values like the one that booked the fills (qty, average, realised, equity)', () => {
    const before = new Ledger('USDT', [...specs.values()]);
    before.deposit(1, 100_000, 0);
    before.deposit(2, 100_000, 0);
    for (const f of [fill(1, 1, Side.BUY, 0.004, 60_000, 1), fill(1, 1, Side.BUY, 0.002, 63_000, 2), fill(1, 1, Side.SELL, 0.001, 64_000, 3), fill(2, 2, Side.SELL, 0.5, 3_000, 4)]) before.postFill(f);
    const snapshots = before.bookedPositions().map((b) => before.snapshot(b.venue, b.instrument)).map((p, i) => {
      const r = positionRecord(p, 1_000 + i, { venueNames: new Map([[1, 'venue-a'], [2, 'venue-b']]), instrumentNames: new Map([...specs.values()].map((s) => [s.id, s.symbol])) });
      if (typeof r === 'string') throw new Error(r);
      return r;
    });
    const plan = planPositionRestore(snapshots, [{ venue: 'venue-a', instrument: 'BTCUSDT', tradeId: '3' }], naming);
    expect(plan.problems).toEqual([]);

    const after = new Ledger('USDT', [...specs.values()]);
    after.deposit(1, 100_000, 0);
    after.deposit(2, 100_000, 0);
    const { seeded } = applyRestorePlan(after, plan);
    expect(seeded).toHaveLength(2);
    // Exact to the unit: qty, cost basis (the averages here are whole money units) and realised PnL.
    for (const p of before.bookedPositions()) expect(after.booked(p.venue, p.instrument)).toEqual(p);
    const mark = (venue: number, instrument: number) => (instrument === 1 ? 65_000 : 2_900) + venue;
    // equity = deposits + realised + unrealised (fees are not in a snapshot; these fills had none)
    expect(after.report(mark).equity).toBe(before.report(mark).equity);
    for (const entry of after.journal) expect(entryImbalance(entry)).toBe(0n);
    // a fill inside the snapshot, passed on again by the venue reconciliation, is not booked twice
    expect(after.postFill(fill(1, 1, Side.SELL, 0.001, 64_000, 3))).toBeNull();
    expect(after.postFill(fill(1, 1, Side.SELL, 0.001, 64_000, 5))).not.toBeNull();
    expect(after.position(1, 1).qty).toBe(0.004);
  });

  it('skips flat markets that realised nothing, names rows it cannot map, and never seeds a market twice', () => {
    const rows = [
      { venue: 'venue-a', instrument: 'BTCUSDT', tsUs: 5, qty: '0.00000', avgPrice: '0.00000000', realizedPnl: '0.00000000' },
      { venue: 'venue-a', instrument: 'ETHUSDT', tsUs: 5, qty: '0', avgPrice: '0', realizedPnl: '-12.5' },
      { venue: 'venue-q', instrument: 'BTCUSDT', tsUs: 5, qty: '1', avgPrice: '1', realizedPnl: '0' },
      { venue: 'venue-b', instrument: 'XRPUSDT', tsUs: 5, qty: '1', avgPrice: '1', realizedPnl: '0' },
    ];
    const plan = planPositionRestore(rows, [{ venue: 'venue-q', instrument: 'BTCUSDT', tradeId: '1' }, { venue: 'venue-a', instrument: 'BTCUSDT', tradeId: 'x9' }], naming);
    expect(plan.positions).toEqual([{ venue: 1, instrument: 2, qty: '0', avgPrice: '0', realisedPnl: '-12.5', tsUs: 5 }]);
    expect(plan.bookedFills).toEqual([]);
    expect(plan.problems).toHaveLength(2);
    const ledger = new Ledger('USDT', [...specs.values()]);
    expect(applyRestorePlan(ledger, plan).seeded).toHaveLength(1);
    expect(ledger.realisedPnl()).toBe(-12.5);
    expect(applyRestorePlan(ledger, plan).skipped[0]).toMatch(/already has a position/);
  });
});
