import { describe, expect, it } from 'vitest';
import { orderIdFor } from '../../actors/order-manager/client-order-id.js';
import { StrategyDriver } from '../../actors/strategy/strategy-driver.js';
import { StrategyRequestError, type OrderView, type Strategy, type StrategyContext } from '../../actors/strategy/strategy-api.js';
import { ExecStatus, OrderType, RejectReason, Side, TimeInForce, type BookTop } from '../../src/domain/messages.js';
import { book, btcSpec, fill, harness, report, specKey, trade } from './harness.js';

/** A strategy that records what it was told and lets the test act through its context. */
class Probe implements Strategy {
  readonly kind = 'probe';
  readonly markets = [{ venue: 1, instrument: 1 }];
  readonly seen: string[] = [];
  readonly views: Array<Pick<OrderView, 'status' | 'filledQty' | 'settled' | 'terminal'>> = [];
  ctx!: StrategyContext;
  lastBook: Readonly<BookTop> | undefined;
  onStart(ctx: StrategyContext): void {
    this.ctx = ctx;
    this.seen.push('start');
  }
  onBook(b: Readonly<BookTop>): void {
    this.lastBook = b;
    this.seen.push(`book ${b.bidPrice}/${b.askPrice}`);
  }
  onTrade(): void {
    this.seen.push('trade');
  }
  onOrderUpdate(_r: unknown, o: Readonly<OrderView>): void {
    this.seen.push(`update ${o.intentId} ${o.status}`);
    this.views.push({ status: o.status, filledQty: o.filledQty, settled: o.settled, terminal: o.terminal });
  }
  onFill(_f: unknown, o: Readonly<OrderView>): void {
    this.seen.push(`fill ${o.intentId} ${o.filledQty}`);
    this.views.push({ status: o.status, filledQty: o.filledQty, settled: o.settled, terminal: o.terminal });
  }
  onTimer(): void {
    this.seen.push('timer');
  }
}

const limitBuy = { venue: 1, instrument: 1, side: Side.BUY, type: OrderType.LIMIT, price: 100, qty: 0.5 } as const;

describe('strategy driver: sizing helpers', () => {
  it('values equity per venue at the mid and caps Kelly and vol-target notionals by that venue\'s leverage', () => {
    const probe = new Probe();
    const h = harness(probe, { quoteBalances: [{ venue: 1, balance: 1_000 }], positions: [{ venue: 1, instrument: 1, qty: 2, avgPrice: 90 }], leverage: (venue) => (venue === 1 ? 3 : 1) });
    expect(probe.ctx.sizing.equity(1)).toBe(1_000 + 2 * 90); // no book yet: the entry price
    h.driver.onBook(book(1, 1, 99, 101));
    expect(probe.ctx.sizing.equity(1)).toBe(1_200);
    expect(probe.ctx.sizing.equity(2)).toBe(0);
    // full Kelly 0.6 − 0.4/1 = 0.2; a quarter of it: 5% of 1 200
    expect(probe.ctx.sizing.kellyNotional(1, { winProbability: 0.6, winLossRatio: 1 })).toBeCloseTo(60, 9);
    // an edge of full Kelly 0.9 − 0.1/9 = 0.8889 at fraction 1 is still under leverage 3; at 10× edge it is capped
    expect(probe.ctx.sizing.kellyNotional(1, { winProbability: 0.9, winLossRatio: 9, kellyFraction: 1 })).toBeCloseTo(1_200 * (0.9 - 0.1 / 9), 9);
    expect(probe.ctx.sizing.kellyNotional(1, { winProbability: 0.3, winLossRatio: 1 })).toBe(0); // no edge, no position
    // returns ±1% a period, 10 000 periods a year: vol = 0.01 × √(4/3) × 100 = 1.1547; target 2 -> 1.732× equity, under 3
    const returns = [0.01, -0.01, 0.01, -0.01];
    expect(probe.ctx.sizing.volTargetNotional(1, { returns, periodsPerYear: 10_000, targetAnnualVol: 2 })).toBeCloseTo(1_200 * 2 / (0.01 * Math.sqrt(4 / 3) * 100), 6);
    expect(probe.ctx.sizing.volTargetNotional(1, { returns, periodsPerYear: 10_000, targetAnnualVol: 10 })).toBeCloseTo(3_600, 9);
    expect(() => probe.ctx.sizing.volTargetNotional(1, { returns: [0, 0], periodsPerYear: 10, targetAnnualVol: 1 })).toThrow(/zero volatility/);
  });
});

describe('strategy driver: intents', () => {
  it('numbers intents from lastIntentId + 1, fills every OrderIntent field, and reports the id to persist', () => {
    const probe = new Probe();
    const h = harness(probe, { strategyId: 7, lastIntentId: 41 });
    h.driver.onBook(book(1, 1, 99, 101));
    const a = probe.ctx.submit(limitBuy);
    h.clock.us += 5;
    const b = probe.ctx.submit({ venue: 1, instrument: 1, side: Side.SELL, type: OrderType.MARKET, qty: 0.25, reduceOnly: true });
    expect([a, b]).toEqual([42, 43]);
    expect(h.driver.lastIntentId).toBe(43);
    expect(h.sink.intents).toEqual([
      {
        strategy: 7, intentId: 42, venue: 1, instrument: 1, side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, reduceOnly: 0,
        price: 100, qty: 0.5, expectedPrice: 100, createdTsUs: 1_700_000_000_000_000,
      },
      {
        strategy: 7, intentId: 43, venue: 1, instrument: 1, side: Side.SELL, type: OrderType.MARKET, timeInForce: TimeInForce.IOC, reduceOnly: 1,
        price: 0, qty: 0.25, expectedPrice: 100, createdTsUs: 1_700_000_000_000_005,
      },
    ]);
    expect(probe.ctx.order(42)).toMatchObject({ status: 'PENDING', terminal: false });
    expect(probe.ctx.openOrders().map((o) => o.intentId)).toEqual([42, 43]);
  });

  it('a restarted driver continues after the persisted id, so ids never repeat', () => {
    const first = harness(new Probe(), { lastIntentId: 0 });
    const probe1 = first.driver.strategy as Probe;
    probe1.ctx.submit(limitBuy);
    probe1.ctx.submit(limitBuy);
    const second = harness(new Probe(), { lastIntentId: first.driver.lastIntentId });
    expect((second.driver.strategy as Probe).ctx.submit(limitBuy)).toBe(3);
  });

  it('refuses malformed requests with an error naming the field, and sends nothing', () => {
    const probe = new Probe();
    const h = harness(probe);
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ venue: 9 }, /unknown market \(venue 9, instrument 1\)/],
      [{ side: 3 }, /side must be Side.BUY \(1\) or Side.SELL \(2\), got 3/],
      [{ type: 9 }, /type must be LIMIT \(1\), MARKET \(2\) or LIMIT_MAKER \(3\), got 9/],
      [{ price: 100.005 }, /price 100.005 must be > 0 and a multiple of tickSize 0.01 for BTCUSDT/],
      [{ price: 0 }, /price 0 must be > 0/],
      [{ qty: 0.00015 }, /qty 0.00015 must be > 0 and a multiple of stepSize 0.0001/],
      [{ qty: -1 }, /qty -1 must be > 0/],
      [{ type: OrderType.MARKET, price: 100 }, /price of a MARKET order must be 0 or omitted, got 100/],
      [{ type: OrderType.LIMIT_MAKER, timeInForce: TimeInForce.IOC }, /timeInForce of a LIMIT_MAKER order must be GTC/],
      [{ timeInForce: 7 }, /timeInForce must be GTC \(1\), IOC \(2\) or FOK \(3\), got 7/],
      [{ expectedPrice: NaN }, /expectedPrice must be a finite number >= 0, got NaN/],
    ];
    for (const [override, message] of bad) {
      expect(() => probe.ctx.submit({ ...limitBuy, ...override })).toThrow(message);
      expect(() => probe.ctx.submit({ ...limitBuy, ...override })).toThrow(StrategyRequestError);
    }
    expect(h.sink.intents).toEqual([]);
    expect(h.driver.lastIntentId).toBe(0);
  });

  it('refuses a bad strategy id or persisted intent id', () => {
    const base = { strategy: new Probe(), sink: { submit() {}, cancel() {} }, now: () => 0, instruments: () => btcSpec() };
    expect(() => new StrategyDriver({ ...base, strategyId: 70_000 })).toThrow(/strategyId must be an integer in \[0, 65535\], got 70000/);
    expect(() => new StrategyDriver({ ...base, strategyId: 1, lastIntentId: -1 })).toThrow(/lastIntentId must be an integer/);
    expect(() => new StrategyDriver({ ...base, strategyId: 1, instruments: () => undefined })).toThrow(/strategy market: unknown market \(venue 1, instrument 1\)/);
  });
});

describe('strategy driver: cancels', () => {
  it('sends one cancel per open intent, none for terminal ones, and refuses ids never issued', () => {
    const probe = new Probe();
    const h = harness(probe);
    const id = probe.ctx.submit(limitBuy);
    h.clock.us += 10;
    expect(probe.ctx.cancel(id)).toBe(true);
    expect(probe.ctx.cancel(id)).toBe(false); // a second cancel while one is in flight is not sent
    expect(h.sink.cancels).toEqual([{ strategy: 7, intentId: id, venue: 1, instrument: 1, createdTsUs: 1_700_000_000_000_010 }]);
    expect(probe.ctx.order(id)!.cancelRequested).toBe(true);
    h.driver.onExecutionReport(report(7, h.sink.intents[0]!, ExecStatus.CANCELED, 0));
    expect(probe.ctx.order(id)).toBeUndefined(); // settled and forgotten
    expect(probe.ctx.cancel(id)).toBe(false);
    expect(() => probe.ctx.cancel(99)).toThrow(/cancel: intentId 99 was never issued by strategy 7/);
    expect(h.sink.cancels).toHaveLength(1);
  });
});

describe('strategy driver: reports, fills, positions', () => {
  it('tracks an order through ack, partial fill, fill; moves position, average and quote balance', () => {
    const probe = new Probe();
    const h = harness(probe, { quoteBalances: [{ venue: 1, balance: 1_000 }] });
    const id = probe.ctx.submit(limitBuy);
    const intent = h.sink.intents[0]!;
    expect(h.driver.onExecutionReport(report(7, intent, ExecStatus.ACCEPTED, 0))).toBe(true);
    expect(probe.ctx.order(id)!.status).toBe('OPEN');
    h.driver.onFill(fill(7, intent, 0.2, 100, { fee: 0.02 }));
    h.driver.onExecutionReport(report(7, intent, ExecStatus.PARTIALLY_FILLED, 0.2));
    expect(probe.ctx.position(1, 1)).toBeCloseTo(0.2, 12);
    h.driver.onFill(fill(7, intent, 0.3, 99, { fee: 0.03 }));
    // Fills completed the order: terminal and settled (fills >= reported cum), forgotten afterwards.
    expect(probe.views.at(-1)).toEqual({ status: 'FILLED', filledQty: 0.5, settled: true, terminal: true });
    expect(probe.ctx.order(id)).toBeUndefined();
    expect(probe.ctx.position(1, 1)).toBe(0.5);
    expect(probe.ctx.entryPrice(1, 1)).toBeCloseTo((0.2 * 100 + 0.3 * 99) / 0.5, 10); // 99.4
    expect(probe.ctx.quoteBalance(1)).toBeCloseTo(1_000 - 20 - 29.7 - 0.05, 10);
    // The trailing FILLED report of a forgotten intent is not delivered to the strategy.
    expect(h.driver.onExecutionReport(report(7, intent, ExecStatus.FILLED, 0.5))).toBe(false);
    expect(probe.seen.filter((s) => s.startsWith('update')).length).toBe(2);
  });

  it('a terminal report is not settled until the fills it announces have arrived', () => {
    const probe = new Probe();
    const h = harness(probe);
    const id = probe.ctx.submit({ ...limitBuy, type: OrderType.LIMIT, timeInForce: TimeInForce.IOC });
    const intent = h.sink.intents[0]!;
    h.driver.onExecutionReport(report(7, intent, ExecStatus.EXPIRED, 0.3));
    expect(probe.ctx.order(id)).toMatchObject({ status: 'EXPIRED', terminal: true, settled: false, reportedCumQty: 0.3 });
    h.driver.onFill(fill(7, intent, 0.3, 100));
    expect(probe.views.at(-1)).toEqual({ status: 'EXPIRED', filledQty: 0.3, settled: true, terminal: true });
    expect(probe.ctx.order(id)).toBeUndefined();
  });

  it('a fill that crossed a cancel turns CANCELED into FILLED; a reject keeps its reason', () => {
    const probe = new Probe();
    const h = harness(probe);
    const a = probe.ctx.submit(limitBuy);
    const b = probe.ctx.submit(limitBuy);
    const [ia, ib] = h.sink.intents;
    h.driver.onExecutionReport(report(7, ia!, ExecStatus.CANCELED, 0.1));
    expect(probe.ctx.order(a)!.status).toBe('CANCELED');
    h.driver.onExecutionReport(report(7, ia!, ExecStatus.FILLED, 0.5));
    expect(probe.ctx.order(a)!.status).toBe('FILLED');
    h.driver.onExecutionReport(report(7, ib!, ExecStatus.REJECTED, 0, { rejectReason: RejectReason.MAX_POSITION }));
    expect(probe.views.at(-1)).toMatchObject({ status: 'REJECTED', settled: true });
    expect(probe.ctx.order(b)).toBeUndefined();
  });

  it('applies a fill delivered twice once, and ignores other strategies’ reports and fills', () => {
    const probe = new Probe();
    const h = harness(probe);
    probe.ctx.submit(limitBuy);
    const intent = h.sink.intents[0]!;
    const f = fill(7, intent, 0.1, 100);
    expect(h.driver.onFill(f)).toBe(true);
    expect(h.driver.onFill({ ...f })).toBe(false);
    expect(probe.ctx.position(1, 1)).toBeCloseTo(0.1, 12);
    expect(h.driver.onFill({ ...f, orderId: orderIdFor(8, intent.intentId), tradeId: 999 })).toBe(false);
    expect(h.driver.onExecutionReport(report(8, intent, ExecStatus.FILLED, 0.5))).toBe(false);
    expect(probe.ctx.position(1, 1)).toBeCloseTo(0.1, 12);
  });

  it('fills of a forgotten intent still move the position and are logged', () => {
    const logs: Array<{ level: string; event: string }> = [];
    const probe = new Probe();
    const h = harness(probe, { logs, positions: [{ venue: 1, instrument: 1, qty: 1, avgPrice: 90 }] });
    expect(probe.ctx.position(1, 1)).toBe(1);
    probe.ctx.submit({ ...limitBuy, side: Side.SELL });
    const intent = h.sink.intents[0]!;
    h.driver.onExecutionReport(report(7, intent, ExecStatus.CANCELED, 0));
    h.driver.onFill(fill(7, intent, 0.5, 100));
    expect(probe.ctx.position(1, 1)).toBe(0.5);
    expect(logs.map((l) => l.event)).toContain('strategy.unknownIntentFill');
  });
});

describe('strategy driver: market data', () => {
  it('delivers only subscribed markets and keeps a stable copy of the latest book', () => {
    const probe = new Probe();
    const h = harness(probe, { specs: new Map([[specKey(1, 1), btcSpec()], [specKey(2, 1), btcSpec()]]) });
    const frame = book(1, 1, 99, 101);
    expect(h.driver.onBook(frame)).toBe(true);
    const stored = probe.lastBook!;
    frame.bidPrice = 1; // the runtime reuses its frame object for the next message
    expect(probe.ctx.book(1, 1)!.bidPrice).toBe(99);
    expect(h.driver.onBook(book(1, 1, 98, 100))).toBe(true);
    expect(probe.lastBook).toBe(stored); // same record, updated in place
    expect(stored.bidPrice).toBe(98);
    expect(h.driver.onBook(book(2, 1, 1, 2))).toBe(false);
    expect(h.driver.onTrade(trade(2, 1, 1, 0))).toBe(false);
    expect(h.driver.onTrade(trade(1, 1, 99, 0))).toBe(true);
    h.driver.onTimer();
    expect(probe.seen).toEqual(['start', 'book 99/101', 'book 98/100', 'trade', 'timer']);
    expect(probe.ctx.book(2, 1)).toBeUndefined();
  });
});
