import {
  OrderAction, OrderType, Side, TimeInForce, type OrderCommand, type OrderIntent,
} from '../../domain/messages.js';
import { badLength, badValue } from './codec-error.js';
import {
  ORDER_ACTION, ORDER_TYPE, ORDER_TYPE_OR_NONE, SIDE, SIDE_OR_NONE, TIME_IN_FORCE, TIME_IN_FORCE_OR_NONE,
} from './enum-tables.js';
import {
  FLAG_RULE, NON_NEGATIVE_RULE, U16_RULE, U32_RULE, U64_RULE,
  isFlag, isMember, isNonNegativeFinite, isU16, isU32, isU64, readU64, writeU64,
} from './field-checks.js';
import type { MessageCodec } from './message-codec.js';
import { MessageType } from './message-types.js';

/**
 * Order layouts: strategy -> risk (OrderIntent) and order manager -> exchange (OrderCommand).
 * Widest fields first, enums as u8 at the end. A market order carries price 0. Byte maps:
 * docs/codec.md.
 */

const ORDER_INTENT = 'OrderIntent';
export const ORDER_INTENT_SIZE = 52;

export const orderIntentCodec: MessageCodec<OrderIntent, typeof ORDER_INTENT> = {
  type: MessageType.ORDER_INTENT,
  version: 1,
  name: ORDER_INTENT,
  size: () => ORDER_INTENT_SIZE,
  encode(view, o, m) {
    if (!isU64(m.intentId)) throw badValue(ORDER_INTENT, 'intentId', m.intentId, U64_RULE);
    if (!isNonNegativeFinite(m.price)) throw badValue(ORDER_INTENT, 'price', m.price, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.qty)) throw badValue(ORDER_INTENT, 'qty', m.qty, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.expectedPrice)) throw badValue(ORDER_INTENT, 'expectedPrice', m.expectedPrice, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.createdTsUs)) throw badValue(ORDER_INTENT, 'createdTsUs', m.createdTsUs, NON_NEGATIVE_RULE);
    if (!isU32(m.instrument)) throw badValue(ORDER_INTENT, 'instrument', m.instrument, U32_RULE);
    if (!isU16(m.strategy)) throw badValue(ORDER_INTENT, 'strategy', m.strategy, U16_RULE);
    if (!isU16(m.venue)) throw badValue(ORDER_INTENT, 'venue', m.venue, U16_RULE);
    if (!isMember(SIDE.table, m.side)) throw badValue(ORDER_INTENT, 'side', m.side, SIDE.rule);
    if (!isMember(ORDER_TYPE.table, m.type)) throw badValue(ORDER_INTENT, 'type', m.type, ORDER_TYPE.rule);
    if (!isMember(TIME_IN_FORCE.table, m.timeInForce)) throw badValue(ORDER_INTENT, 'timeInForce', m.timeInForce, TIME_IN_FORCE.rule);
    if (!isFlag(m.reduceOnly)) throw badValue(ORDER_INTENT, 'reduceOnly', m.reduceOnly, FLAG_RULE);
    writeU64(view, o, m.intentId);
    view.setFloat64(o + 8, m.price, true);
    view.setFloat64(o + 16, m.qty, true);
    view.setFloat64(o + 24, m.expectedPrice, true);
    view.setFloat64(o + 32, m.createdTsUs, true);
    view.setUint32(o + 40, m.instrument, true);
    view.setUint16(o + 44, m.strategy, true);
    view.setUint16(o + 46, m.venue, true);
    view.setUint8(o + 48, m.side);
    view.setUint8(o + 49, m.type);
    view.setUint8(o + 50, m.timeInForce);
    view.setUint8(o + 51, m.reduceOnly);
  },
  decode(view, o, length, out) {
    if (length !== ORDER_INTENT_SIZE) throw badLength(ORDER_INTENT, `exactly ${ORDER_INTENT_SIZE}`, length);
    const intentId = readU64(view, o, ORDER_INTENT, 'intentId');
    const price = view.getFloat64(o + 8, true);
    if (!isNonNegativeFinite(price)) throw badValue(ORDER_INTENT, 'price', price, NON_NEGATIVE_RULE);
    const qty = view.getFloat64(o + 16, true);
    if (!isNonNegativeFinite(qty)) throw badValue(ORDER_INTENT, 'qty', qty, NON_NEGATIVE_RULE);
    const expectedPrice = view.getFloat64(o + 24, true);
    if (!isNonNegativeFinite(expectedPrice)) throw badValue(ORDER_INTENT, 'expectedPrice', expectedPrice, NON_NEGATIVE_RULE);
    const createdTsUs = view.getFloat64(o + 32, true);
    if (!isNonNegativeFinite(createdTsUs)) throw badValue(ORDER_INTENT, 'createdTsUs', createdTsUs, NON_NEGATIVE_RULE);
    const side = view.getUint8(o + 48);
    if (!isMember(SIDE.table, side)) throw badValue(ORDER_INTENT, 'side', side, SIDE.rule);
    const type = view.getUint8(o + 49);
    if (!isMember(ORDER_TYPE.table, type)) throw badValue(ORDER_INTENT, 'type', type, ORDER_TYPE.rule);
    const timeInForce = view.getUint8(o + 50);
    if (!isMember(TIME_IN_FORCE.table, timeInForce)) throw badValue(ORDER_INTENT, 'timeInForce', timeInForce, TIME_IN_FORCE.rule);
    const reduceOnly = view.getUint8(o + 51);
    if (!isFlag(reduceOnly)) throw badValue(ORDER_INTENT, 'reduceOnly', reduceOnly, FLAG_RULE);
    out.intentId = intentId;
    out.price = price;
    out.qty = qty;
    out.expectedPrice = expectedPrice;
    out.createdTsUs = createdTsUs;
    out.instrument = view.getUint32(o + 40, true);
    out.strategy = view.getUint16(o + 44, true);
    out.venue = view.getUint16(o + 46, true);
    out.side = side as Side;
    out.type = type as OrderType;
    out.timeInForce = timeInForce as TimeInForce;
    out.reduceOnly = reduceOnly;
    return out;
  },
  create: () => ({
    strategy: 0, intentId: 0, venue: 0, instrument: 0,
    side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, reduceOnly: 0,
    price: 0, qty: 0, expectedPrice: 0, createdTsUs: 0,
  }),
};

const ORDER_COMMAND = 'OrderCommand';
export const ORDER_COMMAND_SIZE = 43;
const SUBMIT_ONLY = ' (0 = not applicable is allowed only when action is not SUBMIT)';

export const orderCommandCodec: MessageCodec<OrderCommand, typeof ORDER_COMMAND> = {
  type: MessageType.ORDER_COMMAND,
  version: 1,
  name: ORDER_COMMAND,
  size: () => ORDER_COMMAND_SIZE,
  encode(view, o, m) {
    if (!isMember(ORDER_ACTION.table, m.action)) throw badValue(ORDER_COMMAND, 'action', m.action, ORDER_ACTION.rule);
    if (!isU64(m.orderId)) throw badValue(ORDER_COMMAND, 'orderId', m.orderId, U64_RULE);
    if (!isNonNegativeFinite(m.price)) throw badValue(ORDER_COMMAND, 'price', m.price, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.qty)) throw badValue(ORDER_COMMAND, 'qty', m.qty, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.createdTsUs)) throw badValue(ORDER_COMMAND, 'createdTsUs', m.createdTsUs, NON_NEGATIVE_RULE);
    if (!isU32(m.instrument)) throw badValue(ORDER_COMMAND, 'instrument', m.instrument, U32_RULE);
    if (!isU16(m.venue)) throw badValue(ORDER_COMMAND, 'venue', m.venue, U16_RULE);
    checkOrderFields(m.action, m.side, m.type, m.timeInForce);
    if (!isFlag(m.reduceOnly)) throw badValue(ORDER_COMMAND, 'reduceOnly', m.reduceOnly, FLAG_RULE);
    writeU64(view, o, m.orderId);
    view.setFloat64(o + 8, m.price, true);
    view.setFloat64(o + 16, m.qty, true);
    view.setFloat64(o + 24, m.createdTsUs, true);
    view.setUint32(o + 32, m.instrument, true);
    view.setUint16(o + 36, m.venue, true);
    view.setUint8(o + 38, m.action);
    view.setUint8(o + 39, m.side);
    view.setUint8(o + 40, m.type);
    view.setUint8(o + 41, m.timeInForce);
    view.setUint8(o + 42, m.reduceOnly);
  },
  decode(view, o, length, out) {
    if (length !== ORDER_COMMAND_SIZE) throw badLength(ORDER_COMMAND, `exactly ${ORDER_COMMAND_SIZE}`, length);
    const action = view.getUint8(o + 38);
    if (!isMember(ORDER_ACTION.table, action)) throw badValue(ORDER_COMMAND, 'action', action, ORDER_ACTION.rule);
    const orderId = readU64(view, o, ORDER_COMMAND, 'orderId');
    const price = view.getFloat64(o + 8, true);
    if (!isNonNegativeFinite(price)) throw badValue(ORDER_COMMAND, 'price', price, NON_NEGATIVE_RULE);
    const qty = view.getFloat64(o + 16, true);
    if (!isNonNegativeFinite(qty)) throw badValue(ORDER_COMMAND, 'qty', qty, NON_NEGATIVE_RULE);
    const createdTsUs = view.getFloat64(o + 24, true);
    if (!isNonNegativeFinite(createdTsUs)) throw badValue(ORDER_COMMAND, 'createdTsUs', createdTsUs, NON_NEGATIVE_RULE);
    const side = view.getUint8(o + 39);
    const type = view.getUint8(o + 40);
    const timeInForce = view.getUint8(o + 41);
    checkOrderFields(action, side, type, timeInForce);
    const reduceOnly = view.getUint8(o + 42);
    if (!isFlag(reduceOnly)) throw badValue(ORDER_COMMAND, 'reduceOnly', reduceOnly, FLAG_RULE);
    out.action = action as OrderAction;
    out.orderId = orderId;
    out.price = price;
    out.qty = qty;
    out.createdTsUs = createdTsUs;
    out.instrument = view.getUint32(o + 32, true);
    out.venue = view.getUint16(o + 36, true);
    out.side = side as Side;
    out.type = type as OrderType;
    out.timeInForce = timeInForce as TimeInForce;
    out.reduceOnly = reduceOnly;
    return out;
  },
  create: () => ({
    action: OrderAction.SUBMIT, orderId: 0, venue: 0, instrument: 0,
    side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, reduceOnly: 0,
    price: 0, qty: 0, createdTsUs: 0,
  }),
};

/** A SUBMIT names a complete order; cancel, cancel-all and query may leave side/type/timeInForce at 0. */
function checkOrderFields(action: number, side: number, type: number, timeInForce: number): void {
  const submit = action === OrderAction.SUBMIT;
  const sides = submit ? SIDE : SIDE_OR_NONE;
  const types = submit ? ORDER_TYPE : ORDER_TYPE_OR_NONE;
  const tifs = submit ? TIME_IN_FORCE : TIME_IN_FORCE_OR_NONE;
  const note = submit ? SUBMIT_ONLY : '';
  if (!isMember(sides.table, side)) throw badValue(ORDER_COMMAND, 'side', side, sides.rule + note);
  if (!isMember(types.table, type)) throw badValue(ORDER_COMMAND, 'type', type, types.rule + note);
  if (!isMember(tifs.table, timeInForce)) throw badValue(ORDER_COMMAND, 'timeInForce', timeInForce, tifs.rule + note);
}
