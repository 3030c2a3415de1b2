/**
 * The hot messages that cross the rings, as plain mutable records.
 *
 * Every field is a number so that a message has a fixed binary layout (src/runtime/codec/)
 * and can be decoded into a reused object without allocating. Strings that venues need
 * (symbols, client order ids) are derived at the edge: instruments and venues are small
 * integer ids into tables the runtime builds from config, and an order's client id is
 * formatted from its numeric `orderId` by the exchange actor.
 *
 * Times: `exchangeTsMs` is the venue's clock (ms since epoch, as venues send it);
 * `*TsUs` are local wall-clock microseconds since epoch (see src/runtime/clock.ts).
 */

/** Larger = more permissive. Zeroed shared memory reads HALTED: the gate fails safe. */
export const TradingState = { HALTED: 0, PAUSED: 1, REDUCING: 2, ACTIVE: 3 } as const;
export type TradingState = (typeof TradingState)[keyof typeof TradingState];
export const tradingStateName = (s: number): string =>
  (['HALTED', 'PAUSED', 'REDUCING', 'ACTIVE'] as const)[s] ?? `UNKNOWN(${s})`;

export const Side = { BUY: 1, SELL: 2 } as const;
export type Side = (typeof Side)[keyof typeof Side];

export const OrderType = { LIMIT: 1, MARKET: 2, LIMIT_MAKER: 3 } as const;
export type OrderType = (typeof OrderType)[keyof typeof OrderType];

export const TimeInForce = { GTC: 1, IOC: 2, FOK: 3 } as const;
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];

export const OrderAction = { SUBMIT: 1, CANCEL: 2, CANCEL_ALL: 3, QUERY: 4 } as const;
export type OrderAction = (typeof OrderAction)[keyof typeof OrderAction];

/** Venue-reported order status, as carried by execution reports. */
export const ExecStatus = {
  ACCEPTED: 1,
  PARTIALLY_FILLED: 2,
  FILLED: 3,
  CANCELED: 4,
  REJECTED: 5,
  EXPIRED: 6,
} as const;
export type ExecStatus = (typeof ExecStatus)[keyof typeof ExecStatus];

export const Liquidity = { MAKER: 1, TAKER: 2 } as const;
export type Liquidity = (typeof Liquidity)[keyof typeof Liquidity];

/** Who moved the trading state. */
export const TripSource = { ADMIN: 1, GPIO_BUTTON: 2, GPIO_TAMPER: 3, RISK_PANIC: 4, DEAD_MAN: 5, STARTUP_LATCH: 6, SHUTDOWN: 7, SUPERVISOR: 8 } as const;
export type TripSource = (typeof TripSource)[keyof typeof TripSource];

/** Why the risk monitor panicked. */
/** LEDGER_MISMATCH: risk's ledger and a venue's balance of one asset disagree beyond tolerance (actors/risk/ledger-check.ts). */
export const PanicKind = { DRAWDOWN: 1, DAILY_LOSS: 2, STALE_QUOTES: 3, SPREAD_BLOWOUT: 4, SLIPPAGE: 5, API_ERROR_CASCADE: 6, STOP_LOSS: 7, LEDGER_MISMATCH: 8 } as const;
export type PanicKind = (typeof PanicKind)[keyof typeof PanicKind];

/** Best bid/ask of one instrument on one venue. */
export interface BookTop {
  venue: number;
  instrument: number;
  updateId: number;
  bidPrice: number;
  bidQty: number;
  askPrice: number;
  askQty: number;
  exchangeTsMs: number;
  receiveTsUs: number;
}

/** Level changes of one book update (qty 0 removes the level). At most L2_MAX_LEVELS per frame. */
export const L2_MAX_LEVELS = 64;
export interface L2Delta {
  venue: number;
  instrument: number;
  firstUpdateId: number;
  lastUpdateId: number;
  exchangeTsMs: number;
  receiveTsUs: number;
  levelCount: number;
  /** side per level (Side), first `levelCount` entries valid. */
  sides: Uint8Array;
  prices: Float64Array;
  quantities: Float64Array;
}

export interface Trade {
  venue: number;
  instrument: number;
  tradeId: number;
  price: number;
  qty: number;
  /** Side of the aggressor (taker). */
  aggressor: Side;
  exchangeTsMs: number;
  receiveTsUs: number;
}

/** What a strategy wants; risk approves or denies it before the order manager sees it. */
export interface OrderIntent {
  strategy: number;
  /** Monotonic per strategy; with `strategy` it names the intent for idempotency. */
  intentId: number;
  venue: number;
  instrument: number;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  reduceOnly: number;
  price: number;
  qty: number;
  /** Mid price the strategy saw when deciding (for slippage accounting). */
  expectedPrice: number;
  createdTsUs: number;
}

/** From the order manager to an exchange actor. */
export interface OrderCommand {
  action: OrderAction;
  orderId: number;
  venue: number;
  instrument: number;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  reduceOnly: number;
  price: number;
  qty: number;
  createdTsUs: number;
}

/** From an exchange actor: the venue's word on an order. */
export interface ExecutionReport {
  orderId: number;
  venueOrderId: number;
  venue: number;
  instrument: number;
  status: ExecStatus;
  /** RejectReason code (0 when not a reject). */
  rejectReason: number;
  side: Side;
  cumQty: number;
  avgPrice: number;
  leavesQty: number;
  lastQty: number;
  lastPrice: number;
  exchangeTsMs: number;
  receiveTsUs: number;
}

export interface Fill {
  orderId: number;
  venue: number;
  instrument: number;
  side: Side;
  price: number;
  qty: number;
  /** Fee in quote currency (venue fees in other assets are converted by the exchange actor). */
  fee: number;
  liquidity: Liquidity;
  tradeId: number;
  exchangeTsMs: number;
  receiveTsUs: number;
}

export interface TradingStateChange {
  state: TradingState;
  previous: TradingState;
  source: TripSource;
  /** Monotonic transition counter of the kill switch. */
  seq: number;
  tsUs: number;
}

export interface RiskPanic {
  kind: PanicKind;
  venue: number;
  instrument: number;
  value: number;
  threshold: number;
  tsUs: number;
}

/** Typed reasons an order is refused (pre-trade risk, order manager or venue). */
export const RejectReason = {
  NONE: 0,
  TRADING_HALTED: 1,
  TRADING_PAUSED: 2,
  NOT_REDUCING: 3,
  UNKNOWN_INSTRUMENT: 4,
  PRICE_PRECISION: 5,
  QTY_PRECISION: 6,
  QTY_OUT_OF_RANGE: 7,
  PRICE_OUT_OF_RANGE: 8,
  MIN_NOTIONAL: 9,
  MAX_ORDER_NOTIONAL: 10,
  MAX_POSITION: 11,
  MAX_GROSS_EXPOSURE: 12,
  MAX_OPEN_ORDERS: 13,
  SUBMIT_RATE: 14,
  PRICE_BAND: 15,
  STALE_MARKET_DATA: 16,
  SPREAD_TOO_WIDE: 17,
  NOT_RECONCILED: 18,
  INSUFFICIENT_FUNDS: 19,
  VENUE_REJECTED: 20,
  RATE_LIMITED: 21,
  VENUE_UNAVAILABLE: 22,
  DUPLICATE_ORDER: 23,
  AUTH_FAILED: 24,
  UNKNOWN_ORDER: 25,
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];
export const rejectReasonName = (code: number): string =>
  (Object.entries(RejectReason).find(([, v]) => v === code)?.[0]) ?? `UNKNOWN(${code})`;
