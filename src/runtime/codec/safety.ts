import {
  PanicKind, TradingState, TripSource, type RiskPanic, type TradingStateChange,
} from '../../domain/messages.js';
import { badLength, badValue } from './codec-error.js';
import { PANIC_KIND, TRADING_STATE, TRIP_SOURCE } from './enum-tables.js';
import {
  FINITE_RULE, NON_NEGATIVE_RULE, U16_RULE, U32_RULE, U64_RULE,
  isFiniteNumber, isMember, isNonNegativeFinite, isU16, isU32, isU64, readU64, writeU64,
} from './field-checks.js';
import type { MessageCodec } from './message-codec.js';
import { MessageType } from './message-types.js';

/**
 * Safety layouts: the kill switch's state transitions (the shared trading-state word is the
 * gate; these frames tell actors why and in what order it moved) and risk's panics to the
 * kill switch. Byte maps: docs/codec.md.
 */

const TRADING_STATE_CHANGE = 'TradingStateChange';
export const TRADING_STATE_CHANGE_SIZE = 19;

export const tradingStateChangeCodec: MessageCodec<TradingStateChange, typeof TRADING_STATE_CHANGE> = {
  type: MessageType.TRADING_STATE_CHANGE,
  version: 1,
  name: TRADING_STATE_CHANGE,
  size: () => TRADING_STATE_CHANGE_SIZE,
  encode(view, o, m) {
    if (!isU64(m.seq)) throw badValue(TRADING_STATE_CHANGE, 'seq', m.seq, U64_RULE);
    if (!isNonNegativeFinite(m.tsUs)) throw badValue(TRADING_STATE_CHANGE, 'tsUs', m.tsUs, NON_NEGATIVE_RULE);
    if (!isMember(TRADING_STATE.table, m.state)) throw badValue(TRADING_STATE_CHANGE, 'state', m.state, TRADING_STATE.rule);
    if (!isMember(TRADING_STATE.table, m.previous)) throw badValue(TRADING_STATE_CHANGE, 'previous', m.previous, TRADING_STATE.rule);
    if (!isMember(TRIP_SOURCE.table, m.source)) throw badValue(TRADING_STATE_CHANGE, 'source', m.source, TRIP_SOURCE.rule);
    writeU64(view, o, m.seq);
    view.setFloat64(o + 8, m.tsUs, true);
    view.setUint8(o + 16, m.state);
    view.setUint8(o + 17, m.previous);
    view.setUint8(o + 18, m.source);
  },
  decode(view, o, length, out) {
    if (length !== TRADING_STATE_CHANGE_SIZE) throw badLength(TRADING_STATE_CHANGE, `exactly ${TRADING_STATE_CHANGE_SIZE}`, length);
    const seq = readU64(view, o, TRADING_STATE_CHANGE, 'seq');
    const tsUs = view.getFloat64(o + 8, true);
    if (!isNonNegativeFinite(tsUs)) throw badValue(TRADING_STATE_CHANGE, 'tsUs', tsUs, NON_NEGATIVE_RULE);
    const state = view.getUint8(o + 16);
    if (!isMember(TRADING_STATE.table, state)) throw badValue(TRADING_STATE_CHANGE, 'state', state, TRADING_STATE.rule);
    const previous = view.getUint8(o + 17);
    if (!isMember(TRADING_STATE.table, previous)) throw badValue(TRADING_STATE_CHANGE, 'previous', previous, TRADING_STATE.rule);
    const source = view.getUint8(o + 18);
    if (!isMember(TRIP_SOURCE.table, source)) throw badValue(TRADING_STATE_CHANGE, 'source', source, TRIP_SOURCE.rule);
    out.seq = seq;
    out.tsUs = tsUs;
    out.state = state as TradingState;
    out.previous = previous as TradingState;
    out.source = source as TripSource;
    return out;
  },
  create: () => ({
    state: TradingState.HALTED, previous: TradingState.HALTED, source: TripSource.ADMIN, seq: 0, tsUs: 0,
  }),
};

const RISK_PANIC = 'RiskPanic';
export const RISK_PANIC_SIZE = 31;

export const riskPanicCodec: MessageCodec<RiskPanic, typeof RISK_PANIC> = {
  type: MessageType.RISK_PANIC,
  version: 1,
  name: RISK_PANIC,
  size: () => RISK_PANIC_SIZE,
  encode(view, o, m) {
    // value and threshold may be negative (a loss, a drawdown expressed as PnL).
    if (!isFiniteNumber(m.value)) throw badValue(RISK_PANIC, 'value', m.value, FINITE_RULE);
    if (!isFiniteNumber(m.threshold)) throw badValue(RISK_PANIC, 'threshold', m.threshold, FINITE_RULE);
    if (!isNonNegativeFinite(m.tsUs)) throw badValue(RISK_PANIC, 'tsUs', m.tsUs, NON_NEGATIVE_RULE);
    if (!isU32(m.instrument)) throw badValue(RISK_PANIC, 'instrument', m.instrument, U32_RULE);
    if (!isU16(m.venue)) throw badValue(RISK_PANIC, 'venue', m.venue, U16_RULE);
    if (!isMember(PANIC_KIND.table, m.kind)) throw badValue(RISK_PANIC, 'kind', m.kind, PANIC_KIND.rule);
    view.setFloat64(o, m.value, true);
    view.setFloat64(o + 8, m.threshold, true);
    view.setFloat64(o + 16, m.tsUs, true);
    view.setUint32(o + 24, m.instrument, true);
    view.setUint16(o + 28, m.venue, true);
    view.setUint8(o + 30, m.kind);
  },
  decode(view, o, length, out) {
    if (length !== RISK_PANIC_SIZE) throw badLength(RISK_PANIC, `exactly ${RISK_PANIC_SIZE}`, length);
    const value = view.getFloat64(o, true);
    if (!isFiniteNumber(value)) throw badValue(RISK_PANIC, 'value', value, FINITE_RULE);
    const threshold = view.getFloat64(o + 8, true);
    if (!isFiniteNumber(threshold)) throw badValue(RISK_PANIC, 'threshold', threshold, FINITE_RULE);
    const tsUs = view.getFloat64(o + 16, true);
    if (!isNonNegativeFinite(tsUs)) throw badValue(RISK_PANIC, 'tsUs', tsUs, NON_NEGATIVE_RULE);
    const kind = view.getUint8(o + 30);
    if (!isMember(PANIC_KIND.table, kind)) throw badValue(RISK_PANIC, 'kind', kind, PANIC_KIND.rule);
    out.value = value;
    out.threshold = threshold;
    out.tsUs = tsUs;
    out.instrument = view.getUint32(o + 24, true);
    out.venue = view.getUint16(o + 28, true);
    out.kind = kind as PanicKind;
    return out;
  },
  create: () => ({ kind: PanicKind.DRAWDOWN, venue: 0, instrument: 0, value: 0, threshold: 0, tsUs: 0 }),
};
