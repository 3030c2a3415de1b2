/**
 * The order manager's look at the trading gate before every order it sends (the exchange
 * actor looks again before the request leaves). Pure: the actor passes the gate word and
 * the position its own fills imply.
 *
 * Only submits are gated. Cancels and queries always pass: they never add risk, and HALTED
 * needs them to go out.
 */
import { RejectReason, TradingState, type Side } from '../../src/domain/messages.js';
import { maxReducingQty } from '../risk/pre-trade-checks.js';

export interface GatedOrder {
  side: Side;
  qty: number;
  reduceOnly: number;
  /** One of this order manager's own flatten orders (flatten.ts), not a strategy's. */
  flatten?: boolean;
}

/**
 * ACTIVE passes; REDUCING passes an order only when it is flagged reduce-only and shrinks the
 * position (counting our other open orders on its side) without flipping it; PAUSED and
 * HALTED deny; any other value is treated as HALTED (fail safe). The one exception to HALTED:
 * with the flatten permit, a flatten order that shrinks the position the same way.
 */
export function gateRefusal(state: number, order: GatedOrder, position: number, openBuyQty: number, openSellQty: number, flattenPermitted = false): RejectReason {
  if (state === TradingState.HALTED && flattenPermitted && order.flatten === true) {
    return order.reduceOnly && shrinks(order, position, openBuyQty, openSellQty) ? RejectReason.NONE : RejectReason.TRADING_HALTED;
  }
  switch (state) {
    case TradingState.ACTIVE:
      return RejectReason.NONE;
    case TradingState.REDUCING:
      return order.reduceOnly && shrinks(order, position, openBuyQty, openSellQty) ? RejectReason.NONE : RejectReason.NOT_REDUCING;
    case TradingState.PAUSED:
      return RejectReason.TRADING_PAUSED;
    default:
      return RejectReason.TRADING_HALTED;
  }
}

function shrinks(order: GatedOrder, position: number, openBuyQty: number, openSellQty: number): boolean {
  const allowed = maxReducingQty(order.side, position, openBuyQty, openSellQty);
  return allowed > 0 && order.qty <= allowed * (1 + 1e-9);
}
