import {
  ExecStatus, Liquidity, OrderAction, OrderType, PanicKind, RejectReason, Side, TimeInForce, TradingState, TripSource,
} from '../../domain/messages.js';
import { enumRule, enumTable } from './field-checks.js';

/**
 * Allowed values of every enum the layouts carry, derived from src/domain/messages.ts so the
 * codec and the contract cannot drift apart. Each comes with the phrase an error quotes.
 */
function allowed(values: readonly number[]): { readonly table: Uint8Array; readonly rule: string } {
  return { table: enumTable(values), rule: enumRule(values) };
}

/** 0 = "does not apply", for order fields a cancel or query leaves unset. */
const NOT_APPLICABLE = 0;

export const SIDE = allowed(Object.values(Side));
export const SIDE_OR_NONE = allowed([NOT_APPLICABLE, ...Object.values(Side)]);
export const ORDER_TYPE = allowed(Object.values(OrderType));
export const ORDER_TYPE_OR_NONE = allowed([NOT_APPLICABLE, ...Object.values(OrderType)]);
export const TIME_IN_FORCE = allowed(Object.values(TimeInForce));
export const TIME_IN_FORCE_OR_NONE = allowed([NOT_APPLICABLE, ...Object.values(TimeInForce)]);
export const ORDER_ACTION = allowed(Object.values(OrderAction));
export const EXEC_STATUS = allowed(Object.values(ExecStatus));
export const REJECT_REASON = allowed(Object.values(RejectReason));
export const LIQUIDITY = allowed(Object.values(Liquidity));
export const TRADING_STATE = allowed(Object.values(TradingState));
export const TRIP_SOURCE = allowed(Object.values(TripSource));
export const PANIC_KIND = allowed(Object.values(PanicKind));
