import { describe, expect, it } from 'vitest';
import {
  AvellanedaStoikovStrategy, avellanedaStoikovQuotes, horizonSeconds, parseAvellanedaStoikovParams, snapQuotes,
  type AvellanedaStoikovInput,
} from '../../actors/strategy/avellaneda-stoikov.js';
import { StrategyParamError } from '../../actors/strategy/strategy-params.js';
import { ExecStatus, OrderType, Side, TradingState, tradingStateName } from '../../src/domain/messages.js';
import { book, btcSpec, fill, harness, report, trade, type Harness, type HarnessOptions } from './harness.js';

// (2/γ)·ln(1 + γ/k) for γ = 0.1, k = 1.5: 20 · ln(16/15) = 20 · 0.0645385211 = 1.2907704228
const LIQUIDITY_TERM = 1.2907704227514234;

describe('A–S closed form', () => {
  it('reservation price and spread for given s, q, γ, σ², τ, k (hand-computed)', () => {
    // s = 100, q = 2, γ = 0.1, σ² = 4 price²/s, τ = 10 s, k = 1.5
    // γσ²τ = 0.1·4·10 = 4;  r = 100 − 2·4 = 92;  δ = 4 + 1.2907704 = 5.2907704
    // bid = 92 − 2.6453852 = 89.3546148;  ask = 92 + 2.6453852 = 94.6453852
    const long = avellanedaStoikovQuotes({ mid: 100, inventory: 2, gamma: 0.1, sigma2: 4, tau: 10, k: 1.5 });
    expect(long.reservation).toBeCloseTo(92, 12);
    expect(long.spread).toBeCloseTo(4 + LIQUIDITY_TERM, 12);
    expect(long.bid).toBeCloseTo(89.35461478862429, 10);
    expect(long.ask).toBeCloseTo(94.64538521137571, 10);
    // q = −1: r = 100 + 4 = 104, the quotes skew up (the model wants to buy back)
    const short = avellanedaStoikovQuotes({ mid: 100, inventory: -1, gamma: 0.1, sigma2: 4, tau: 10, k: 1.5 });
    expect(short.reservation).toBeCloseTo(104, 12);
    expect(short.bid).toBeCloseTo(101.35461478862429, 10);
    expect(short.ask).toBeCloseTo(106.64538521137571, 10);
    // flat: symmetric around the mid
    const flat = avellanedaStoikovQuotes({ mid: 100, inventory: 0, gamma: 0.1, sigma2: 4, tau: 10, k: 1.5 });
    expect(flat.bid + flat.ask).toBeCloseTo(200, 12);
  });

  it('snaps the bid down and the ask up to the tick, and keeps each off the other side of the book', () => {
    const spec = btcSpec();
    const model = avellanedaStoikovQuotes({ mid: 100, inventory: 2, gamma: 0.1, sigma2: 4, tau: 10, k: 1.5 });
    expect(snapQuotes(spec, model, book(1, 1, 80, 120))).toEqual({ bid: 89.35, ask: 94.65 });
    // Against a book at 99.99/100.01 the skewed ask (94.65) would cross the bid: it is kept one tick above.
    expect(snapQuotes(spec, model, book(1, 1, 99.99, 100.01))).toEqual({ bid: 89.35, ask: 100 });
  });

  it('τ is constant in the rolling horizon and the time to the session end otherwise', () => {
    expect(horizonSeconds({ kind: 'rolling', seconds: 30 }, 125_000)).toBe(30);
    expect(horizonSeconds({ kind: 'session', seconds: 60 }, 125_000)).toBe(55); // session [120 s, 180 s)
    expect(horizonSeconds({ kind: 'session', seconds: 60 }, 120_000)).toBe(60);
  });
});

const params: AvellanedaStoikovInput = {
  venue: 1, instrument: 1, gamma: 0.1, k: 1.5, horizon: { kind: 'rolling', seconds: 10 },
  sigmaSampleMs: 1_000, sigmaDecay: 0.5, minSigmaSamples: 2, orderQty: 0.1, maxInventory: 1, requoteThresholdTicks: 2,
};

const T0_MS = 1_700_000_000_000;

function problemsOf(raw: unknown): readonly string[] {
  try {
    parseAvellanedaStoikovParams(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(StrategyParamError);
    return (e as StrategyParamError).problems;
  }
  throw new Error('expected the parameters to be refused');
}

/** Books at mids 100, 101, 100 one second apart: two equal squared log returns. */
function warmUp(options: HarnessOptions = {}, p: AvellanedaStoikovInput = params): Harness & { strategy: AvellanedaStoikovStrategy } {
  const strategy = new AvellanedaStoikovStrategy(p);
  const h = harness(strategy, options);
  const at = (ms: number, bid: number, ask: number) => {
    h.clock.us = (T0_MS + ms) * 1000;
    h.driver.onBook(book(1, 1, bid, ask, { exchangeTsMs: T0_MS + ms, receiveTsUs: (T0_MS + ms) * 1000 }));
  };
  at(0, 99.99, 100.01);
  at(1_000, 100.99, 101.01);
  expect(h.sink.intents).toEqual([]); // one return so far: still warming up
  at(2_000, 99.99, 100.01);
  return { ...h, strategy };
}

describe('A–S market maker', () => {
  // σ² (relative) = EWMA of ln(101/100)² / 1 s = 9.900908e-5 (both returns are equal); in price units at
  // mid 100: 0.9900908. δ = 0.1·0.9900908·10 + 1.2907704 = 2.2808613; r = 100 (flat).
  // bid = 100 − 1.1404306 = 98.8595694 -> 98.85 (down); ask = 101.1404306 -> 101.15 (up).
  it('quotes nothing while σ warms up, then posts post-only quotes at the model prices', () => {
    const h = warmUp();
    expect(h.sink.intents.map((i) => [i.side, i.type, i.price, i.qty])).toEqual([
      [Side.BUY, OrderType.LIMIT_MAKER, 98.85, 0.1],
      [Side.SELL, OrderType.LIMIT_MAKER, 101.15, 0.1],
    ]);
    expect(h.strategy.sigma2(100)).toBeCloseTo(0.9900908408750885, 12);
  });

  it('does not requote for a move under the threshold, and cancel-replaces for one over it', () => {
    const h = warmUp();
    const move = (bid: number, ask: number) =>
      h.driver.onBook(book(1, 1, bid, ask, { exchangeTsMs: T0_MS + 2_500, receiveTsUs: h.clock.us })); // < 1 s: no σ sample
    // mid 100.01: bid 98.8695 -> 98.86, ask 101.1505 -> 101.16: one tick each, below the 2-tick threshold
    move(100, 100.02);
    expect(h.sink.intents).toHaveLength(2);
    expect(h.sink.cancels).toHaveLength(0);
    // mid 100.05: bid 98.9091 -> 98.90, ask 101.1909 -> 101.20: five ticks each
    move(100.04, 100.06);
    expect(h.sink.cancels.map((c) => c.intentId)).toEqual([1, 2]);
    expect(h.sink.intents.slice(2).map((i) => [i.side, i.price, i.qty])).toEqual([[Side.BUY, 98.9, 0.1], [Side.SELL, 101.2, 0.1]]);
  });

  it('while the gate is not ACTIVE leaves its resting quotes alone and places nothing; requotes once ACTIVE again', () => {
    let gate: TradingState = TradingState.ACTIVE;
    const h = warmUp({ tradingState: () => gate });
    expect(h.sink.intents).toHaveLength(2);
    const move = (bid: number, ask: number) => h.driver.onBook(book(1, 1, bid, ask, { exchangeTsMs: T0_MS + 2_500, receiveTsUs: h.clock.us }));
    for (const state of [TradingState.PAUSED, TradingState.REDUCING, TradingState.HALTED]) {
      gate = state;
      move(100.04, 100.06); // five ticks: would cancel-replace while ACTIVE
      expect(h.sink.cancels).toHaveLength(0);
      expect(h.sink.intents).toHaveLength(2);
      expect(h.strategy.describe().pulled).toContain(tradingStateName(state));
    }
    gate = TradingState.ACTIVE;
    move(100.04, 100.06);
    expect(h.sink.cancels.map((c) => c.intentId)).toEqual([1, 2]);
    expect(h.sink.intents.slice(2).map((i) => [i.side, i.price])).toEqual([[Side.BUY, 98.9], [Side.SELL, 101.2]]);
  });

  it('skews with inventory and sizes each side so a full fill stays within maxInventory', () => {
    // q = 0.8: r = 100 − 0.8·0.9900908 = 99.2079273; bid = 98.0674967 -> 98.06, ask = 100.3483580 -> 100.35.
    // Bid room 1 − 0.8 = 0.2 and ask room 1 + 0.8 = 1.8 both fit orderQty 0.1.
    const h = warmUp({ positions: [{ venue: 1, instrument: 1, qty: 0.8, avgPrice: 100 }] });
    expect(h.sink.intents.map((i) => [i.side, i.price, i.qty])).toEqual([[Side.BUY, 98.06, 0.1], [Side.SELL, 100.35, 0.1]]);
  });

  it('stops quoting the side that would grow inventory at the limit, and pulls a live quote there', () => {
    // q = 1 = maxInventory: no bid; r = 100 − 0.9900908 = 99.0099092, ask = 100.1503398 -> 100.16.
    const full = warmUp({ positions: [{ venue: 1, instrument: 1, qty: 1, avgPrice: 100 }] });
    expect(full.sink.intents.map((i) => [i.side, i.price, i.qty])).toEqual([[Side.SELL, 100.16, 0.1]]);

    // From flat: the bid (intent 1) fills 0.1 at a time until q reaches the limit.
    const h = warmUp({}, { ...params, orderQty: 0.5 });
    const bid = h.sink.intents[0]!;
    expect([bid.side, bid.qty]).toEqual([Side.BUY, 0.5]);
    h.driver.onFill(fill(7, bid, 0.5, bid.price));
    // q = 0.5: the filled bid is gone; the new bid gets min(orderQty 0.5, room 1 − 0.5) = 0.5.
    const second = h.sink.intents.find((i) => i.intentId > 2 && i.side === Side.BUY)!;
    expect(second.qty).toBe(0.5);
    h.driver.onFill(fill(7, second, 0.5, second.price));
    // q = 1: no room on the bid side, so nothing new is bid.
    const bidsAfter = h.sink.intents.filter((i) => i.side === Side.BUY && i.intentId > second.intentId);
    expect(bidsAfter).toEqual([]);
    expect(h.strategy.describe()).toMatchObject({ bid: undefined });
  });

  it('counts a quote being cancelled against the limit until the venue confirms it', () => {
    const h = warmUp({ positions: [{ venue: 1, instrument: 1, qty: 0.4, avgPrice: 100 }] }, { ...params, orderQty: 0.5 });
    const [bid] = h.sink.intents;
    expect(bid!.qty).toBe(0.5); // room 1 − 0.4 = 0.6
    // The mid jumps: the bid is replaced, but the old one (0.5) may still fill: room for the new one is 0.1.
    h.driver.onBook(book(1, 1, 100.49, 100.51, { exchangeTsMs: T0_MS + 2_500, receiveTsUs: h.clock.us }));
    expect(h.sink.cancels.map((c) => c.intentId)).toContain(bid!.intentId);
    const replacement = h.sink.intents.find((i) => i.side === Side.BUY && i.intentId > 2)!;
    expect(replacement.qty).toBeCloseTo(0.1, 12);
    // Once the venue confirms the cancel, the next requote may use the full room again.
    h.driver.onExecutionReport(report(7, bid!, ExecStatus.CANCELED, 0));
    h.driver.onBook(book(1, 1, 100.99, 101.01, { exchangeTsMs: T0_MS + 2_600, receiveTsUs: h.clock.us }));
    const latest = h.sink.intents.filter((i) => i.side === Side.BUY).at(-1)!;
    expect(latest.qty).toBe(0.5);
  });

  it('pulls its quotes when the book goes stale', () => {
    const h = warmUp();
    h.clock.us += 5_001_000; // maxBookAgeMs 5000 by default
    h.driver.onTimer();
    expect(h.sink.cancels.map((c) => c.intentId)).toEqual([1, 2]);
    expect(h.strategy.describe()).toMatchObject({ pulled: 'book stale' });
  });

  it('cancels its quotes when the actor stops', () => {
    const h = warmUp();
    h.driver.stop();
    expect(h.sink.cancels.map((c) => c.intentId)).toEqual([1, 2]);
    expect(h.sink.intents).toHaveLength(2);
  });

  it('estimates k as 1 / mean trade depth from the mid', () => {
    const strategy = new AvellanedaStoikovStrategy({ ...params, k: 'estimate', kDecay: 0.5, minKSamples: 3 });
    const h = harness(strategy);
    h.driver.onBook(book(1, 1, 99.99, 100.01, { receiveTsUs: h.clock.us }));
    h.driver.onTrade(trade(1, 1, 100.5, T0_MS));
    h.driver.onTrade(trade(1, 1, 99.5, T0_MS));
    expect(strategy.kappa()).toBeUndefined(); // 2 of 3 samples
    h.driver.onTrade(trade(1, 1, 101, T0_MS));
    // EWMA(λ = 0.5) of depths 0.5, 0.5, 1: 0.5 -> 0.5 -> 0.75; k = 1/0.75
    expect(strategy.kappa()).toBeCloseTo(4 / 3, 12);
  });

  it('refuses bad parameters naming each one', () => {
    expect(problemsOf({ ...params, gamma: -1, sigmaDecay: 1, extra: 1 })).toEqual([
      expect.stringMatching(/^gamma: /),
      expect.stringMatching(/^sigmaDecay: /),
      'extra: unknown parameter',
    ]);
    expect(problemsOf({ ...params, orderQty: 2 })).toEqual(['orderQty: must not exceed maxInventory (1)']);
    expect(problemsOf({ ...params, k: 'guess' })).toEqual([expect.stringMatching(/^k: /)]);
    expect(problemsOf({ ...params, horizon: { kind: 'forever' } })).toEqual([expect.stringMatching(/^horizon\.kind: /)]);
    expect(() => parseAvellanedaStoikovParams({ ...params, gamma: 0 })).toThrow(/avellaneda-stoikov: invalid parameters:\n {2}- gamma: /);
  });
});
