import { describe, expect, it } from 'vitest';
import {
  CrossVenueArbitrageStrategy, findOpportunity, netEdgeBps, parseCrossVenueArbitrageParams,
  type CrossVenueArbitrageInput,
} from '../../actors/strategy/cross-venue-arbitrage.js';
import { ExecStatus, OrderType, Side, TimeInForce, TradingState } from '../../src/domain/messages.js';
import { book, btcSpec, fill, fillCompletely, harness, report, specKey, type HarnessOptions } from './harness.js';

const A = 1;
const B = 2;
const INSTRUMENT = 1;

// Buying at 100 on A and selling at 100.26 on B, 10 bps taker fee each:
// (100.26 × 0.999 − 100 × 1.001) / 100 × 10⁴ = (100.15974 − 100.1) / 100 × 10⁴ = 5.974 bps
const EDGE_BPS = 5.974;

describe('net edge and sizing', () => {
  it('computes the net edge after both taker fees (hand-computed)', () => {
    expect(netEdgeBps(100, 10, 100.26, 10)).toBeCloseTo(EDGE_BPS, 9);
    // without fees the gross edge is 26 bps; fees cost 10 bps on the buy and 10.026 bps on the sell
    expect(netEdgeBps(100, 0, 100.26, 0)).toBeCloseTo(26, 9);
    expect(netEdgeBps(100, 10, 100.2, 10)).toBeLessThan(0);
  });

  const leg = (venue: number, bid: number, ask: number, qty = 5) => ({
    venue, book: book(venue, INSTRUMENT, bid, ask, { bidQty: qty, askQty: qty }), feeBps: 10, spec: btcSpec(),
  });
  const limits = { minEdgeBps: 5, maxNotional: 1_000_000, sellInventory: 100, buyQuoteBalance: 1e9 };

  it('fires when the net edge exceeds the threshold and not when it is at or 1 bps below it', () => {
    const buy = leg(A, 99.9, 100);
    const sell = leg(B, 100.26, 100.3);
    expect(findOpportunity(buy, sell, { ...limits, minEdgeBps: EDGE_BPS - 0.01 })).not.toBeNull();
    expect(findOpportunity(buy, sell, { ...limits, minEdgeBps: netEdgeBps(100, 10, 100.26, 10) })).toBeNull();
    expect(findOpportunity(buy, sell, { ...limits, minEdgeBps: EDGE_BPS + 1 })).toBeNull();
    // One tick less on the bid: 4.975 bps, under a 5 bps threshold
    expect(findOpportunity(buy, leg(B, 100.25, 100.3), limits)).toBeNull();
    expect(findOpportunity(buy, sell, limits)).toEqual({ buyVenue: A, sellVenue: B, buyPrice: 100, sellPrice: 100.26, qty: 5, edgeBps: expect.closeTo(EDGE_BPS, 9) });
  });

  it('sizes by the smallest of both touches, max notional, sell-side inventory and buy-side cash', () => {
    const buy = leg(A, 99.9, 100, 3);
    const sell = leg(B, 100.26, 100.3, 2);
    expect(findOpportunity(buy, sell, limits)!.qty).toBe(2); // bid qty on B
    expect(findOpportunity(buy, sell, { ...limits, maxNotional: 150 })!.qty).toBe(1.5); // 150 / 100
    expect(findOpportunity(buy, sell, { ...limits, sellInventory: 0.73 })!.qty).toBe(0.73);
    // 30 quote buys 30 / (100 × 1.001) = 0.29970… -> 0.2997 on the 0.0001 step
    expect(findOpportunity(buy, sell, { ...limits, buyQuoteBalance: 30 })!.qty).toBe(0.2997);
    expect(findOpportunity(buy, sell, { ...limits, sellInventory: 0 })).toBeNull();
    // 0.04 × 100 = 4 quote: under the 5 quote minimum notional
    expect(findOpportunity(buy, sell, { ...limits, sellInventory: 0.04 })).toBeNull();
    // Steps 0.003 and 0.002 leave 0.006 as the largest common size under 0.0075
    const coarse = { ...buy, spec: btcSpec({ stepSize: 0.003, minQty: 0.003, minNotional: 0 }) };
    const fine = { ...sell, spec: btcSpec({ stepSize: 0.002, minQty: 0.002, minNotional: 0 }) };
    expect(findOpportunity(coarse, fine, { ...limits, sellInventory: 0.0075 })!.qty).toBeCloseTo(0.006, 12);
  });
});

const params: CrossVenueArbitrageInput = {
  instrument: INSTRUMENT, venueA: A, venueB: B, takerFeeBpsA: 10, takerFeeBpsB: 10, minEdgeBps: 5,
  maxNotional: 50, maxBookAgeMs: 2_000, legTimeoutMs: 5_000, maxHedgeAttempts: 2,
};

function setup(p: CrossVenueArbitrageInput = params, options: HarnessOptions = {}) {
  const logs: Array<{ level: string; event: string; data?: Record<string, unknown> }> = [];
  const strategy = new CrossVenueArbitrageStrategy(p);
  const h = harness(strategy, {
    specs: new Map([[specKey(A, INSTRUMENT), btcSpec()], [specKey(B, INSTRUMENT), btcSpec()]]),
    positions: [{ venue: B, instrument: INSTRUMENT, qty: 1, avgPrice: 100 }],
    quoteBalances: [{ venue: A, balance: 10_000 }],
    logs,
    ...options,
  });
  const books = (bidB: number, askA = 100, ageUs = 0) => {
    h.driver.onBook(book(A, INSTRUMENT, askA - 0.1, askA, { receiveTsUs: h.clock.us - ageUs }));
    h.driver.onBook(book(B, INSTRUMENT, bidB, bidB + 0.04, { receiveTsUs: h.clock.us - ageUs }));
  };
  return { ...h, strategy, books, logs };
}

describe('cross-venue arbitrage strategy', () => {
  it('sends both legs as IOC limits at the touch, sized by max notional', () => {
    const h = setup();
    h.books(100.25); // 4.975 bps: below 5
    expect(h.sink.intents).toEqual([]);
    h.books(100.26); // 5.974 bps
    expect(h.sink.intents.map((i) => [i.venue, i.side, i.type, i.timeInForce, i.price, i.qty])).toEqual([
      [A, Side.BUY, OrderType.LIMIT, TimeInForce.IOC, 100, 0.5], // 50 / 100
      [B, Side.SELL, OrderType.LIMIT, TimeInForce.IOC, 100.26, 0.5],
    ]);
    expect(h.strategy.currentState).toBe('PAIR');
  });

  it('opens no pair while the gate is not ACTIVE, and does once it is', () => {
    let gate: TradingState = TradingState.PAUSED;
    const h = setup(params, { tradingState: () => gate });
    for (const state of [TradingState.PAUSED, TradingState.REDUCING, TradingState.HALTED]) {
      gate = state;
      h.books(100.26);
      expect(h.sink.intents).toEqual([]);
    }
    gate = TradingState.ACTIVE;
    h.books(100.26);
    expect(h.sink.intents).toHaveLength(2);
  });

  it('does not fire 1 bps under the threshold, nor on stale books', () => {
    const under = setup({ ...params, minEdgeBps: EDGE_BPS + 1 });
    under.books(100.26);
    expect(under.sink.intents).toEqual([]);
    const stale = setup();
    stale.books(100.26, 100, 2_001_000);
    expect(stale.sink.intents).toEqual([]);
  });

  it('opens no new pair while one is in flight, and opens again once both legs settled balanced', () => {
    const h = setup();
    h.books(100.26);
    h.books(100.3);
    expect(h.sink.intents).toHaveLength(2);
    const [buy, sell] = h.sink.intents;
    fillCompletely(h, 7, buy!, 100);
    expect(h.strategy.currentState).toBe('PAIR');
    fillCompletely(h, 7, sell!, 100.26);
    expect(h.strategy.currentState).toBe('IDLE');
    expect(h.driver.context.position(A, INSTRUMENT)).toBe(0.5);
    expect(h.driver.context.position(B, INSTRUMENT)).toBe(0.5);
    h.books(100.26);
    expect(h.sink.intents).toHaveLength(4);
  });

  it('completes a short leg with a market order on its venue, then resumes', () => {
    const h = setup();
    h.books(100.26);
    const [buy, sell] = h.sink.intents;
    fillCompletely(h, 7, buy!, 100); // bought 0.5 on A
    h.driver.onFill(fill(7, sell!, 0.2, 100.26)); // sold only 0.2 on B, the rest expired
    h.driver.onExecutionReport(report(7, sell!, ExecStatus.EXPIRED, 0.2));
    const hedge = h.sink.intents[2]!;
    expect([hedge.venue, hedge.side, hedge.type, hedge.qty]).toEqual([B, Side.SELL, OrderType.MARKET, 0.3]);
    h.books(100.26);
    expect(h.sink.intents).toHaveLength(3); // still in the pair
    fillCompletely(h, 7, hedge, 100.2);
    expect(h.strategy.currentState).toBe('IDLE');
    expect(h.driver.context.position(A, INSTRUMENT)).toBe(0.5);
    expect(h.driver.context.position(B, INSTRUMENT)).toBe(0.5);
  });

  it('buys the shortfall on the buying venue when the buy leg is the short one', () => {
    const h = setup();
    h.books(100.26);
    const [buy, sell] = h.sink.intents;
    h.driver.onExecutionReport(report(7, buy!, ExecStatus.EXPIRED, 0));
    fillCompletely(h, 7, sell!, 100.26);
    const hedge = h.sink.intents[2]!;
    expect([hedge.venue, hedge.side, hedge.type, hedge.qty]).toEqual([A, Side.BUY, OrderType.MARKET, 0.5]);
  });

  it('stops opening pairs when hedging fails maxHedgeAttempts times', () => {
    const h = setup();
    h.books(100.26);
    const [buy, sell] = h.sink.intents;
    fillCompletely(h, 7, buy!, 100);
    h.driver.onExecutionReport(report(7, sell!, ExecStatus.EXPIRED, 0));
    for (const attempt of [2, 3]) {
      const hedge = h.sink.intents[attempt]!;
      expect(hedge.type).toBe(OrderType.MARKET);
      h.driver.onExecutionReport(report(7, hedge, ExecStatus.EXPIRED, 0));
    }
    expect(h.sink.intents).toHaveLength(4); // two legs, two hedges
    expect(h.strategy.currentState).toBe('HALTED');
    expect(h.logs.some((l) => l.level === 'warn' && l.event === 'arbitrage.unbalanced')).toBe(true);
    h.books(100.5);
    expect(h.sink.intents).toHaveLength(4);
  });

  it('leaves dust below the venue minimums and goes idle', () => {
    const h = setup();
    h.books(100.26);
    const [buy, sell] = h.sink.intents;
    fillCompletely(h, 7, buy!, 100);
    h.driver.onFill(fill(7, sell!, 0.49, 100.26)); // 0.01 × 100.26 ≈ 1 quote < 5 minimum notional
    h.driver.onExecutionReport(report(7, sell!, ExecStatus.EXPIRED, 0.49));
    expect(h.sink.intents).toHaveLength(2);
    expect(h.strategy.currentState).toBe('IDLE');
    expect(h.logs.map((l) => l.event)).toContain('arbitrage.dust');
  });

  it('cancels legs the venue has not answered within legTimeoutMs', () => {
    const h = setup();
    h.books(100.26);
    h.clock.us += 4_999_000;
    h.driver.onTimer();
    expect(h.sink.cancels).toEqual([]);
    h.clock.us += 1_000;
    h.driver.onTimer();
    expect(h.sink.cancels.map((c) => [c.intentId, c.venue])).toEqual([[1, A], [2, B]]);
  });

  it('trades the other direction when that is where the edge is', () => {
    const h = setup(params, {
      positions: [{ venue: A, instrument: INSTRUMENT, qty: 1, avgPrice: 100 }],
      quoteBalances: [{ venue: B, balance: 10_000 }],
    });
    h.driver.onBook(book(A, INSTRUMENT, 100.26, 100.3, { receiveTsUs: h.clock.us }));
    h.driver.onBook(book(B, INSTRUMENT, 99.9, 100, { receiveTsUs: h.clock.us }));
    expect(h.sink.intents.map((i) => [i.venue, i.side, i.price])).toEqual([[B, Side.BUY, 100], [A, Side.SELL, 100.26]]);
  });

  it('stops evaluating books once stopped', () => {
    const h = setup();
    h.driver.stop();
    h.books(100.26);
    expect(h.sink.intents).toEqual([]);
  });

  it('refuses bad parameters naming them', () => {
    expect(() => parseCrossVenueArbitrageParams({ ...params, venueB: A })).toThrow(/venueB: must differ from venueA \(1\)/);
    expect(() => parseCrossVenueArbitrageParams({ ...params, takerFeeBpsA: -1 })).toThrow(/takerFeeBpsA: /);
    expect(() => parseCrossVenueArbitrageParams({ ...params, maxNotional: 0 })).toThrow(/maxNotional: /);
    expect(() => parseCrossVenueArbitrageParams({ ...params, minEdgeBps: undefined })).toThrow(/minEdgeBps: /);
  });
});
