import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Liquidity, Side, type Fill } from '../../src/domain/messages.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import { Ledger, cashAccount, entryImbalance, inventoryAccount, type MarkPrice } from '../../actors/risk/accounting.js';

const spec = (id: number, quote = 'USDT'): InstrumentSpec => ({
  id,
  symbol: `I${id}${quote}`,
  base: `I${id}`,
  quote,
  tickSize: 0.01,
  stepSize: 0.001,
  minQty: 0.001,
  maxQty: 1e6,
  minPrice: 0.01,
  maxPrice: 1e6,
  minNotional: 0,
  maxNotional: Infinity,
});
const INSTRUMENTS = [spec(1), spec(2), spec(3, 'BTC')];

let tradeSeq = 1;
const fill = (side: Side, qty: number, price: number, fee = 0, venue = 1, instrument = 1): Fill => ({
  orderId: 1,
  venue,
  instrument,
  side,
  price,
  qty,
  fee,
  liquidity: Liquidity.TAKER,
  tradeId: tradeSeq++,
  exchangeTsMs: 0,
  receiveTsUs: 0,
});

describe('ledger on a known sequence', () => {
  it('average cost, realised PnL on reductions and on a flip, unrealised from the mark', () => {
    const ledger = new Ledger('USDT', INSTRUMENTS);
    ledger.deposit(1, 10_000, 0);
    ledger.postFill(fill(Side.BUY, 1, 100, 0.1));
    ledger.postFill(fill(Side.BUY, 1, 110, 0.1));
    expect(ledger.position(1, 1)).toMatchObject({ qty: 2, avgPrice: 105, realisedPnl: 0 });
    ledger.postFill(fill(Side.SELL, 1.5, 120, 0.1));
    expect(ledger.position(1, 1)).toMatchObject({ qty: 0.5, avgPrice: 105 });
    expect(ledger.position(1, 1).realisedPnl).toBeCloseTo(22.5, 10);
    ledger.postFill(fill(Side.SELL, 1, 100, 0.1)); // closes 0.5 at -5, opens a 0.5 short at 100
    const pos = ledger.position(1, 1);
    expect(pos.qty).toBe(-0.5);
    expect(pos.avgPrice).toBe(100);
    expect(pos.realisedPnl).toBeCloseTo(20, 10);
    const mark: MarkPrice = () => 90;
    expect(ledger.unrealisedPnl(mark)).toBeCloseTo(5, 10);
    expect(ledger.fees()).toBeCloseTo(0.4, 10);
    // cash: 10000 - 100 - 110 + 180 + 100 - 0.4 = 10069.6; equity = cash - 0.5 * 90
    expect(ledger.cash()).toBeCloseTo(10_069.6, 9);
    expect(ledger.equity(mark)).toBeCloseTo(10_069.6 - 45, 9);
    expect(ledger.equity(mark)).toBeCloseTo(10_000 + 20 + 5 - 0.4, 9);
    for (const entry of ledger.journal) expect(Math.abs(entryImbalance(entry))).toBeLessThan(1e-9);
    expect(ledger.balance(inventoryAccount(1, 1)).units).toBe(-0.5);
  });

  it('closing in pieces lands exactly on flat (quantities kept in steps)', () => {
    const ledger = new Ledger('USDT', INSTRUMENTS);
    ledger.postFill(fill(Side.BUY, 0.3, 100));
    ledger.postFill(fill(Side.SELL, 0.1, 100));
    ledger.postFill(fill(Side.SELL, 0.2, 100));
    expect(ledger.position(1, 1)).toMatchObject({ qty: 0, avgPrice: 0 });
  });

  it('posts a fill once even when delivered twice', () => {
    const ledger = new Ledger('USDT', INSTRUMENTS);
    const f = fill(Side.BUY, 1, 100);
    expect(ledger.postFill(f)).not.toBeNull();
    expect(ledger.postFill(f)).toBeNull();
    expect(ledger.position(1, 1).qty).toBe(1);
    expect(ledger.journal).toHaveLength(1);
  });

  it('one trade id on two symbols of one venue is two fills (venues number trades per symbol)', () => {
    const ledger = new Ledger('USDT', INSTRUMENTS);
    const btc = { ...fill(Side.BUY, 1, 100, 0, 1, 1), tradeId: 6 };
    const eth = { ...fill(Side.SELL, 2, 50, 0, 1, 2), tradeId: 6 };
    expect(ledger.postFill(btc)).not.toBeNull();
    expect(ledger.postFill(eth)).not.toBeNull();
    expect(ledger.postFill({ ...eth })).toBeNull();
    expect([ledger.position(1, 1).qty, ledger.position(1, 2).qty]).toEqual([1, -2]);
  });

  it('refuses bad fills and other quote currencies with a clear error', () => {
    const ledger = new Ledger('USDT', INSTRUMENTS);
    expect(() => ledger.postFill(fill(Side.BUY, 1, 100, 0, 1, 3))).toThrow(/quoted in BTC, the ledger reports in USDT/);
    expect(() => ledger.postFill(fill(Side.BUY, 1, 100, 0, 1, 99))).toThrow(/unknown instrument 99/);
    expect(() => ledger.postFill(fill(Side.BUY, 0, 100))).toThrow(/needs qty > 0/);
    expect(() => ledger.deposit(1, -5, 0)).toThrow(/amount must be a finite number > 0/);
    ledger.postFill(fill(Side.BUY, 1, 100));
    expect(() => ledger.equity(() => undefined)).toThrow(/no usable mark price for venue 1 instrument 1/);
  });
});

/** The independent model: average cost, written out plainly in integer steps. */
interface ModelPosition {
  steps: number;
  avg: number;
  realised: number;
  fees: number;
}
function modelApply(p: ModelPosition, buy: boolean, steps: number, price: number, fee: number): void {
  const signed = buy ? steps : -steps;
  p.fees += fee;
  if (p.steps === 0 || Math.sign(p.steps) === Math.sign(signed)) {
    const total = Math.abs(p.steps) + steps;
    p.avg = (Math.abs(p.steps) * p.avg + steps * price) / total;
    p.steps += signed;
    return;
  }
  const closing = Math.min(Math.abs(p.steps), steps);
  p.realised += (closing / 1000) * (price - p.avg) * Math.sign(p.steps);
  const after = p.steps + signed;
  if (after === 0) p.avg = 0;
  else if (Math.sign(after) !== Math.sign(p.steps)) p.avg = price;
  p.steps = after;
}

describe('ledger vs an independent average-cost model (property)', () => {
  const fillArb = fc.record({
    venue: fc.constantFrom(1, 2),
    instrument: fc.constantFrom(1, 2),
    buy: fc.boolean(),
    steps: fc.integer({ min: 1, max: 5000 }),
    cents: fc.integer({ min: 1000, max: 20_000 }),
    feeCents: fc.integer({ min: 0, max: 50 }),
  });
  const markArb = fc.tuple(fc.integer({ min: 1000, max: 20_000 }), fc.integer({ min: 1000, max: 20_000 }));

  it('positions, PnL and the accounting identities hold for random fill sequences', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 60 }), markArb, (fills, [m1, m2]) => {
        const ledger = new Ledger('USDT', INSTRUMENTS);
        const initialCash = 50_000;
        ledger.deposit(1, initialCash / 2, 0);
        ledger.deposit(2, initialCash / 2, 0);
        const model = new Map<string, ModelPosition>();
        for (const f of fills) {
          const key = `${f.venue}:${f.instrument}`;
          const p = model.get(key) ?? { steps: 0, avg: 0, realised: 0, fees: 0 };
          model.set(key, p);
          const qty = f.steps / 1000;
          const price = f.cents / 100;
          const fee = f.feeCents / 100;
          modelApply(p, f.buy, f.steps, price, fee);
          const entry = ledger.postFill(fill(f.buy ? Side.BUY : Side.SELL, qty, price, fee, f.venue, f.instrument))!;
          expect(Math.abs(entryImbalance(entry))).toBeLessThan(1e-6);
        }
        const marks = new Map([
          [1, m1 / 100],
          [2, m2 / 100],
        ]);
        const mark: MarkPrice = (_v, i) => marks.get(i);
        let realised = 0;
        let fees = 0;
        let unrealised = 0;
        let marketValue = 0;
        for (const [key, p] of model) {
          const [venue, instrument] = key.split(':').map(Number) as [number, number];
          const pos = ledger.position(venue, instrument);
          expect(pos.qty).toBe(p.steps / 1000);
          expect(pos.avgPrice).toBeCloseTo(p.avg, 6);
          expect(pos.realisedPnl).toBeCloseTo(p.realised, 6);
          realised += p.realised;
          fees += p.fees;
          unrealised += (p.steps / 1000) * (marks.get(instrument)! - p.avg);
          marketValue += (p.steps / 1000) * marks.get(instrument)!;
        }
        expect(ledger.realisedPnl()).toBeCloseTo(realised, 6);
        expect(ledger.fees()).toBeCloseTo(fees, 6);
        expect(ledger.unrealisedPnl(mark)).toBeCloseTo(unrealised, 5);
        // equity = initial cash + realised + unrealised - fees
        expect(ledger.equity(mark)).toBeCloseTo(initialCash + realised + unrealised - fees, 5);
        expect(ledger.equity(mark)).toBeCloseTo(ledger.cash() + marketValue, 6);
        // Σ of all balances is zero: every posting had its counter-posting.
        let total = 0;
        for (const entry of ledger.journal) total += entryImbalance(entry);
        expect(Math.abs(total)).toBeLessThan(1e-5);
        expect(ledger.balance(cashAccount(1, 'USDT')).units + ledger.balance(cashAccount(2, 'USDT')).units).toBeCloseTo(ledger.cash(), 9);
      }),
      { seed: 20_240_601, numRuns: 300 },
    );
  });
});
