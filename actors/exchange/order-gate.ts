import { OrderAction, RejectReason, TradingState, type OrderCommand } from '../../src/domain/messages.js';
import { FLATTEN_STRATEGY_ID, orderIdParts } from '../order-manager/client-order-id.js';

const isFlattenOrder = (command: Pick<OrderCommand, 'reduceOnly' | 'orderId'>): boolean =>
  command.reduceOnly === 1 && orderIdParts(command.orderId).strategy === FLATTEN_STRATEGY_ID;

/**
 * The exchange actor's own check of the trading-state word, right before a command goes to
 * the venue (the order manager checked it too, but a trip may have happened since the
 * command was queued). Cancels and queries always pass: they only ever reduce risk.
 * Returns the refusal reason, or NONE when the command may be sent.
 */
export function gateRefusal(state: number, command: Pick<OrderCommand, 'action' | 'reduceOnly' | 'orderId'>, flattenPermitted = false): RejectReason {
  if (command.action !== OrderAction.SUBMIT) return RejectReason.NONE;
  // The order manager's flatten orders on HALTED: reduce-only, under the runtime's own strategy id.
  if (state === TradingState.HALTED && flattenPermitted && isFlattenOrder(command)) return RejectReason.NONE;
  switch (state) {
    case TradingState.ACTIVE:
      return RejectReason.NONE;
    case TradingState.REDUCING:
      return command.reduceOnly === 1 ? RejectReason.NONE : RejectReason.NOT_REDUCING;
    case TradingState.PAUSED:
      return RejectReason.TRADING_PAUSED;
    default:
      // HALTED, and any value the word should never hold: fail safe.
      return RejectReason.TRADING_HALTED;
  }
}
