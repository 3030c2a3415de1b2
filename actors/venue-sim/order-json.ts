import { formatDecimal } from './decimal.js';
import type { Fill, Order } from './order-types.js';

/** Orders and trades in the JSON shapes of Binance's spot REST API (all amounts as 8-decimal strings). */
const orderListId = -1;
const stp = 'NONE';

/** Binance reports a market order's timeInForce as GTC. */
const timeInForceText = (order: Order): string => order.timeInForce ?? 'GTC';

/** The fields every order answer carries: prices, quantities and state. */
function orderStateJson(order: Order): Record<string, unknown> {
  return {
    price: formatDecimal(order.price),
    origQty: formatDecimal(order.origQty),
    executedQty: formatDecimal(order.executedQty),
    origQuoteOrderQty: formatDecimal(order.origQuoteOrderQty),
    cummulativeQuoteQty: formatDecimal(order.cummulativeQuoteQty),
    status: order.status,
    timeInForce: timeInForceText(order),
    type: order.type,
    side: order.side,
  };
}

export function fillJson(fill: Fill): Record<string, unknown> {
  return {
    price: formatDecimal(fill.price),
    qty: formatDecimal(fill.qty),
    commission: formatDecimal(fill.commission),
    commissionAsset: fill.commissionAsset,
    tradeId: fill.tradeId,
  };
}

/** POST /order with newOrderRespType ACK, RESULT or FULL. */
export function newOrderJson(order: Order, fills: readonly Fill[], respType: 'ACK' | 'RESULT' | 'FULL'): Record<string, unknown> {
  const ack = { symbol: order.symbol, orderId: order.orderId, orderListId, clientOrderId: order.clientOrderId, transactTime: order.time };
  if (respType === 'ACK') return ack;
  const result = {
    ...ack,
    ...orderStateJson(order),
    workingTime: order.time,
    selfTradePreventionMode: stp,
  };
  return respType === 'RESULT' ? result : { ...result, fills: fills.map(fillJson) };
}

/** GET /order and GET /openOrders entries. */
export function queriedOrderJson(order: Order): Record<string, unknown> {
  return {
    symbol: order.symbol,
    orderId: order.orderId,
    orderListId,
    clientOrderId: order.clientOrderId,
    ...orderStateJson(order),
    stopPrice: formatDecimal(0n),
    icebergQty: formatDecimal(0n),
    time: order.time,
    updateTime: order.updateTime,
    isWorking: true,
    workingTime: order.time,
    selfTradePreventionMode: stp,
  };
}

/** DELETE /order and DELETE /openOrders entries. */
export function cancelledOrderJson(order: Order, cancelClientOrderId: string, transactTime: number): Record<string, unknown> {
  return {
    symbol: order.symbol,
    origClientOrderId: order.clientOrderId,
    orderId: order.orderId,
    orderListId,
    clientOrderId: cancelClientOrderId,
    transactTime,
    ...orderStateJson(order),
    selfTradePreventionMode: stp,
  };
}

/** GET /myTrades entries. */
export function myTradeJson(fill: Fill): Record<string, unknown> {
  return {
    symbol: fill.symbol,
    id: fill.tradeId,
    orderId: fill.orderId,
    orderListId,
    price: formatDecimal(fill.price),
    qty: formatDecimal(fill.qty),
    quoteQty: formatDecimal(fill.quoteQty),
    commission: formatDecimal(fill.commission),
    commissionAsset: fill.commissionAsset,
    time: fill.time,
    isBuyer: fill.side === 'BUY',
    isMaker: fill.isMaker,
    isBestMatch: true,
  };
}
