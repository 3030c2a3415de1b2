import { describe, expect, it } from 'vitest';
import {
  L2_MAX_LEVELS, OrderAction, OrderType, Side, TimeInForce, TradingState, TripSource,
  type BookTop, type OrderCommand, type Trade,
} from '../../src/domain/messages.js';
import { CodecError, type FrameErrorReason } from '../../src/runtime/codec/codec-error.js';
import { CONTROL_MAX_BYTES, CONTROL_TYPE, CONTROL_VERSION } from '../../src/runtime/codec/control-frame.js';
import { FrameDecoder } from '../../src/runtime/codec/frame-decoder.js';
import { bookTopCodec, l2DeltaCodec, tradeCodec } from '../../src/runtime/codec/market-data.js';
import { MessageType } from '../../src/runtime/codec/message-types.js';
import { orderCommandCodec } from '../../src/runtime/codec/orders.js';
import { tradingStateChangeCodec } from '../../src/runtime/codec/safety.js';

const book = (): BookTop => ({
  venue: 1, instrument: 7, updateId: 1001, bidPrice: 100, bidQty: 1, askPrice: 101, askQty: 2,
  exchangeTsMs: 1.7e12, receiveTsUs: 1.7e15,
});
const trade = (): Trade => ({
  venue: 1, instrument: 7, tradeId: 55, price: 100.5, qty: 0.25, aggressor: Side.BUY, exchangeTsMs: 1.7e12, receiveTsUs: 1.7e15,
});

function freshView(bytes = 256 * 1024): DataView {
  return new DataView(new SharedArrayBuffer(bytes));
}

/** Decodes and expects a refusal with `reason`, counted once, whose message contains every fragment. */
function expectRejected(decoder: FrameDecoder, args: [number, number, DataView, number, number], reason: FrameErrorReason, ...fragments: string[]): void {
  const before = decoder.rejected(reason);
  const total = decoder.rejected();
  expect(decoder.decode(...args)).toBeNull();
  expect(decoder.rejected(reason)).toBe(before + 1);
  expect(decoder.rejected()).toBe(total + 1);
  const error = decoder.lastError;
  expect(error).toBeInstanceOf(CodecError);
  expect(error!.reason).toBe(reason);
  for (const fragment of fragments) expect(error!.message).toContain(fragment);
}

describe('FrameDecoder refuses bad frames with a counted, explained error', () => {
  it('unknown type names the type, version, length and the known types', () => {
    const d = new FrameDecoder();
    expectRejected(d, [0x0999, 1, freshView(), 0, 10], 'unknown-type', 'unknown frame type 0x0999', 'version 1', 'length 10', '0x0101 BookTop');
  });

  it('unknown version names the message, the version got and the versions known', () => {
    const d = new FrameDecoder();
    const view = freshView();
    bookTopCodec.encode(view, 0, book());
    expectRejected(d, [MessageType.BOOK_TOP, 2, view, 0, 62], 'unknown-version', 'BookTop (type 0x0101)', 'unknown version 2', 'knows version 1');
  });

  it('short and long lengths of a fixed message', () => {
    const d = new FrameDecoder();
    const view = freshView();
    bookTopCodec.encode(view, 0, book());
    expectRejected(d, [MessageType.BOOK_TOP, 1, view, 0, 61], 'bad-length', 'frame type 0x0101 version 1 length 61', 'BookTop: payload length must be exactly 62 bytes, got 61');
    expectRejected(d, [MessageType.BOOK_TOP, 1, view, 0, 63], 'bad-length', 'must be exactly 62 bytes, got 63');
    expectRejected(d, [MessageType.BOOK_TOP, 1, view, 0, 0], 'bad-length', 'got 0');
  });

  it('a payload reaching past the buffer', () => {
    const d = new FrameDecoder();
    const view = freshView(128);
    expectRejected(d, [MessageType.BOOK_TOP, 1, view, 100, 62], 'bad-length', 'offset 100 with length 62 lies outside the 128-byte buffer');
    expectRejected(d, [MessageType.BOOK_TOP, 1, view, -1, 62], 'bad-length', 'offset -1');
  });

  it('an enum out of range (Trade.aggressor = 3, TradingStateChange.state = 9)', () => {
    const d = new FrameDecoder();
    const view = freshView();
    tradeCodec.encode(view, 0, trade());
    view.setUint8(46, 3);
    expectRejected(d, [MessageType.TRADE, 1, view, 0, 47], 'bad-value', 'Trade.aggressor must be one of 1, 2, got 3');
    tradingStateChangeCodec.encode(view, 0, { state: TradingState.ACTIVE, previous: TradingState.PAUSED, source: TripSource.ADMIN, seq: 1, tsUs: 1 });
    view.setUint8(16, 9);
    expectRejected(d, [MessageType.TRADING_STATE_CHANGE, 1, view, 0, 19], 'bad-value', 'TradingStateChange.state must be one of 0, 1, 2, 3, got 9');
  });

  it('NaN, Infinity and negative prices and quantities', () => {
    const d = new FrameDecoder();
    const view = freshView();
    for (const [offset, field, bad] of [[8, 'bidPrice', NaN], [16, 'bidQty', Infinity], [24, 'askPrice', -Infinity], [32, 'askQty', -1]] as const) {
      bookTopCodec.encode(view, 0, book());
      view.setFloat64(offset, bad, true);
      expectRejected(d, [MessageType.BOOK_TOP, 1, view, 0, 62], 'bad-value', `BookTop.${field} must be a finite number >= 0, got ${bad}`);
    }
  });

  it('an id beyond 2^53 - 1', () => {
    const d = new FrameDecoder();
    const view = freshView();
    bookTopCodec.encode(view, 0, book());
    view.setUint32(4, 0x200000, true);
    expectRejected(d, [MessageType.BOOK_TOP, 1, view, 0, 62], 'bad-value', 'BookTop.updateId must be an integer in [0, 2^53 - 1]', 'high word 0x200000');
  });

  it('L2Delta: levelCount above L2_MAX_LEVELS, length not matching levelCount, bad level side, ids out of order', () => {
    const d = new FrameDecoder();
    const view = freshView();
    const msg = l2DeltaCodec.create();
    Object.assign(msg, { firstUpdateId: 5, lastUpdateId: 9, levelCount: 2, exchangeTsMs: 1, receiveTsUs: 2 });
    msg.sides.set([Side.BUY, Side.SELL]);
    msg.prices.set([10, 11]);
    msg.quantities.set([1, 0]);
    l2DeltaCodec.encode(view, 0, msg);

    view.setUint16(38, L2_MAX_LEVELS + 1, true);
    const tooMany = 40 + 17 * (L2_MAX_LEVELS + 1);
    expectRejected(d, [MessageType.L2_DELTA, 1, view, 0, tooMany], 'bad-value', `L2Delta.levelCount must be an integer in [0, ${L2_MAX_LEVELS}]`, `got ${L2_MAX_LEVELS + 1}`);

    view.setUint16(38, 2, true);
    expectRejected(d, [MessageType.L2_DELTA, 1, view, 0, 40 + 17 * 3], 'bad-length', 'must be 40 + 17 * levelCount = 74 for levelCount 2 bytes, got 91');
    expectRejected(d, [MessageType.L2_DELTA, 1, view, 0, 39], 'bad-length', 'at least 40 bytes, got 39');

    view.setUint8(40 + 16 * 2 + 1, 0);
    expectRejected(d, [MessageType.L2_DELTA, 1, view, 0, 74], 'bad-value', 'L2Delta.sides[1] must be one of 1, 2, got 0');
    view.setUint8(40 + 16 * 2 + 1, Side.SELL);
    view.setFloat64(48, NaN, true);
    expectRejected(d, [MessageType.L2_DELTA, 1, view, 0, 74], 'bad-value', 'L2Delta.prices[1] must be a finite number >= 0, got NaN');
    view.setFloat64(48, 11, true);

    view.setUint32(0, 10, true);
    expectRejected(d, [MessageType.L2_DELTA, 1, view, 0, 74], 'bad-value', 'L2Delta.firstUpdateId must be <= lastUpdateId (9), got 10');
    view.setUint32(0, 5, true);
    expect(d.decode(MessageType.L2_DELTA, 1, view, 0, 74)?.kind).toBe('L2Delta');
  });

  it('control frame: invalid JSON, invalid UTF-8, empty, oversize', () => {
    const d = new FrameDecoder();
    const view = freshView();
    const bytes = new Uint8Array(view.buffer);
    const text = new TextEncoder().encode('{"cmd":');
    bytes.set(text);
    expectRejected(d, [CONTROL_TYPE, CONTROL_VERSION, view, 0, text.length], 'bad-json', 'frame type 0x7f01 version 1 length 7', 'Control: payload is not valid JSON');
    bytes.set([0x7b, 0xff, 0xfe, 0x7d]);
    expectRejected(d, [CONTROL_TYPE, CONTROL_VERSION, view, 0, 4], 'bad-utf8', 'Control: payload of 4 bytes is not valid UTF-8');
    expectRejected(d, [CONTROL_TYPE, CONTROL_VERSION, view, 0, 0], 'bad-json', 'payload is empty');
    expectRejected(d, [CONTROL_TYPE, CONTROL_VERSION, view, 0, CONTROL_MAX_BYTES + 1], 'bad-length', `Control: payload length must be at most ${CONTROL_MAX_BYTES} bytes, got ${CONTROL_MAX_BYTES + 1}`);
  });

  it('keeps per-reason counters, keeps decoding after refusals, and leaves the last good message intact', () => {
    const d = new FrameDecoder({ controlMaxBytes: 64 });
    const view = freshView();
    const good = book();
    bookTopCodec.encode(view, 0, good);
    const first = d.decode(MessageType.BOOK_TOP, 1, view, 0, 62);
    expect(first).toEqual({ kind: 'BookTop', message: good });

    // A refused BookTop whose first fields are valid: the refusal must not half-overwrite the reused message.
    bookTopCodec.encode(view, 100, { ...good, updateId: 999, bidPrice: 1, receiveTsUs: 5 });
    view.setUint16(100 + 60, 0, true);
    view.setFloat64(100 + 32, NaN, true);
    expect(d.decode(MessageType.BOOK_TOP, 1, view, 100, 62)).toBeNull();
    expect(first!.message).toEqual(good);

    d.decode(0x0999, 1, view, 0, 1);
    d.decode(0x0998, 1, view, 0, 1);
    d.decode(MessageType.TRADE, 7, view, 0, 47);
    d.decode(MessageType.BOOK_TOP, 1, view, 0, 61);
    d.decode(CONTROL_TYPE, CONTROL_VERSION, view, 0, 65);
    expect(d.rejections()).toEqual({
      'unknown-type': 2, 'unknown-version': 1, 'bad-length': 2, 'bad-value': 1,
      'bad-utf8': 0, 'bad-json': 0, 'decoder-failure': 0,
    });
    expect(d.rejected()).toBe(6);
    expect(d.decode(MessageType.BOOK_TOP, 1, view, 0, 62)).toBe(first);
  });

  it('a refused L2Delta leaves the previous levels in place (levels are checked before any is copied)', () => {
    const view = freshView();
    const msg = l2DeltaCodec.create();
    Object.assign(msg, { firstUpdateId: 1, lastUpdateId: 1, levelCount: 8, exchangeTsMs: 1, receiveTsUs: 2 });
    for (let i = 0; i < 8; i++) {
      msg.sides[i] = Side.SELL;
      msg.prices[i] = 100 + i;
      msg.quantities[i] = 1 + i;
    }
    l2DeltaCodec.encode(view, 0, msg);
    const out = l2DeltaCodec.decode(view, 0, l2DeltaCodec.size(msg), l2DeltaCodec.create());
    const snapshot = { prices: Array.from(out.prices), quantities: Array.from(out.quantities), sides: Array.from(out.sides), levelCount: out.levelCount };
    for (let i = 0; i < 8; i++) msg.prices[i] = 200 + i;
    l2DeltaCodec.encode(view, 0, msg);
    view.setFloat64(40 + 8 * 8 + 8 * 7, NaN, true); // the last level's quantity
    expect(() => l2DeltaCodec.decode(view, 0, l2DeltaCodec.size(msg), out)).toThrow('L2Delta.quantities[7] must be a finite number >= 0, got NaN');
    expect({ prices: Array.from(out.prices), quantities: Array.from(out.quantities), sides: Array.from(out.sides), levelCount: out.levelCount }).toEqual(snapshot);
  });

  it('decodes a control frame to its JSON value', () => {
    const d = new FrameDecoder();
    const view = freshView();
    const json = new TextEncoder().encode('{"cmd":"reload","args":{"ids":[1,2]},"note":"é✓"}');
    new Uint8Array(view.buffer).set(json, 8);
    const frame = d.decode(CONTROL_TYPE, CONTROL_VERSION, view, 8, json.length);
    expect(frame).toEqual({ kind: 'Control', message: { cmd: 'reload', args: { ids: [1, 2] }, note: 'é✓' } });
  });
});

describe('encoders refuse bad messages before writing anything', () => {
  const untouched = (write: (view: DataView) => void) => {
    const view = new DataView(new ArrayBuffer(128));
    expect(() => write(view)).toThrow(CodecError);
    expect(new Uint8Array(view.buffer).every((b) => b === 0)).toBe(true);
  };

  it('NaN price, non-integer venue, enum out of range, unsafe id', () => {
    untouched((v) => bookTopCodec.encode(v, 0, { ...book(), askQty: NaN }));
    expect(() => bookTopCodec.encode(new DataView(new ArrayBuffer(64)), 0, { ...book(), askQty: NaN })).toThrow('BookTop.askQty must be a finite number >= 0, got NaN');
    expect(() => bookTopCodec.encode(new DataView(new ArrayBuffer(64)), 0, { ...book(), venue: 1.5 })).toThrow('BookTop.venue must be an integer in [0, 65535], got 1.5');
    expect(() => bookTopCodec.encode(new DataView(new ArrayBuffer(64)), 0, { ...book(), venue: 70000 })).toThrow('got 70000');
    expect(() => bookTopCodec.encode(new DataView(new ArrayBuffer(64)), 0, { ...book(), updateId: 2 ** 53 })).toThrow('BookTop.updateId must be an integer in [0, 2^53 - 1]');
    untouched((v) => tradeCodec.encode(v, 0, { ...trade(), aggressor: 7 as Side }));
    expect(() => tradeCodec.encode(new DataView(new ArrayBuffer(64)), 0, { ...trade(), aggressor: 7 as Side })).toThrow('Trade.aggressor must be one of 1, 2, got 7');
  });

  it('L2Delta with more levels than L2_MAX_LEVELS or than its arrays hold', () => {
    const msg = l2DeltaCodec.create();
    msg.levelCount = L2_MAX_LEVELS + 1;
    expect(() => l2DeltaCodec.encode(new DataView(new ArrayBuffer(4096)), 0, msg)).toThrow(`L2Delta.levelCount must be an integer in [0, ${L2_MAX_LEVELS}]`);
    const short = { ...l2DeltaCodec.create(), levelCount: 3, sides: new Uint8Array(2) };
    expect(() => l2DeltaCodec.encode(new DataView(new ArrayBuffer(4096)), 0, short)).toThrow('<= the length of sides (2)');
  });

  it('OrderCommand: a SUBMIT needs side, type and time in force; a CANCEL may leave them 0', () => {
    const submit: OrderCommand = {
      action: OrderAction.SUBMIT, orderId: 1, venue: 0, instrument: 0, side: 0 as Side, type: OrderType.LIMIT,
      timeInForce: TimeInForce.GTC, reduceOnly: 0, price: 1, qty: 1, createdTsUs: 1,
    };
    untouched((v) => orderCommandCodec.encode(v, 0, submit));
    expect(() => orderCommandCodec.encode(new DataView(new ArrayBuffer(64)), 0, submit)).toThrow('OrderCommand.side must be one of 1, 2 (0 = not applicable is allowed only when action is not SUBMIT), got 0');
    const cancel: OrderCommand = { ...submit, action: OrderAction.CANCEL, type: 0 as OrderType, timeInForce: 0 as TimeInForce };
    const view = new DataView(new ArrayBuffer(64));
    orderCommandCodec.encode(view, 0, cancel);
    expect(orderCommandCodec.decode(view, 0, 43, orderCommandCodec.create())).toEqual(cancel);
    expect(() => orderCommandCodec.encode(view, 0, { ...submit, side: Side.BUY, reduceOnly: 2 })).toThrow('OrderCommand.reduceOnly must be 0 or 1, got 2');
  });
});
