import {
  ExecStatus, Liquidity, RejectReason, Side, type ExecutionReport, type Fill,
} from '../../domain/messages.js';
import { badLength, badValue } from './codec-error.js';
import { EXEC_STATUS, LIQUIDITY, REJECT_REASON, SIDE } from './enum-tables.js';
import {
  FINITE_RULE, NON_NEGATIVE_RULE, U16_RULE, U32_RULE, U64_RULE,
  isFiniteNumber, isMember, isNonNegativeFinite, isU16, isU32, isU64, readU64, writeU64,
} from './field-checks.js';
import type { MessageCodec } from './message-codec.js';
import { MessageType } from './message-types.js';

/**
 * Execution layouts: exchange actor -> order manager (ExecutionReport), and the fills the
 * order manager passes on to risk, strategies and the recorder. Byte maps: docs/codec.md.
 */

const EXECUTION_REPORT = 'ExecutionReport';
export const EXECUTION_REPORT_SIZE = 81;

export const executionReportCodec: MessageCodec<ExecutionReport, typeof EXECUTION_REPORT> = {
  type: MessageType.EXECUTION_REPORT,
  version: 1,
  name: EXECUTION_REPORT,
  size: () => EXECUTION_REPORT_SIZE,
  encode(view, o, m) {
    if (!isU64(m.orderId)) throw badValue(EXECUTION_REPORT, 'orderId', m.orderId, U64_RULE);
    if (!isU64(m.venueOrderId)) throw badValue(EXECUTION_REPORT, 'venueOrderId', m.venueOrderId, U64_RULE);
    if (!isNonNegativeFinite(m.cumQty)) throw badValue(EXECUTION_REPORT, 'cumQty', m.cumQty, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.avgPrice)) throw badValue(EXECUTION_REPORT, 'avgPrice', m.avgPrice, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.leavesQty)) throw badValue(EXECUTION_REPORT, 'leavesQty', m.leavesQty, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.lastQty)) throw badValue(EXECUTION_REPORT, 'lastQty', m.lastQty, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.lastPrice)) throw badValue(EXECUTION_REPORT, 'lastPrice', m.lastPrice, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.exchangeTsMs)) throw badValue(EXECUTION_REPORT, 'exchangeTsMs', m.exchangeTsMs, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.receiveTsUs)) throw badValue(EXECUTION_REPORT, 'receiveTsUs', m.receiveTsUs, NON_NEGATIVE_RULE);
    if (!isU32(m.instrument)) throw badValue(EXECUTION_REPORT, 'instrument', m.instrument, U32_RULE);
    if (!isU16(m.venue)) throw badValue(EXECUTION_REPORT, 'venue', m.venue, U16_RULE);
    if (!isMember(EXEC_STATUS.table, m.status)) throw badValue(EXECUTION_REPORT, 'status', m.status, EXEC_STATUS.rule);
    if (!isMember(SIDE.table, m.side)) throw badValue(EXECUTION_REPORT, 'side', m.side, SIDE.rule);
    if (!isMember(REJECT_REASON.table, m.rejectReason)) throw badValue(EXECUTION_REPORT, 'rejectReason', m.rejectReason, REJECT_REASON.rule);
    writeU64(view, o, m.orderId);
    writeU64(view, o + 8, m.venueOrderId);
    view.setFloat64(o + 16, m.cumQty, true);
    view.setFloat64(o + 24, m.avgPrice, true);
    view.setFloat64(o + 32, m.leavesQty, true);
    view.setFloat64(o + 40, m.lastQty, true);
    view.setFloat64(o + 48, m.lastPrice, true);
    view.setFloat64(o + 56, m.exchangeTsMs, true);
    view.setFloat64(o + 64, m.receiveTsUs, true);
    view.setUint32(o + 72, m.instrument, true);
    view.setUint16(o + 76, m.venue, true);
    view.setUint8(o + 78, m.status);
    view.setUint8(o + 79, m.side);
    view.setUint8(o + 80, m.rejectReason);
  },
  decode(view, o, length, out) {
    if (length !== EXECUTION_REPORT_SIZE) throw badLength(EXECUTION_REPORT, `exactly ${EXECUTION_REPORT_SIZE}`, length);
    const orderId = readU64(view, o, EXECUTION_REPORT, 'orderId');
    const venueOrderId = readU64(view, o + 8, EXECUTION_REPORT, 'venueOrderId');
    const cumQty = view.getFloat64(o + 16, true);
    if (!isNonNegativeFinite(cumQty)) throw badValue(EXECUTION_REPORT, 'cumQty', cumQty, NON_NEGATIVE_RULE);
    const avgPrice = view.getFloat64(o + 24, true);
    if (!isNonNegativeFinite(avgPrice)) throw badValue(EXECUTION_REPORT, 'avgPrice', avgPrice, NON_NEGATIVE_RULE);
    const leavesQty = view.getFloat64(o + 32, true);
    if (!isNonNegativeFinite(leavesQty)) throw badValue(EXECUTION_REPORT, 'leavesQty', leavesQty, NON_NEGATIVE_RULE);
    const lastQty = view.getFloat64(o + 40, true);
    if (!isNonNegativeFinite(lastQty)) throw badValue(EXECUTION_REPORT, 'lastQty', lastQty, NON_NEGATIVE_RULE);
    const lastPrice = view.getFloat64(o + 48, true);
    if (!isNonNegativeFinite(lastPrice)) throw badValue(EXECUTION_REPORT, 'lastPrice', lastPrice, NON_NEGATIVE_RULE);
    const exchangeTsMs = view.getFloat64(o + 56, true);
    if (!isNonNegativeFinite(exchangeTsMs)) throw badValue(EXECUTION_REPORT, 'exchangeTsMs', exchangeTsMs, NON_NEGATIVE_RULE);
    const receiveTsUs = view.getFloat64(o + 64, true);
    if (!isNonNegativeFinite(receiveTsUs)) throw badValue(EXECUTION_REPORT, 'receiveTsUs', receiveTsUs, NON_NEGATIVE_RULE);
    const status = view.getUint8(o + 78);
    if (!isMember(EXEC_STATUS.table, status)) throw badValue(EXECUTION_REPORT, 'status', status, EXEC_STATUS.rule);
    const side = view.getUint8(o + 79);
    if (!isMember(SIDE.table, side)) throw badValue(EXECUTION_REPORT, 'side', side, SIDE.rule);
    const rejectReason = view.getUint8(o + 80);
    if (!isMember(REJECT_REASON.table, rejectReason)) throw badValue(EXECUTION_REPORT, 'rejectReason', rejectReason, REJECT_REASON.rule);
    out.orderId = orderId;
    out.venueOrderId = venueOrderId;
    out.cumQty = cumQty;
    out.avgPrice = avgPrice;
    out.leavesQty = leavesQty;
    out.lastQty = lastQty;
    out.lastPrice = lastPrice;
    out.exchangeTsMs = exchangeTsMs;
    out.receiveTsUs = receiveTsUs;
    out.instrument = view.getUint32(o + 72, true);
    out.venue = view.getUint16(o + 76, true);
    out.status = status as ExecStatus;
    out.side = side as Side;
    out.rejectReason = rejectReason;
    return out;
  },
  create: () => ({
    orderId: 0, venueOrderId: 0, venue: 0, instrument: 0,
    status: ExecStatus.ACCEPTED, rejectReason: RejectReason.NONE, side: Side.BUY,
    cumQty: 0, avgPrice: 0, leavesQty: 0, lastQty: 0, lastPrice: 0, exchangeTsMs: 0, receiveTsUs: 0,
  }),
};

const FILL = 'Fill';
export const FILL_SIZE = 64;

export const fillCodec: MessageCodec<Fill, typeof FILL> = {
  type: MessageType.FILL,
  version: 1,
  name: FILL,
  size: () => FILL_SIZE,
  encode(view, o, m) {
    if (!isU64(m.orderId)) throw badValue(FILL, 'orderId', m.orderId, U64_RULE);
    if (!isU64(m.tradeId)) throw badValue(FILL, 'tradeId', m.tradeId, U64_RULE);
    if (!isNonNegativeFinite(m.price)) throw badValue(FILL, 'price', m.price, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.qty)) throw badValue(FILL, 'qty', m.qty, NON_NEGATIVE_RULE);
    // A negative fee is a maker rebate.
    if (!isFiniteNumber(m.fee)) throw badValue(FILL, 'fee', m.fee, FINITE_RULE);
    if (!isNonNegativeFinite(m.exchangeTsMs)) throw badValue(FILL, 'exchangeTsMs', m.exchangeTsMs, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.receiveTsUs)) throw badValue(FILL, 'receiveTsUs', m.receiveTsUs, NON_NEGATIVE_RULE);
    if (!isU32(m.instrument)) throw badValue(FILL, 'instrument', m.instrument, U32_RULE);
    if (!isU16(m.venue)) throw badValue(FILL, 'venue', m.venue, U16_RULE);
    if (!isMember(SIDE.table, m.side)) throw badValue(FILL, 'side', m.side, SIDE.rule);
    if (!isMember(LIQUIDITY.table, m.liquidity)) throw badValue(FILL, 'liquidity', m.liquidity, LIQUIDITY.rule);
    writeU64(view, o, m.orderId);
    writeU64(view, o + 8, m.tradeId);
    view.setFloat64(o + 16, m.price, true);
    view.setFloat64(o + 24, m.qty, true);
    view.setFloat64(o + 32, m.fee, true);
    view.setFloat64(o + 40, m.exchangeTsMs, true);
    view.setFloat64(o + 48, m.receiveTsUs, true);
    view.setUint32(o + 56, m.instrument, true);
    view.setUint16(o + 60, m.venue, true);
    view.setUint8(o + 62, m.side);
    view.setUint8(o + 63, m.liquidity);
  },
  decode(view, o, length, out) {
    if (length !== FILL_SIZE) throw badLength(FILL, `exactly ${FILL_SIZE}`, length);
    const orderId = readU64(view, o, FILL, 'orderId');
    const tradeId = readU64(view, o + 8, FILL, 'tradeId');
    const price = view.getFloat64(o + 16, true);
    if (!isNonNegativeFinite(price)) throw badValue(FILL, 'price', price, NON_NEGATIVE_RULE);
    const qty = view.getFloat64(o + 24, true);
    if (!isNonNegativeFinite(qty)) throw badValue(FILL, 'qty', qty, NON_NEGATIVE_RULE);
    const fee = view.getFloat64(o + 32, true);
    if (!isFiniteNumber(fee)) throw badValue(FILL, 'fee', fee, FINITE_RULE);
    const exchangeTsMs = view.getFloat64(o + 40, true);
    if (!isNonNegativeFinite(exchangeTsMs)) throw badValue(FILL, 'exchangeTsMs', exchangeTsMs, NON_NEGATIVE_RULE);
    const receiveTsUs = view.getFloat64(o + 48, true);
    if (!isNonNegativeFinite(receiveTsUs)) throw badValue(FILL, 'receiveTsUs', receiveTsUs, NON_NEGATIVE_RULE);
    const side = view.getUint8(o + 62);
    if (!isMember(SIDE.table, side)) throw badValue(FILL, 'side', side, SIDE.rule);
    const liquidity = view.getUint8(o + 63);
    if (!isMember(LIQUIDITY.table, liquidity)) throw badValue(FILL, 'liquidity', liquidity, LIQUIDITY.rule);
    out.orderId = orderId;
    out.tradeId = tradeId;
    out.price = price;
    out.qty = qty;
    out.fee = fee;
    out.exchangeTsMs = exchangeTsMs;
    out.receiveTsUs = receiveTsUs;
    out.instrument = view.getUint32(o + 56, true);
    out.venue = view.getUint16(o + 60, true);
    out.side = side as Side;
    out.liquidity = liquidity as Liquidity;
    return out;
  },
  create: () => ({
    orderId: 0, venue: 0, instrument: 0, side: Side.BUY, price: 0, qty: 0, fee: 0,
    liquidity: Liquidity.MAKER, tradeId: 0, exchangeTsMs: 0, receiveTsUs: 0,
  }),
};
