/**
 * Drives one Strategy: the strategy actor forwards decoded messages here, and this class
 * implements the StrategyContext the strategy acts through.
 *
 * It owns, per strategy:
 * - the intent counter: ids are lastIntentId + 1, + 2, ... The actor persists `lastIntentId`
 *   (after each submit) and passes it back on restart, so ids never repeat and the client
 *   order ids derived from them (client-order-id.ts) stay unique at the venue;
 * - the order views, updated from execution reports and fills, matched to this strategy by the
 *   (strategy, intent) pair packed into `orderId` (orderIdParts);
 * - positions (average cost, applyFillToPosition from the risk ledger) and quote balances,
 *   seeded with the strategy's allocation and moved by its own fills only;
 * - the latest top of book per subscribed market, copied out of the reused frame.
 *
 * Fills are idempotent by (orderId, tradeId) over the last FILL_MEMORY fills: the rings deliver
 * at least once across an actor restart, and a fill applied twice would double a position.
 */
import { applyFillToPosition, FLAT, type PositionState } from '../risk/accounting.js';
import { fractionalKellySize, volTargetSize } from '../risk/sizing.js';
import { MAX_INTENT_ID, MAX_STRATEGY_ID, orderIdParts } from '../order-manager/client-order-id.js';
import { incrementCount, isPriceOnTick, isQtyOnStep, type InstrumentSpec } from '../../src/domain/instrument.js';
import {
  ExecStatus, OrderType, Side, TimeInForce, TradingState,
  type BookTop, type ExecutionReport, type Fill, type OrderIntent, type Trade,
} from '../../src/domain/messages.js';
import {
  StrategyRequestError, marketKey, marketVenue, midPrice,
  type CancelRequest, type IntentStatus, type MarketRef, type OrderView, type Strategy,
  type StrategyContext, type StrategyLog, type StrategySink, type SubmitRequest,
} from './strategy-api.js';

/** How many recent fills are remembered for de-duplication. */
export const FILL_MEMORY = 4096;

export interface SeedPosition extends MarketRef {
  qty: number;
  avgPrice?: number;
}

export interface StrategyDriverOptions {
  /** Fits the u16 of the wire layout and the 21 bits of client order ids. */
  strategyId: number;
  strategy: Strategy;
  sink: StrategySink;
  /** Microseconds since the epoch. */
  now: () => number;
  instruments: (venue: number, instrument: number) => InstrumentSpec | undefined;
  /** The last intentId issued before a restart (0 for a fresh strategy). */
  lastIntentId?: number;
  positions?: readonly SeedPosition[];
  quoteBalances?: ReadonlyArray<{ venue: number; balance: number }>;
  /** Maximum leverage per venue for the sizing helpers (1 where not given). */
  leverage?: (venue: number) => number;
  /** The trading gate (the actor's ctx.gate); ACTIVE where not given (tests of the logic alone). */
  tradingState?: () => TradingState;
  log?: StrategyLog;
}

const TERMINAL_BY_EXEC_STATUS: Partial<Record<number, IntentStatus>> = {
  [ExecStatus.FILLED]: 'FILLED',
  [ExecStatus.CANCELED]: 'CANCELED',
  [ExecStatus.REJECTED]: 'REJECTED',
  [ExecStatus.EXPIRED]: 'EXPIRED',
};

const SILENT_LOG: StrategyLog = { info: () => {}, warn: () => {} };

export class StrategyDriver {
  readonly strategy: Strategy;
  readonly context: StrategyContext;
  private readonly strategyId: number;
  private readonly sink: StrategySink;
  private readonly now: () => number;
  private readonly instruments: StrategyDriverOptions['instruments'];
  private readonly leverage: (venue: number) => number;
  private readonly tradingState: () => TradingState;
  private readonly log: StrategyLog;
  private nextIntentId: number;
  private readonly orders = new Map<number, OrderView>();
  private readonly positions = new Map<number, PositionState>();
  private readonly balances = new Map<number, number>();
  private readonly books = new Map<number, BookTop>();
  private readonly subscribed = new Set<number>();
  private readonly seenFills = new Set<string>();
  private readonly seenFillOrder: string[] = [];
  private readonly intent: OrderIntent;
  private readonly cancelRequest: CancelRequest;

  constructor(options: StrategyDriverOptions) {
    const { strategyId } = options;
    if (!Number.isInteger(strategyId) || strategyId < 0 || strategyId > Math.min(0xffff, MAX_STRATEGY_ID)) {
      throw new RangeError(`strategy driver: strategyId must be an integer in [0, 65535], got ${strategyId}`);
    }
    const last = options.lastIntentId ?? 0;
    if (!Number.isInteger(last) || last < 0 || last >= MAX_INTENT_ID) {
      throw new RangeError(`strategy driver: lastIntentId must be an integer in [0, ${MAX_INTENT_ID - 1}], got ${last}`);
    }
    this.strategy = options.strategy;
    this.strategyId = strategyId;
    this.sink = options.sink;
    this.now = options.now;
    this.instruments = options.instruments;
    this.log = options.log ?? SILENT_LOG;
    this.leverage = options.leverage ?? (() => 1);
    this.tradingState = options.tradingState ?? (() => TradingState.ACTIVE);
    this.nextIntentId = last + 1;
    for (const m of this.strategy.markets) {
      this.requireSpec(m.venue, m.instrument, 'strategy market');
      this.subscribed.add(marketKey(m.venue, m.instrument));
    }
    for (const p of options.positions ?? []) {
      const spec = this.requireSpec(p.venue, p.instrument, 'seed position');
      if (!Number.isFinite(p.qty)) throw new RangeError(`strategy driver: seed position qty must be finite, got ${p.qty}`);
      const avgPrice = p.avgPrice ?? 0;
      if (!(avgPrice >= 0 && Number.isFinite(avgPrice))) throw new RangeError(`strategy driver: seed position avgPrice must be a finite number >= 0, got ${p.avgPrice}`);
      if (incrementCount(p.qty, spec.stepSize) !== 0) this.positions.set(marketKey(p.venue, p.instrument), { qty: p.qty, avgPrice });
    }
    for (const b of options.quoteBalances ?? []) {
      if (!Number.isFinite(b.balance)) throw new RangeError(`strategy driver: quote balance of venue ${b.venue} must be finite, got ${b.balance}`);
      this.balances.set(b.venue, b.balance);
    }
    this.intent = {
      strategy: strategyId, intentId: 0, venue: 0, instrument: 0, side: Side.BUY, type: OrderType.LIMIT,
      timeInForce: TimeInForce.GTC, reduceOnly: 0, price: 0, qty: 0, expectedPrice: 0, createdTsUs: 0,
    };
    this.cancelRequest = { strategy: strategyId, intentId: 0, venue: 0, instrument: 0, createdTsUs: 0 };
    this.context = this.buildContext();
  }

  /** The id to persist: the last one handed out. */
  get lastIntentId(): number {
    return this.nextIntentId - 1;
  }

  start(): void {
    this.strategy.onStart?.(this.context);
  }

  stop(): void {
    this.strategy.onStop?.(this.context);
  }

  /** Returns false for a market the strategy did not subscribe to. */
  onBook(book: Readonly<BookTop>): boolean {
    const key = marketKey(book.venue, book.instrument);
    if (!this.subscribed.has(key)) return false;
    let stored = this.books.get(key);
    if (stored === undefined) {
      stored = { ...book };
      this.books.set(key, stored);
    } else {
      Object.assign(stored, book);
    }
    this.strategy.onBook?.(stored, this.context);
    return true;
  }

  onTrade(trade: Readonly<Trade>): boolean {
    if (!this.subscribed.has(marketKey(trade.venue, trade.instrument))) return false;
    this.strategy.onTrade?.(trade, this.context);
    return true;
  }

  onTimer(): void {
    this.strategy.onTimer?.(this.context);
  }

  /** Returns false for reports of other strategies' orders and of intents this driver does not know. */
  onExecutionReport(report: Readonly<ExecutionReport>): boolean {
    const intentId = this.ownIntentId(report.orderId);
    if (intentId === undefined) return false;
    const view = this.orders.get(intentId);
    if (view === undefined) {
      // Reports that trail a settled (forgotten) intent are expected; an id never issued is not.
      if (intentId >= this.nextIntentId) this.log.warn('strategy.unknownIntentReport', { intentId, status: report.status });
      return false;
    }
    const terminal = TERMINAL_BY_EXEC_STATUS[report.status];
    // Terminal is sticky, except that fills outrank a cancel or expiry that crossed them.
    if (terminal !== undefined && (!view.terminal || terminal === 'FILLED')) {
      view.status = terminal;
      view.terminal = true;
      if (terminal === 'REJECTED') view.rejectReason = report.rejectReason;
    } else if (!view.terminal && view.status === 'PENDING') {
      view.status = 'OPEN';
    }
    if (report.cumQty > view.reportedCumQty) view.reportedCumQty = report.cumQty;
    this.updateSettled(view);
    this.strategy.onOrderUpdate?.(report, view, this.context);
    this.forgetIfSettled(view);
    return true;
  }

  /** Returns false for fills of other strategies and for duplicates. */
  onFill(fill: Readonly<Fill>): boolean {
    const intentId = this.ownIntentId(fill.orderId);
    if (intentId === undefined) return false;
    const fillKey = `${fill.orderId}:${fill.tradeId}`;
    if (this.seenFills.has(fillKey)) return false;
    this.rememberFill(fillKey);
    const spec = this.requireSpec(fill.venue, fill.instrument, 'fill');
    const key = marketKey(fill.venue, fill.instrument);
    const effect = applyFillToPosition(this.positions.get(key) ?? FLAT, fill.side, fill.qty, fill.price, spec.stepSize);
    if (effect.position.qty === 0) this.positions.delete(key);
    else this.positions.set(key, effect.position);
    const direction = fill.side === Side.BUY ? -1 : 1;
    this.balances.set(fill.venue, (this.balances.get(fill.venue) ?? 0) + direction * fill.qty * fill.price - fill.fee);

    const view = this.orders.get(intentId);
    if (view === undefined) {
      this.log.warn('strategy.unknownIntentFill', { intentId, qty: fill.qty, price: fill.price });
      return true;
    }
    const filledSteps = incrementCount(view.filledQty, spec.stepSize) + incrementCount(fill.qty, spec.stepSize);
    view.avgFillPrice = (view.avgFillPrice * view.filledQty + fill.price * fill.qty) / (view.filledQty + fill.qty);
    view.filledQty += fill.qty;
    view.fees += fill.fee;
    if (!view.terminal && filledSteps >= incrementCount(view.qty, spec.stepSize)) {
      view.status = 'FILLED';
      view.terminal = true;
    } else if (view.status === 'PENDING') {
      view.status = 'OPEN';
    }
    this.updateSettled(view);
    this.strategy.onFill?.(fill, view, this.context);
    this.forgetIfSettled(view);
    return true;
  }

  private buildContext(): StrategyContext {
    return {
      strategyId: this.strategyId,
      now: () => this.now(),
      submit: (request) => this.submit(request),
      cancel: (intentId) => this.cancel(intentId),
      order: (intentId) => this.orders.get(intentId),
      openOrders: () => [...this.orders.values()].filter((o) => !o.terminal),
      position: (venue, instrument) => this.positions.get(marketKey(venue, instrument))?.qty ?? 0,
      entryPrice: (venue, instrument) => this.positions.get(marketKey(venue, instrument))?.avgPrice ?? 0,
      quoteBalance: (venue) => this.balances.get(venue) ?? 0,
      book: (venue, instrument) => this.books.get(marketKey(venue, instrument)),
      instrument: (venue, instrument) => this.requireSpec(venue, instrument, 'instrument'),
      sizing: {
        equity: (venue) => this.equity(venue),
        kellyNotional: (venue, bet) => fractionalKellySize({ equity: this.equity(venue), maxLeverage: this.leverage(venue), ...bet }).notional,
        volTargetNotional: (venue, target) => volTargetSize({ equity: this.equity(venue), maxLeverage: this.leverage(venue), ...target }).notional,
      },
      tradingState: () => this.tradingState(),
      log: this.log,
    };
  }

  private equity(venue: number): number {
    let equity = this.balances.get(venue) ?? 0;
    for (const [key, position] of this.positions) {
      const book = this.books.get(key);
      if (marketVenue(key) !== venue) continue;
      equity += position.qty * (book !== undefined && book.bidPrice > 0 && book.askPrice > 0 ? midPrice(book) : position.avgPrice);
    }
    return equity;
  }

  private submit(request: SubmitRequest): number {
    const spec = this.requireSpec(request.venue, request.instrument, 'submit');
    if (request.side !== Side.BUY && request.side !== Side.SELL) throw new StrategyRequestError(`submit: side must be Side.BUY (1) or Side.SELL (2), got ${request.side}`);
    const type = request.type;
    if (type !== OrderType.LIMIT && type !== OrderType.MARKET && type !== OrderType.LIMIT_MAKER) {
      throw new StrategyRequestError(`submit: type must be LIMIT (1), MARKET (2) or LIMIT_MAKER (3), got ${type}`);
    }
    const timeInForce = request.timeInForce ?? (type === OrderType.MARKET ? TimeInForce.IOC : TimeInForce.GTC);
    if (timeInForce !== TimeInForce.GTC && timeInForce !== TimeInForce.IOC && timeInForce !== TimeInForce.FOK) {
      throw new StrategyRequestError(`submit: timeInForce must be GTC (1), IOC (2) or FOK (3), got ${timeInForce}`);
    }
    if (type === OrderType.LIMIT_MAKER && timeInForce !== TimeInForce.GTC) {
      throw new StrategyRequestError('submit: timeInForce of a LIMIT_MAKER order must be GTC (a post-only order rests or is refused)');
    }
    const price = request.price ?? 0;
    if (type === OrderType.MARKET) {
      if (price !== 0) throw new StrategyRequestError(`submit: price of a MARKET order must be 0 or omitted, got ${price}`);
    } else if (!isPriceOnTick(spec, price)) {
      throw new StrategyRequestError(`submit: price ${price} must be > 0 and a multiple of tickSize ${spec.tickSize} for ${spec.symbol}`);
    }
    if (!isQtyOnStep(spec, request.qty)) {
      throw new StrategyRequestError(`submit: qty ${request.qty} must be > 0 and a multiple of stepSize ${spec.stepSize} for ${spec.symbol}`);
    }
    const book = this.books.get(marketKey(request.venue, request.instrument));
    const expectedPrice = request.expectedPrice ?? (book !== undefined ? midPrice(book) : price);
    if (!(expectedPrice >= 0 && Number.isFinite(expectedPrice))) throw new StrategyRequestError(`submit: expectedPrice must be a finite number >= 0, got ${expectedPrice}`);
    if (this.nextIntentId > MAX_INTENT_ID) throw new StrategyRequestError(`submit: strategy ${this.strategyId} has used every intentId up to ${MAX_INTENT_ID}`);

    const intentId = this.nextIntentId++;
    const createdTsUs = this.now();
    const reduceOnly = request.reduceOnly === true;
    this.orders.set(intentId, {
      intentId, venue: request.venue, instrument: request.instrument, side: request.side, type, timeInForce,
      reduceOnly, price, qty: request.qty, createdTsUs, status: 'PENDING', filledQty: 0, avgFillPrice: 0, fees: 0,
      reportedCumQty: 0, rejectReason: 0, cancelRequested: false, terminal: false, settled: false,
    });
    const intent = this.intent;
    intent.intentId = intentId;
    intent.venue = request.venue;
    intent.instrument = request.instrument;
    intent.side = request.side;
    intent.type = type;
    intent.timeInForce = timeInForce;
    intent.reduceOnly = reduceOnly ? 1 : 0;
    intent.price = price;
    intent.qty = request.qty;
    intent.expectedPrice = expectedPrice;
    intent.createdTsUs = createdTsUs;
    this.sink.submit(intent);
    return intentId;
  }

  private cancel(intentId: number): boolean {
    const view = this.orders.get(intentId);
    if (view === undefined) {
      if (Number.isInteger(intentId) && intentId > 0 && intentId < this.nextIntentId) return false; // settled and forgotten
      throw new StrategyRequestError(`cancel: intentId ${intentId} was never issued by strategy ${this.strategyId}`);
    }
    if (view.terminal || view.cancelRequested) return false;
    view.cancelRequested = true;
    const request = this.cancelRequest;
    request.intentId = intentId;
    request.venue = view.venue;
    request.instrument = view.instrument;
    request.createdTsUs = this.now();
    this.sink.cancel(request);
    return true;
  }

  private ownIntentId(orderId: number): number | undefined {
    const parts = orderIdParts(orderId);
    return parts.strategy === this.strategyId ? parts.intentId : undefined;
  }

  private updateSettled(view: OrderView): void {
    if (!view.terminal) return;
    const step = this.requireSpec(view.venue, view.instrument, 'order').stepSize;
    view.settled = incrementCount(view.filledQty, step) >= incrementCount(view.reportedCumQty, step);
  }

  private forgetIfSettled(view: OrderView): void {
    if (view.settled) this.orders.delete(view.intentId);
  }

  private rememberFill(fillKey: string): void {
    this.seenFills.add(fillKey);
    this.seenFillOrder.push(fillKey);
    if (this.seenFillOrder.length > FILL_MEMORY) this.seenFills.delete(this.seenFillOrder.shift()!);
  }

  private requireSpec(venue: number, instrument: number, where: string): InstrumentSpec {
    const spec = this.instruments(venue, instrument);
    if (spec === undefined) throw new StrategyRequestError(`${where}: unknown market (venue ${venue}, instrument ${instrument})`);
    return spec;
  }
}
