import { describe, expect, it } from 'vitest';
import { Liquidity, Side, type Fill } from '../../src/domain/messages.js';
import { instrumentSpecsFromConfig } from '../../src/domain/instrument-config.js';
import { Ledger, entryImbalance } from '../../actors/risk/accounting.js';
import { applyRebuildPlan, planPositionRebuild } from '../../actors/risk/position-recovery.js';
import type { RecoveredFill } from '../../src/persistence/recovery.js';

const specs = instrumentSpecsFromConfig([
  { id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tick_size: 0.01, step_size: 0.00001, min_qty: 0.00001, min_price: 0.01, max_qty: 9000, min_notional: 5 },
  { id: 2, symbol: 'ETHUSDT', base: 'ETH', quote: 'USDT', tick_size: 0.01, step_size: 0.0001, min_qty: 0.0001, min_price: 0.01, max_qty: 9000, min_notional: 5 },
]);
const naming = { venueIds: new Map([['venue-a', 1], ['venue-b', 2]]), instruments: new Map([...specs.values()].map((s) => [s.symbol, s])) };
const venueName = (id: number) => (id === 1 ? 'venue-a' : 'venue-b');

const fill = (venue: number, instrument: number, side: Side, qty: number, price: number, tradeId: number, fee = 0): Fill => ({
  orderId: 1, venue, instrument, side, qty, price, fee, liquidity: Liquidity.TAKER, tradeId, exchangeTsMs: tradeId, receiveTsUs: tradeId * 1000,
});

/** The `fills` row the recorder writes of a fill (actors/recorder/record-mapping.ts), as recovery.ts reads it back. */
const row = (f: Fill): RecoveredFill => ({
  venue: venueName(f.venue), tradeId: String(f.tradeId), orderId: f.orderId, instrument: f.instrument === 1 ? 'BTCUSDT' : 'ETHUSDT',
  side: f.side === Side.BUY ? 'BUY' : 'SELL', price: f.price, qty: f.qty, fee: f.fee, liquidity: 'TAKER', tsUs: f.exchangeTsMs * 1000,
});

const funded = () => {
  const ledger = new Ledger('USDT', [...specs.values()]);
  ledger.deposit(1, 100_000, 0);
  ledger.deposit(2, 100_000, 0);
  return ledger;
};

describe('risk positions rebuilt from the database fills', () => {
  it('equal, to the unit, those of the ledger that booked the fills live (qty, cost, realised, fees, equity)', () => {
    const fills = [
      fill(1, 1, Side.BUY, 0.004, 60_000, 1, 0.024), fill(1, 1, Side.BUY, 0.002, 63_000, 2, 0.0126), fill(1, 1, Side.SELL, 0.001, 64_000, 3, 0.0064),
      fill(2, 2, Side.SELL, 0.5, 3_000, 1, 0.15), fill(1, 2, Side.BUY, 0.25, 3_001.17, 4, 0.075),
    ];
    const live = funded();
    for (const f of fills) live.postFill(f);

    const plan = planPositionRebuild(fills.map(row), naming);
    expect(plan.problems).toEqual([]);
    const rebuilt = funded();
    const applied = applyRebuildPlan(rebuilt, plan);
    expect(applied).toMatchObject({ booked: 5, problems: [] });
    expect(applied.positions.map((p) => [p.venue, p.instrument, p.qty])).toEqual([[1, 1, '0.00500'], [2, 2, '-0.5000'], [1, 2, '0.2500']]);
    for (const p of live.bookedPositions()) expect(rebuilt.booked(p.venue, p.instrument)).toEqual(p);
    const mark = (venue: number, instrument: number) => (instrument === 1 ? 65_000 : 2_900) + venue;
    expect(rebuilt.report(mark).equity).toBe(live.report(mark).equity);
    for (const entry of rebuilt.journal) expect(entryImbalance(entry)).toBe(0n);
    // Every fill of the database counts as booked under the one identity every path uses ...
    expect(rebuilt.postFill(fill(1, 1, Side.SELL, 0.001, 64_000, 3))).toBeNull();
    // ... per venue and instrument: venue B's trade 1 of ETHUSDT is not venue A's, nor BTCUSDT's.
    expect(rebuilt.postFill(fill(2, 1, Side.BUY, 0.001, 64_000, 1))).not.toBeNull();
    // Applying the plan again (a second restore) books nothing.
    expect(applyRebuildPlan(rebuilt, plan).booked).toBe(0);
  });

  it('names the rows it cannot book, once per market and reason, and books the rest', () => {
    const good = row(fill(1, 1, Side.BUY, 0.004, 60_000, 1));
    const rows: RecoveredFill[] = [
      good,
      { ...good, venue: 'venue-q', tradeId: '2' },
      { ...good, venue: 'venue-q', tradeId: '3' },
      { ...good, instrument: 'XRPUSDT', tradeId: '4' },
      { ...good, tradeId: 'x9' },
      { ...good, tradeId: '5', qty: 0.0000001 },
    ];
    const plan = planPositionRebuild(rows, naming);
    expect(plan.fills.map((f) => f.tradeId)).toEqual([1, 5]);
    expect(plan.problems).toEqual([
      '2 fill(s) of venue-q/BTCUSDT: venue "venue-q" is not in venue_names (venue-a, venue-b)',
      '1 fill(s) of venue-a/XRPUSDT: instrument "XRPUSDT" is not in the instruments list',
      '1 fill(s) of venue-a/BTCUSDT: trade id "x9" is not a whole number the ledger can key',
    ]);
    const ledger = funded();
    const applied = applyRebuildPlan(ledger, plan);
    expect(applied.booked).toBe(1);
    expect(applied.problems).toHaveLength(1);
    expect(applied.problems[0]).toMatch(/trade 5 qty 1e-7 of BTCUSDT has more than 5 decimals/);
    expect(ledger.position(1, 1).qty).toBe(0.004);
  });
});
