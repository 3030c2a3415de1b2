import { OrderAction, RejectReason, TradingState, type OrderCommand } from '../../src/domain/messages.js';

/**
 * The exchange actor's own check of the trading-state word, right before a command goes to
 * the venue (the order manager checked it too, but a trip may have happened since the
 * command was queued). Cancels and queries always pass: they only ever reduce risk.
 * Returns the refusal reason, or NONE when the command may be sent.
 */
export function gateRefusal(state: number, command: Pick<OrderCommand, 'action' | 'reduceOnly'>): RejectReason {
  if (command.action !== OrderAction.SUBMIT) return RejectReason.NONE;
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
