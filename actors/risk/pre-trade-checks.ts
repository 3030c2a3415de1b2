/**
 * Pre-trade risk checks: each a small pure function returning RejectReason.NONE or its own
 * reason, and `runPreTradeChecks`, which runs them in a fixed order and returns the first
 * reject. Nothing here allocates: the risk actor reuses one context object per order.
 *
 * Every check fails closed: when the data it needs is missing or malformed (no book, NaN
 * quantity, unknown trading-state value) it rejects with its own reason.
 */
import { OrderType, RejectReason, Side, TradingState, type BookTop, type OrderIntent } from '../../src/domain/messages.js';
import {
  isPriceInRange,
  isPriceOnTick,
  isQtyInRange,
  isQtyOnStep,
  meetsMinNotional,
  type InstrumentSpec,
} from '../../src/domain/instrument.js';

export type PreTradeOrder = Pick<OrderIntent, 'instrument' | 'side' | 'type' | 'reduceOnly' | 'price' | 'qty'>;

export interface SubmitRateLimit {
  /** Orders that may be sent at once after a quiet period. */
  burst: number;
  /** Sustained orders per second. */
  perSecond: number;
}

/** Token bucket state; `updatedUs` is when `tokens` was last computed. */
export interface TokenBucket {
  tokens: number;
  updatedUs: number;
}

export interface PreTradeContext {
  nowUs: number;
  tradingState: TradingState;
  /** The spec of the order's instrument, undefined when the instrument is not configured. */
  instrument: InstrumentSpec | undefined;
  /** Latest top of book of the order's instrument on the order's venue. */
  book: Pick<BookTop, 'bidPrice' | 'askPrice' | 'receiveTsUs'> | undefined;
  /** Signed position in base units on this venue and instrument (long > 0). */
  position: number;
  /** Remaining quantity of our open orders on this instrument, per side. */
  openBuyQty: number;
  openSellQty: number;
  /** Σ |position × mark| over all instruments, quote currency. */
  grossExposure: number;
  /** Our open orders across the venue. */
  openOrderCount: number;
  submitBucket: TokenBucket;
}

export interface PreTradeLimits {
  /** Our own per-order cap; the venue's `maxNotional` applies as well. */
  maxOrderNotional: number;
  /** |position| × price after the order and our open orders on the same side. */
  maxPositionNotional: number;
  maxGrossExposure: number;
  maxOpenOrders: number;
  submitRate: SubmitRateLimit;
  /** Fat-finger band: limit price distance from the mid, basis points. */
  priceBandBps: number;
  maxQuoteAgeUs: number;
  maxSpreadBps: number;
}

export type PreTradeCheck = (order: PreTradeOrder, ctx: PreTradeContext, limits: PreTradeLimits) => RejectReason;

const BPS = 10_000;
/** Relative slack on comparisons of computed quantities against limits (float noise only). */
const EPS = 1e-9;

const bookIsUsable = (book: PreTradeContext['book']): book is NonNullable<PreTradeContext['book']> =>
  book !== undefined &&
  Number.isFinite(book.bidPrice) &&
  Number.isFinite(book.askPrice) &&
  book.bidPrice > 0 &&
  book.askPrice >= book.bidPrice;

const midOf = (book: NonNullable<PreTradeContext['book']>): number => (book.bidPrice + book.askPrice) / 2;

/**
 * The price the order is expected to trade at: the limit price, or for a market order the
 * touch it would take (ask for a buy, bid for a sell). NaN when a market order has no book.
 */
export function referencePrice(order: PreTradeOrder, ctx: PreTradeContext): number {
  if (order.type !== OrderType.MARKET) return order.price;
  if (!bookIsUsable(ctx.book)) return NaN;
  return order.side === Side.BUY ? ctx.book.askPrice : ctx.book.bidPrice;
}

const signedQty = (order: PreTradeOrder): number => (order.side === Side.BUY ? order.qty : -order.qty);

export const checkTradingState: PreTradeCheck = (_order, ctx) => {
  switch (ctx.tradingState) {
    case TradingState.ACTIVE:
    case TradingState.REDUCING:
      return RejectReason.NONE;
    case TradingState.PAUSED:
      return RejectReason.TRADING_PAUSED;
    default:
      // HALTED, or a value no state has: fail safe.
      return RejectReason.TRADING_HALTED;
  }
};

export const checkInstrumentKnown: PreTradeCheck = (order, ctx) =>
  ctx.instrument !== undefined && ctx.instrument.id === order.instrument ? RejectReason.NONE : RejectReason.UNKNOWN_INSTRUMENT;

/**
 * The largest quantity an order on `side` may have and still only shrink the position, given
 * our open orders on that side (which would shrink it first). Zero when the side would grow it.
 */
export function maxReducingQty(side: Side, position: number, openBuyQty: number, openSellQty: number): number {
  if (side === Side.SELL) return Math.max(0, position - openSellQty);
  return Math.max(0, -position - openBuyQty);
}

/**
 * In REDUCING, and for any order flagged reduce-only, the order must shrink |position| without
 * flipping it, counting our open orders on the same side. An order that would flip is rejected,
 * not clipped: clipping silently changes what the strategy asked for; it can resend
 * `maxReducingQty(...)`.
 */
export const checkReducing: PreTradeCheck = (order, ctx) => {
  if (ctx.tradingState !== TradingState.REDUCING && !order.reduceOnly) return RejectReason.NONE;
  const allowed = maxReducingQty(order.side, ctx.position, ctx.openBuyQty, ctx.openSellQty);
  return allowed > 0 && order.qty > 0 && order.qty <= allowed * (1 + EPS) ? RejectReason.NONE : RejectReason.NOT_REDUCING;
};

export const checkQtyRange: PreTradeCheck = (order, ctx) =>
  ctx.instrument !== undefined && order.qty > 0 && isQtyInRange(ctx.instrument, order.qty) ? RejectReason.NONE : RejectReason.QTY_OUT_OF_RANGE;

export const checkQtyPrecision: PreTradeCheck = (order, ctx) =>
  ctx.instrument !== undefined && isQtyOnStep(ctx.instrument, order.qty) ? RejectReason.NONE : RejectReason.QTY_PRECISION;

/** Market orders carry no price: the price checks do not apply to them. */
export const checkPriceRange: PreTradeCheck = (order, ctx) => {
  if (order.type === OrderType.MARKET) return RejectReason.NONE;
  return ctx.instrument !== undefined && order.price > 0 && isPriceInRange(ctx.instrument, order.price) ? RejectReason.NONE : RejectReason.PRICE_OUT_OF_RANGE;
};

export const checkPricePrecision: PreTradeCheck = (order, ctx) => {
  if (order.type === OrderType.MARKET) return RejectReason.NONE;
  return ctx.instrument !== undefined && isPriceOnTick(ctx.instrument, order.price) ? RejectReason.NONE : RejectReason.PRICE_PRECISION;
};

/** A missing, crossed or older-than-allowed book: the price we would trade on is not known. */
export const checkQuoteFreshness: PreTradeCheck = (_order, ctx, limits) =>
  bookIsUsable(ctx.book) && ctx.nowUs - ctx.book.receiveTsUs <= limits.maxQuoteAgeUs ? RejectReason.NONE : RejectReason.STALE_MARKET_DATA;

export function spreadBps(bidPrice: number, askPrice: number): number {
  return ((askPrice - bidPrice) / ((bidPrice + askPrice) / 2)) * BPS;
}

export const checkSpread: PreTradeCheck = (_order, ctx, limits) =>
  bookIsUsable(ctx.book) && spreadBps(ctx.book.bidPrice, ctx.book.askPrice) <= limits.maxSpreadBps * (1 + EPS)
    ? RejectReason.NONE
    : RejectReason.SPREAD_TOO_WIDE;

/** Fat-finger guard: a limit price too far from the mid, in either direction. */
export const checkPriceBand: PreTradeCheck = (order, ctx, limits) => {
  if (order.type === OrderType.MARKET) return RejectReason.NONE;
  if (!bookIsUsable(ctx.book)) return RejectReason.PRICE_BAND;
  const mid = midOf(ctx.book);
  const distanceBps = (Math.abs(order.price - mid) / mid) * BPS;
  return distanceBps <= limits.priceBandBps * (1 + EPS) ? RejectReason.NONE : RejectReason.PRICE_BAND;
};

export const checkMinNotional: PreTradeCheck = (order, ctx) => {
  const price = referencePrice(order, ctx);
  return ctx.instrument !== undefined && Number.isFinite(price) && meetsMinNotional(ctx.instrument, price, order.qty)
    ? RejectReason.NONE
    : RejectReason.MIN_NOTIONAL;
};

/** The tighter of our cap and the venue's `maxNotional`. */
export const checkMaxOrderNotional: PreTradeCheck = (order, ctx, limits) => {
  const price = referencePrice(order, ctx);
  if (ctx.instrument === undefined || !Number.isFinite(price)) return RejectReason.MAX_ORDER_NOTIONAL;
  const cap = Math.min(limits.maxOrderNotional, ctx.instrument.maxNotional);
  return price * order.qty <= cap * (1 + EPS) ? RejectReason.NONE : RejectReason.MAX_ORDER_NOTIONAL;
};

/**
 * The position if this order and all our open orders on its side filled, valued at the order's
 * price. An order that leaves |position| smaller than now always passes, so lowered limits never
 * block the way out.
 */
export const checkMaxPosition: PreTradeCheck = (order, ctx, limits) => {
  const price = referencePrice(order, ctx);
  if (!Number.isFinite(price)) return RejectReason.MAX_POSITION;
  const projected = order.side === Side.BUY ? ctx.position + ctx.openBuyQty + order.qty : ctx.position - ctx.openSellQty - order.qty;
  if (Math.abs(projected) <= Math.abs(ctx.position)) return RejectReason.NONE;
  return Math.abs(projected) * price <= limits.maxPositionNotional * (1 + EPS) ? RejectReason.NONE : RejectReason.MAX_POSITION;
};

/** Gross exposure after the fill, re-valuing this instrument's leg at the order price. */
export const checkGrossExposure: PreTradeCheck = (order, ctx, limits) => {
  const price = referencePrice(order, ctx);
  if (!Number.isFinite(price)) return RejectReason.MAX_GROSS_EXPOSURE;
  const change = (Math.abs(ctx.position + signedQty(order)) - Math.abs(ctx.position)) * price;
  if (change <= 0) return RejectReason.NONE;
  return ctx.grossExposure + change <= limits.maxGrossExposure * (1 + EPS) ? RejectReason.NONE : RejectReason.MAX_GROSS_EXPOSURE;
};

export const checkOpenOrders: PreTradeCheck = (_order, ctx, limits) =>
  ctx.openOrderCount + 1 <= limits.maxOpenOrders ? RejectReason.NONE : RejectReason.MAX_OPEN_ORDERS;

export function newSubmitBucket(rate: SubmitRateLimit, nowUs: number): TokenBucket {
  if (!(rate.burst >= 1 && rate.perSecond > 0)) {
    throw new RangeError(`submit rate: burst must be >= 1 and perSecond > 0, got burst=${rate.burst} perSecond=${rate.perSecond}`);
  }
  return { tokens: rate.burst, updatedUs: nowUs };
}

/** Tokens in the bucket at `nowUs` (refilled continuously, capped at `burst`). */
export function availableSubmitTokens(bucket: TokenBucket, rate: SubmitRateLimit, nowUs: number): number {
  const elapsedUs = Math.max(0, nowUs - bucket.updatedUs);
  return Math.min(rate.burst, bucket.tokens + (elapsedUs / 1e6) * rate.perSecond);
}

/** The bucket after one order was sent at `nowUs`. Call it only for orders that were approved. */
export function takeSubmitToken(bucket: TokenBucket, rate: SubmitRateLimit, nowUs: number): TokenBucket {
  const tokens = availableSubmitTokens(bucket, rate, nowUs);
  if (tokens < 1 - EPS) throw new RangeError(`takeSubmitToken: no token available at ${nowUs} (have ${tokens.toFixed(3)})`);
  return { tokens: tokens - 1, updatedUs: Math.max(nowUs, bucket.updatedUs) };
}

export const checkSubmitRate: PreTradeCheck = (_order, ctx, limits) =>
  availableSubmitTokens(ctx.submitBucket, limits.submitRate, ctx.nowUs) >= 1 - EPS ? RejectReason.NONE : RejectReason.SUBMIT_RATE;

/**
 * The fixed order: the cheapest and most fundamental checks first (is trading allowed at all,
 * do we know the instrument, is the order well-formed), then market-data sanity, then the
 * limits that depend on prices, and the rate limit last so that an order refused for any other
 * reason never counts as a submit.
 */
export const PRE_TRADE_CHECKS: ReadonlyArray<{ name: string; check: PreTradeCheck; reasons: readonly RejectReason[] }> = [
  { name: 'tradingState', check: checkTradingState, reasons: [RejectReason.TRADING_HALTED, RejectReason.TRADING_PAUSED] },
  { name: 'instrumentKnown', check: checkInstrumentKnown, reasons: [RejectReason.UNKNOWN_INSTRUMENT] },
  { name: 'reducing', check: checkReducing, reasons: [RejectReason.NOT_REDUCING] },
  { name: 'qtyRange', check: checkQtyRange, reasons: [RejectReason.QTY_OUT_OF_RANGE] },
  { name: 'qtyPrecision', check: checkQtyPrecision, reasons: [RejectReason.QTY_PRECISION] },
  { name: 'priceRange', check: checkPriceRange, reasons: [RejectReason.PRICE_OUT_OF_RANGE] },
  { name: 'pricePrecision', check: checkPricePrecision, reasons: [RejectReason.PRICE_PRECISION] },
  { name: 'quoteFreshness', check: checkQuoteFreshness, reasons: [RejectReason.STALE_MARKET_DATA] },
  { name: 'spread', check: checkSpread, reasons: [RejectReason.SPREAD_TOO_WIDE] },
  { name: 'priceBand', check: checkPriceBand, reasons: [RejectReason.PRICE_BAND] },
  { name: 'minNotional', check: checkMinNotional, reasons: [RejectReason.MIN_NOTIONAL] },
  { name: 'maxOrderNotional', check: checkMaxOrderNotional, reasons: [RejectReason.MAX_ORDER_NOTIONAL] },
  { name: 'maxPosition', check: checkMaxPosition, reasons: [RejectReason.MAX_POSITION] },
  { name: 'grossExposure', check: checkGrossExposure, reasons: [RejectReason.MAX_GROSS_EXPOSURE] },
  { name: 'openOrders', check: checkOpenOrders, reasons: [RejectReason.MAX_OPEN_ORDERS] },
  { name: 'submitRate', check: checkSubmitRate, reasons: [RejectReason.SUBMIT_RATE] },
];

/** RejectReason.NONE to approve, else the reason of the first check that refuses. */
export function runPreTradeChecks(order: PreTradeOrder, ctx: PreTradeContext, limits: PreTradeLimits): RejectReason {
  for (let i = 0; i < PRE_TRADE_CHECKS.length; i++) {
    const reason = PRE_TRADE_CHECKS[i]!.check(order, ctx, limits);
    if (reason !== RejectReason.NONE) return reason;
  }
  return RejectReason.NONE;
}
