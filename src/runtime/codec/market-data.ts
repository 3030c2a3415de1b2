import { L2_MAX_LEVELS, Side, type BookTop, type L2Delta, type Trade } from '../../domain/messages.js';
import { badLength, badValue } from './codec-error.js';
import { SIDE } from './enum-tables.js';
import {
  NON_NEGATIVE_RULE, U16_RULE, U32_RULE, U64_RULE, isMember, isNonNegativeFinite, isU16, isU32, isU64, readU64, writeU64,
} from './field-checks.js';
import type { MessageCodec } from './message-codec.js';
import { MessageType } from './message-types.js';

/**
 * Market-data layouts: exchange actor -> strategies, risk, recorder. The busiest frames of
 * all, so fields are ordered widest first (8-byte fields on 8-byte offsets) and nothing is
 * padded at the end: the ring aligns every frame to 8 anyway. Byte maps: docs/codec.md.
 */

const BOOK_TOP = 'BookTop';
export const BOOK_TOP_SIZE = 62;

export const bookTopCodec: MessageCodec<BookTop, typeof BOOK_TOP> = {
  type: MessageType.BOOK_TOP,
  version: 1,
  name: BOOK_TOP,
  size: () => BOOK_TOP_SIZE,
  encode(view, o, m) {
    if (!isU64(m.updateId)) throw badValue(BOOK_TOP, 'updateId', m.updateId, U64_RULE);
    if (!isNonNegativeFinite(m.bidPrice)) throw badValue(BOOK_TOP, 'bidPrice', m.bidPrice, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.bidQty)) throw badValue(BOOK_TOP, 'bidQty', m.bidQty, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.askPrice)) throw badValue(BOOK_TOP, 'askPrice', m.askPrice, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.askQty)) throw badValue(BOOK_TOP, 'askQty', m.askQty, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.exchangeTsMs)) throw badValue(BOOK_TOP, 'exchangeTsMs', m.exchangeTsMs, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.receiveTsUs)) throw badValue(BOOK_TOP, 'receiveTsUs', m.receiveTsUs, NON_NEGATIVE_RULE);
    if (!isU32(m.instrument)) throw badValue(BOOK_TOP, 'instrument', m.instrument, U32_RULE);
    if (!isU16(m.venue)) throw badValue(BOOK_TOP, 'venue', m.venue, U16_RULE);
    writeU64(view, o, m.updateId);
    view.setFloat64(o + 8, m.bidPrice, true);
    view.setFloat64(o + 16, m.bidQty, true);
    view.setFloat64(o + 24, m.askPrice, true);
    view.setFloat64(o + 32, m.askQty, true);
    view.setFloat64(o + 40, m.exchangeTsMs, true);
    view.setFloat64(o + 48, m.receiveTsUs, true);
    view.setUint32(o + 56, m.instrument, true);
    view.setUint16(o + 60, m.venue, true);
  },
  decode(view, o, length, out) {
    if (length !== BOOK_TOP_SIZE) throw badLength(BOOK_TOP, `exactly ${BOOK_TOP_SIZE}`, length);
    const updateId = readU64(view, o, BOOK_TOP, 'updateId');
    const bidPrice = view.getFloat64(o + 8, true);
    if (!isNonNegativeFinite(bidPrice)) throw badValue(BOOK_TOP, 'bidPrice', bidPrice, NON_NEGATIVE_RULE);
    const bidQty = view.getFloat64(o + 16, true);
    if (!isNonNegativeFinite(bidQty)) throw badValue(BOOK_TOP, 'bidQty', bidQty, NON_NEGATIVE_RULE);
    const askPrice = view.getFloat64(o + 24, true);
    if (!isNonNegativeFinite(askPrice)) throw badValue(BOOK_TOP, 'askPrice', askPrice, NON_NEGATIVE_RULE);
    const askQty = view.getFloat64(o + 32, true);
    if (!isNonNegativeFinite(askQty)) throw badValue(BOOK_TOP, 'askQty', askQty, NON_NEGATIVE_RULE);
    const exchangeTsMs = view.getFloat64(o + 40, true);
    if (!isNonNegativeFinite(exchangeTsMs)) throw badValue(BOOK_TOP, 'exchangeTsMs', exchangeTsMs, NON_NEGATIVE_RULE);
    const receiveTsUs = view.getFloat64(o + 48, true);
    if (!isNonNegativeFinite(receiveTsUs)) throw badValue(BOOK_TOP, 'receiveTsUs', receiveTsUs, NON_NEGATIVE_RULE);
    out.updateId = updateId;
    out.bidPrice = bidPrice;
    out.bidQty = bidQty;
    out.askPrice = askPrice;
    out.askQty = askQty;
    out.exchangeTsMs = exchangeTsMs;
    out.receiveTsUs = receiveTsUs;
    out.instrument = view.getUint32(o + 56, true);
    out.venue = view.getUint16(o + 60, true);
    return out;
  },
  create: () => ({
    venue: 0, instrument: 0, updateId: 0,
    bidPrice: 0, bidQty: 0, askPrice: 0, askQty: 0, exchangeTsMs: 0, receiveTsUs: 0,
  }),
};

const L2_DELTA = 'L2Delta';
/** Bytes before the level arrays. */
export const L2_DELTA_HEADER_SIZE = 40;
/** Per level: price f64 + quantity f64 + side u8, stored as three arrays (prices, quantities, sides). */
export const L2_DELTA_LEVEL_SIZE = 17;
export const l2DeltaSize = (levelCount: number): number => L2_DELTA_HEADER_SIZE + L2_DELTA_LEVEL_SIZE * levelCount;
const L2_LENGTH_RULE = `${L2_DELTA_HEADER_SIZE} + ${L2_DELTA_LEVEL_SIZE} * levelCount`;
const LEVEL_COUNT_RULE = `an integer in [0, ${L2_MAX_LEVELS}] (L2_MAX_LEVELS)`;

export const l2DeltaCodec: MessageCodec<L2Delta, typeof L2_DELTA> = {
  type: MessageType.L2_DELTA,
  version: 1,
  name: L2_DELTA,
  size: (m) => l2DeltaSize(m.levelCount),
  encode(view, o, m) {
    const n = m.levelCount;
    if (!(isU16(n) && n <= L2_MAX_LEVELS)) throw badValue(L2_DELTA, 'levelCount', n, LEVEL_COUNT_RULE);
    if (m.sides.length < n || m.prices.length < n || m.quantities.length < n) {
      throw badValue(L2_DELTA, 'levelCount', n, `<= the length of sides (${m.sides.length}), prices (${m.prices.length}) and quantities (${m.quantities.length})`);
    }
    if (!isU64(m.firstUpdateId)) throw badValue(L2_DELTA, 'firstUpdateId', m.firstUpdateId, U64_RULE);
    if (!isU64(m.lastUpdateId)) throw badValue(L2_DELTA, 'lastUpdateId', m.lastUpdateId, U64_RULE);
    if (m.firstUpdateId > m.lastUpdateId) throw badValue(L2_DELTA, 'firstUpdateId', m.firstUpdateId, `<= lastUpdateId (${m.lastUpdateId})`);
    if (!isNonNegativeFinite(m.exchangeTsMs)) throw badValue(L2_DELTA, 'exchangeTsMs', m.exchangeTsMs, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.receiveTsUs)) throw badValue(L2_DELTA, 'receiveTsUs', m.receiveTsUs, NON_NEGATIVE_RULE);
    if (!isU32(m.instrument)) throw badValue(L2_DELTA, 'instrument', m.instrument, U32_RULE);
    if (!isU16(m.venue)) throw badValue(L2_DELTA, 'venue', m.venue, U16_RULE);
    for (let i = 0; i < n; i++) {
      if (!isMember(SIDE.table, m.sides[i]!)) throw badValue(L2_DELTA, `sides[${i}]`, m.sides[i]!, SIDE.rule);
      if (!isNonNegativeFinite(m.prices[i]!)) throw badValue(L2_DELTA, `prices[${i}]`, m.prices[i]!, NON_NEGATIVE_RULE);
      if (!isNonNegativeFinite(m.quantities[i]!)) throw badValue(L2_DELTA, `quantities[${i}]`, m.quantities[i]!, NON_NEGATIVE_RULE);
    }
    writeU64(view, o, m.firstUpdateId);
    writeU64(view, o + 8, m.lastUpdateId);
    view.setFloat64(o + 16, m.exchangeTsMs, true);
    view.setFloat64(o + 24, m.receiveTsUs, true);
    view.setUint32(o + 32, m.instrument, true);
    view.setUint16(o + 36, m.venue, true);
    view.setUint16(o + 38, n, true);
    const prices = o + L2_DELTA_HEADER_SIZE;
    const quantities = prices + 8 * n;
    const sides = quantities + 8 * n;
    for (let i = 0; i < n; i++) {
      view.setFloat64(prices + 8 * i, m.prices[i]!, true);
      view.setFloat64(quantities + 8 * i, m.quantities[i]!, true);
      view.setUint8(sides + i, m.sides[i]!);
    }
  },
  decode(view, o, length, out) {
    if (length < L2_DELTA_HEADER_SIZE) throw badLength(L2_DELTA, `at least ${L2_DELTA_HEADER_SIZE}`, length);
    const n = view.getUint16(o + 38, true);
    if (n > L2_MAX_LEVELS) throw badValue(L2_DELTA, 'levelCount', n, LEVEL_COUNT_RULE);
    if (length !== l2DeltaSize(n)) throw badLength(L2_DELTA, `${L2_LENGTH_RULE} = ${l2DeltaSize(n)} for levelCount ${n}`, length);
    if (out.sides.length < n || out.prices.length < n || out.quantities.length < n) {
      throw badValue(L2_DELTA, 'levelCount', n, `<= the capacity of the output arrays (${Math.min(out.sides.length, out.prices.length, out.quantities.length)}); make the output with l2DeltaCodec.create()`);
    }
    const firstUpdateId = readU64(view, o, L2_DELTA, 'firstUpdateId');
    const lastUpdateId = readU64(view, o + 8, L2_DELTA, 'lastUpdateId');
    if (firstUpdateId > lastUpdateId) throw badValue(L2_DELTA, 'firstUpdateId', firstUpdateId, `<= lastUpdateId (${lastUpdateId})`);
    const exchangeTsMs = view.getFloat64(o + 16, true);
    if (!isNonNegativeFinite(exchangeTsMs)) throw badValue(L2_DELTA, 'exchangeTsMs', exchangeTsMs, NON_NEGATIVE_RULE);
    const receiveTsUs = view.getFloat64(o + 24, true);
    if (!isNonNegativeFinite(receiveTsUs)) throw badValue(L2_DELTA, 'receiveTsUs', receiveTsUs, NON_NEGATIVE_RULE);
    const prices = o + L2_DELTA_HEADER_SIZE;
    const quantities = prices + 8 * n;
    const sides = quantities + 8 * n;
    // Validate every level before copying any, so a refused frame leaves `out` as it was.
    for (let i = 0; i < n; i++) {
      const side = view.getUint8(sides + i);
      if (!isMember(SIDE.table, side)) throw badValue(L2_DELTA, `sides[${i}]`, side, SIDE.rule);
      const price = view.getFloat64(prices + 8 * i, true);
      if (!isNonNegativeFinite(price)) throw badValue(L2_DELTA, `prices[${i}]`, price, NON_NEGATIVE_RULE);
      const quantity = view.getFloat64(quantities + 8 * i, true);
      if (!isNonNegativeFinite(quantity)) throw badValue(L2_DELTA, `quantities[${i}]`, quantity, NON_NEGATIVE_RULE);
    }
    for (let i = 0; i < n; i++) {
      out.sides[i] = view.getUint8(sides + i);
      out.prices[i] = view.getFloat64(prices + 8 * i, true);
      out.quantities[i] = view.getFloat64(quantities + 8 * i, true);
    }
    out.firstUpdateId = firstUpdateId;
    out.lastUpdateId = lastUpdateId;
    out.exchangeTsMs = exchangeTsMs;
    out.receiveTsUs = receiveTsUs;
    out.instrument = view.getUint32(o + 32, true);
    out.venue = view.getUint16(o + 36, true);
    out.levelCount = n;
    return out;
  },
  create: () => ({
    venue: 0, instrument: 0, firstUpdateId: 0, lastUpdateId: 0, exchangeTsMs: 0, receiveTsUs: 0,
    levelCount: 0,
    sides: new Uint8Array(L2_MAX_LEVELS),
    prices: new Float64Array(L2_MAX_LEVELS),
    quantities: new Float64Array(L2_MAX_LEVELS),
  }),
};

const TRADE = 'Trade';
export const TRADE_SIZE = 47;

export const tradeCodec: MessageCodec<Trade, typeof TRADE> = {
  type: MessageType.TRADE,
  version: 1,
  name: TRADE,
  size: () => TRADE_SIZE,
  encode(view, o, m) {
    if (!isU64(m.tradeId)) throw badValue(TRADE, 'tradeId', m.tradeId, U64_RULE);
    if (!isNonNegativeFinite(m.price)) throw badValue(TRADE, 'price', m.price, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.qty)) throw badValue(TRADE, 'qty', m.qty, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.exchangeTsMs)) throw badValue(TRADE, 'exchangeTsMs', m.exchangeTsMs, NON_NEGATIVE_RULE);
    if (!isNonNegativeFinite(m.receiveTsUs)) throw badValue(TRADE, 'receiveTsUs', m.receiveTsUs, NON_NEGATIVE_RULE);
    if (!isU32(m.instrument)) throw badValue(TRADE, 'instrument', m.instrument, U32_RULE);
    if (!isU16(m.venue)) throw badValue(TRADE, 'venue', m.venue, U16_RULE);
    if (!isMember(SIDE.table, m.aggressor)) throw badValue(TRADE, 'aggressor', m.aggressor, SIDE.rule);
    writeU64(view, o, m.tradeId);
    view.setFloat64(o + 8, m.price, true);
    view.setFloat64(o + 16, m.qty, true);
    view.setFloat64(o + 24, m.exchangeTsMs, true);
    view.setFloat64(o + 32, m.receiveTsUs, true);
    view.setUint32(o + 40, m.instrument, true);
    view.setUint16(o + 44, m.venue, true);
    view.setUint8(o + 46, m.aggressor);
  },
  decode(view, o, length, out) {
    if (length !== TRADE_SIZE) throw badLength(TRADE, `exactly ${TRADE_SIZE}`, length);
    const tradeId = readU64(view, o, TRADE, 'tradeId');
    const price = view.getFloat64(o + 8, true);
    if (!isNonNegativeFinite(price)) throw badValue(TRADE, 'price', price, NON_NEGATIVE_RULE);
    const qty = view.getFloat64(o + 16, true);
    if (!isNonNegativeFinite(qty)) throw badValue(TRADE, 'qty', qty, NON_NEGATIVE_RULE);
    const exchangeTsMs = view.getFloat64(o + 24, true);
    if (!isNonNegativeFinite(exchangeTsMs)) throw badValue(TRADE, 'exchangeTsMs', exchangeTsMs, NON_NEGATIVE_RULE);
    const receiveTsUs = view.getFloat64(o + 32, true);
    if (!isNonNegativeFinite(receiveTsUs)) throw badValue(TRADE, 'receiveTsUs', receiveTsUs, NON_NEGATIVE_RULE);
    const aggressor = view.getUint8(o + 46);
    if (!isMember(SIDE.table, aggressor)) throw badValue(TRADE, 'aggressor', aggressor, SIDE.rule);
    out.tradeId = tradeId;
    out.price = price;
    out.qty = qty;
    out.exchangeTsMs = exchangeTsMs;
    out.receiveTsUs = receiveTsUs;
    out.instrument = view.getUint32(o + 40, true);
    out.venue = view.getUint16(o + 44, true);
    out.aggressor = aggressor as Side;
    return out;
  },
  create: () => ({
    venue: 0, instrument: 0, tradeId: 0, price: 0, qty: 0,
    aggressor: Side.BUY, exchangeTsMs: 0, receiveTsUs: 0,
  }),
};
