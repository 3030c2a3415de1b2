/** Orders and fills as the matching engine keeps them (amounts in 1e-8 units). */
export type OrderSide = 'BUY' | 'SELL';
export type OrderKind = 'LIMIT' | 'MARKET' | 'LIMIT_MAKER';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
/** Binance's execution types for executionReport `x`. */
export type ExecutionType = 'NEW' | 'TRADE' | 'CANCELED' | 'EXPIRED' | 'REJECTED';

export interface Order {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderKind;
  /** undefined for MARKET orders. */
  readonly timeInForce: TimeInForce | undefined;
  /** 0 for MARKET orders. */
  readonly price: bigint;
  /** Base quantity asked for; 0 when a market order was given as quoteOrderQty. */
  readonly origQty: bigint;
  readonly origQuoteOrderQty: bigint;
  executedQty: bigint;
  cummulativeQuoteQty: bigint;
  status: OrderStatus;
  readonly time: number;
  updateTime: number;
  /** What is still reserved for this order (quote for buys, base for sells). */
  locked: bigint;
  readonly lockedAsset: string;
  /** Arrival order, for time priority among equal prices. */
  readonly sequence: number;
}

export interface Fill {
  readonly symbol: string;
  readonly tradeId: number;
  readonly orderId: number;
  readonly account: string;
  readonly side: OrderSide;
  readonly price: bigint;
  readonly qty: bigint;
  readonly quoteQty: bigint;
  readonly commission: bigint;
  readonly commissionAsset: string;
  readonly isMaker: boolean;
  readonly time: number;
}

export const isOpen = (order: Order): boolean => order.status === 'NEW' || order.status === 'PARTIALLY_FILLED';

export const remainingQty = (order: Order): bigint => order.origQty - order.executedQty;
