import { describe, expect, it } from 'vitest';
import { Liquidity, Side, type Fill } from '../../src/domain/messages.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import { Ledger, entryImbalance, inventoryAccount, type MarkPrice } from '../../actors/risk/accounting.js';

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
    expect(ledger.position(1, 1).realisedPnl).toBe(22.5);
    ledger.postFill(fill(Side.SELL, 1, 100, 0.1)); // closes 0.5 at -5, opens a 0.5 short at 100
    const pos = ledger.position(1, 1);
    expect(pos.qty).toBe(-0.5);
    expect(pos.avgPrice).toBe(100);
    expect(pos.realisedPnl).toBe(20);
    const mark: MarkPrice = () => 90;
    expect(ledger.unrealisedPnl(mark)).toBe(5);
    // 4 × 0.1 in doubles is 0.4000000000000001; booked exactly it is 0.4.
    expect(ledger.fees()).toBe(0.4);
    // cash: 10000 - 100 - 110 + 180 + 100 - 0.4 = 10069.6; equity = cash - 0.5 * 90
    expect(ledger.cash()).toBe(10_069.6);
    expect(ledger.equity(mark)).toBe(10_024.6);
    expect(ledger.report(mark)).toMatchObject({ cash: '10069.60000000', fees: '0.40000000', realisedPnl: '20.00000000', unrealisedPnl: '5.00000000', equity: '10024.60000000', deposits: '10000.00000000' });
    expect(ledger.report(mark).positions).toEqual([{ venue: 1, instrument: 1, symbol: 'I1USDT', qty: '-0.500', avgPrice: '100.00', mark: '90.00', realisedPnl: '20.00000000', unrealisedPnl: '5.00000000', fees: '0.40000000' }]);
    for (const entry of ledger.journal) expect(entryImbalance(entry)).toBe(0n);
    expect(ledger.balance(inventoryAccount(1, 1)).units).toBe(-500n);
  });

  it('closing in pieces lands exactly on flat, cost basis and all', () => {
    const ledger = new Ledger('USDT', INSTRUMENTS);
    ledger.postFill(fill(Side.BUY, 0.3, 100));
    ledger.postFill(fill(Side.SELL, 0.1, 100));
    ledger.postFill(fill(Side.SELL, 0.2, 100));
    expect(ledger.position(1, 1)).toMatchObject({ qty: 0, avgPrice: 0 });
    expect(ledger.booked(1, 1)).toMatchObject({ qty: 0n, cost: 0n, realisedPnl: 0n });
  });

  it('a partial close takes its share of the cost rounded half to even; the rest stays in the basis', () => {
    const ledger = new Ledger('USDT', INSTRUMENTS);
    ledger.postFill(fill(Side.BUY, 0.001, 100.01));
    ledger.postFill(fill(Side.BUY, 0.002, 100.02)); // cost 0.30005 for 0.003: average 100.01666...
    ledger.postFill(fill(Side.SELL, 0.001, 100.02)); // takes 0.30005 / 3 = 0.100016666.. -> 0.10001667
    const booked = ledger.booked(1, 1);
    expect(ledger.report(() => 100).positions[0]).toMatchObject({ qty: '0.002', avgPrice: '100.02', realisedPnl: '0.00000333' });
    expect(booked.cost).toBe(20003333n); // 0.30005000 - 0.10001667
    expect(booked.cost + booked.realisedPnl).toBe(30005000n - 10001667n + 333n);
  });

  it('refuses prices and quantities finer than it books, and rounds a computed fee to the money unit', () => {
    const ledger = new Ledger('USDT', INSTRUMENTS);
    expect(() => ledger.postFill(fill(Side.BUY, 0.0011, 100))).toThrow(/qty 0.0011 of I1USDT has more than 3 decimals \(step 0.001\)/);
    expect(() => ledger.postFill(fill(Side.BUY, 1, 100.000001))).toThrow(/price 100.000001 of I1USDT has more than the 5 decimals the ledger books/);
    ledger.postFill(fill(Side.BUY, 1, 100, 0.1 * 3)); // 0.30000000000000004 in doubles
    expect(ledger.booked(1, 1).fees).toBe(30000000n);
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
    expect(() => ledger.deposit(1, 0.123456789, 0)).toThrow(/amount 0.123456789 has more than 8 decimals/);
    ledger.postFill(fill(Side.BUY, 1, 100));
    expect(() => ledger.equity(() => undefined)).toThrow(/no usable mark price for venue 1 instrument 1/);
  });
});
