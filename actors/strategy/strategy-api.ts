/**
 * The strategy API: what a strategy is written against, in one file of its own.
 *
 * A strategy is an object with event callbacks. The strategy actor owns a StrategyDriver
 * (strategy-driver.ts) and forwards each decoded hot message to it; the driver keeps the
 * strategy's view of its orders, positions and books, and calls the callbacks with a
 * StrategyContext through which the strategy acts. Everything is synchronous and
 * single-threaded: a callback runs to completion before the next message is handled, so a
 * strategy needs no locks, and two runs fed the same messages and clock emit the same intents.
 *
 * Events in:  onStart, onBook (BookTop), onTrade (Trade), onOrderUpdate (ExecutionReport),
 *             onFill (Fill), onTimer, onStop.
 * Actions out: ctx.submit(...) -> intentId, ctx.cancel(intentId).
 *
 * Messages handed to callbacks may be objects the runtime reuses for the next frame: read
 * them inside the callback, copy what you need, keep no reference. The exception is
 * `ctx.book(venue, instrument)` (and the book passed to onBook), a per-market record the driver
 * owns that always holds the latest top of book.
 */
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import type {
  BookTop, ExecutionReport, Fill, OrderIntent, OrderType, Side, TimeInForce, Trade, TradingState,
} from '../../src/domain/messages.js';

/** One instrument on one venue (both small integer ids from the runtime's tables). */
export interface MarketRef {
  readonly venue: number;
  readonly instrument: number;
}

/** One number per market, for maps keyed by market (venue ids fit 16 bits, instruments 32). */
export const marketKey = (venue: number, instrument: number): number => venue * 0x1_0000_0000 + instrument;
export const marketVenue = (key: number): number => Math.floor(key / 0x1_0000_0000);

/** What a strategy asks for; the driver turns it into an OrderIntent. */
export interface SubmitRequest {
  venue: number;
  instrument: number;
  side: Side;
  type: OrderType;
  /** Defaults: GTC for LIMIT and LIMIT_MAKER, IOC for MARKET. */
  timeInForce?: TimeInForce;
  /** On the instrument's tick grid; 0 or omitted for MARKET. */
  price?: number;
  /** On the instrument's step grid, > 0. */
  qty: number;
  reduceOnly?: boolean;
  /** Price the decision was based on (slippage accounting); defaults to the current mid. */
  expectedPrice?: number;
}

/**
 * The strategy's view of one of its intents.
 * PENDING: sent, no word from the venue yet; OPEN: acknowledged or partly filled; the rest are
 * terminal. A terminal order can still receive fills that crossed its final report; it is
 * `settled` once terminal and every fill the venue reported has arrived (positions are final).
 */
export type IntentStatus = 'PENDING' | 'OPEN' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';

export interface OrderView {
  readonly intentId: number;
  readonly venue: number;
  readonly instrument: number;
  readonly side: Side;
  readonly type: OrderType;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
  readonly price: number;
  readonly qty: number;
  readonly createdTsUs: number;
  status: IntentStatus;
  /** Sum of Fill messages: what actually moved the position. */
  filledQty: number;
  avgFillPrice: number;
  fees: number;
  /** The venue's cumulative quantity from its latest execution report. */
  reportedCumQty: number;
  /** RejectReason code of a REJECTED order, 0 otherwise. */
  rejectReason: number;
  cancelRequested: boolean;
  terminal: boolean;
  settled: boolean;
}

/** Structured strategy log lines; the actor routes them to its pino logger. */
export interface StrategyLog {
  info(event: string, data?: Record<string, unknown>): void;
  warn(event: string, data?: Record<string, unknown>): void;
}

export interface StrategyContext {
  /** This strategy's id (the `strategy` field of its intents). */
  readonly strategyId: number;
  /** Local time in microseconds since the epoch (the driver's clock; a fixed clock in tests). */
  now(): number;
  /**
   * Sends an order intent to risk and returns the intentId it was given (monotonic per
   * strategy). Throws a StrategyRequestError naming the field when the request is malformed
   * (unknown market, price off the tick grid, qty off the step grid, ...).
   */
  submit(request: SubmitRequest): number;
  /**
   * Asks to cancel an open intent. Returns false (and sends nothing) when the intent is already
   * terminal or a cancel is already in flight; throws for an id this strategy never issued.
   */
  cancel(intentId: number): boolean;
  /** The view of an intent until it is settled (then it is forgotten after that callback). */
  order(intentId: number): Readonly<OrderView> | undefined;
  /** Intents that are not yet terminal. */
  openOrders(): readonly Readonly<OrderView>[];
  /** Signed base quantity this strategy holds on that venue (long > 0). */
  position(venue: number, instrument: number): number;
  /** Average entry price of that position (0 when flat). */
  entryPrice(venue: number, instrument: number): number;
  /** Quote currency this strategy holds on that venue (its allocation, net of fills and fees). */
  quoteBalance(venue: number): number;
  /** Latest top of book seen for the market, or undefined before the first one. */
  book(venue: number, instrument: number): Readonly<BookTop> | undefined;
  /** The instrument's spec (tick, step, limits); throws for a market the runtime does not know. */
  instrument(venue: number, instrument: number): InstrumentSpec;
  /**
   * Sizing helpers (actors/risk/sizing.ts) on this strategy's equity on a venue (its quote balance
   * plus its positions there at the mid), capped by that venue's `leverage` from the strategy's
   * config: each returns a notional in quote currency (0 without an edge).
   */
  readonly sizing: StrategySizing;
  /**
   * The trading state as the gate reads it now. Orders a state forbids are refused downstream
   * anyway; a strategy that looks first does not send them (and does not cancel a resting
   * quote it could not replace).
   */
  tradingState(): TradingState;
  readonly log: StrategyLog;
}

export interface Strategy {
  /** Short name of the algorithm, e.g. "avellaneda-stoikov". */
  readonly kind: string;
  /** Books and trades of other markets are not delivered to this strategy. */
  readonly markets: readonly MarketRef[];
  onStart?(ctx: StrategyContext): void;
  onBook?(book: Readonly<BookTop>, ctx: StrategyContext): void;
  onTrade?(trade: Readonly<Trade>, ctx: StrategyContext): void;
  /** Called for reports on this strategy's known intents, after the view was updated. */
  onOrderUpdate?(report: Readonly<ExecutionReport>, order: Readonly<OrderView>, ctx: StrategyContext): void;
  /** Called for fills of known intents, after positions and the view were updated. */
  onFill?(fill: Readonly<Fill>, order: Readonly<OrderView>, ctx: StrategyContext): void;
  /** Called on the actor's timer (its period is actor config). */
  onTimer?(ctx: StrategyContext): void;
  /**
   * The actor is stopping gracefully: cancel what should not outlive the strategy (resting
   * quotes) and release subscriptions. Orders sent here still go through risk and the gate.
   */
  onStop?(ctx: StrategyContext): void;
  /** JSON-serialisable state for `actor.get` and the admin tree. */
  describe?(): Record<string, unknown>;
}

/** A cancel of one of the strategy's intents, as the driver hands it to its sink. */
export interface CancelRequest {
  strategy: number;
  intentId: number;
  venue: number;
  instrument: number;
  createdTsUs: number;
}

/**
 * Where the driver's output goes: the strategy actor encodes into its ring towards risk; tests
 * record. The objects passed are reused by the driver: encode or copy them during the call.
 */
export interface StrategySink {
  submit(intent: Readonly<OrderIntent>): void;
  cancel(request: Readonly<CancelRequest>): void;
}

/** A malformed submit or cancel; the message names the field and the value. */
export class StrategyRequestError extends RangeError {
  override readonly name = 'StrategyRequestError';
}

export const midPrice = (book: Readonly<BookTop>): number => (book.bidPrice + book.askPrice) / 2;

/** A book that can be traded on: both sides present and not crossed. */
export const isUsableBook = (book: Readonly<BookTop>): boolean =>
  book.bidPrice > 0 && book.askPrice > 0 && book.bidQty > 0 && book.askQty > 0 && book.bidPrice < book.askPrice;

export interface StrategySizing {
  /** Quote balance plus positions valued at the mid (a market without a book counts at its entry price). */
  equity(venue: number): number;
  /** Fractional Kelly (default 25% of Kelly) for a bet won with `winProbability` paying `winLossRatio`. */
  kellyNotional(venue: number, bet: { winProbability: number; winLossRatio: number; kellyFraction?: number }): number;
  /** The notional at which `returns` (per period) would move equity by `targetAnnualVol` a year. */
  volTargetNotional(venue: number, target: { returns: readonly number[]; periodsPerYear: number; targetAnnualVol: number }): number;
}
