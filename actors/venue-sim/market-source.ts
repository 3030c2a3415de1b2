import type { Level } from './depth-book.js';
import type { MarketLiquidity } from './matching-engine.js';
import type { OrderSide } from './order-types.js';

/** Binance spot stream payloads, exactly as Binance sends them (numbers as strings). */
export interface DepthUpdatePayload {
  e: 'depthUpdate';
  E: number;
  s: string;
  U: number;
  u: number;
  b: [string, string][];
  a: [string, string][];
}

export interface TradePayload {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  /** true when the buyer was the maker, i.e. the seller took liquidity. */
  m: boolean;
  M: boolean;
}

export interface BookTickerPayload {
  u: number;
  s: string;
  b: string;
  B: string;
  a: string;
  A: string;
}

export type MarketEvent =
  | { readonly kind: 'depth'; readonly symbol: string; readonly payload: DepthUpdatePayload }
  | {
      readonly kind: 'trade';
      readonly symbol: string;
      readonly payload: TradePayload;
      readonly price: bigint;
      readonly qty: bigint;
      readonly takerSide: OrderSide;
    }
  | { readonly kind: 'bookTicker'; readonly symbol: string; readonly payload: BookTickerPayload };

export interface DepthSnapshot {
  lastUpdateId: number;
  bids: [string, string][];
  asks: [string, string][];
}

/**
 * Where one symbol's market comes from (simulated or replayed). It owns the public order
 * book that depth diffs describe, and exposes that book's liquidity to the matching engine.
 */
export interface MarketSource {
  readonly symbol: string;
  readonly liquidity: MarketLiquidity;
  /** The book the published diffs lead to, so REST depth and the stream agree on update ids. */
  depthSnapshot(limit: number): DepthSnapshot;
  bestBid(): Level | undefined;
  bestAsk(): Level | undefined;
  /** Starts emitting events; resolves once the book is ready to be served. */
  start(sink: (event: MarketEvent) => void): Promise<void>;
  stop(): void;
}
