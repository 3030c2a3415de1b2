import { describe, expect, it } from 'vitest';
import {
  ExecStatus, L2_MAX_LEVELS, Liquidity, OrderAction, OrderType, PanicKind, RejectReason, Side, TimeInForce,
  TradingState, TripSource,
} from '../../src/domain/messages.js';
import { executionReportCodec, fillCodec } from '../../src/runtime/codec/execution.js';
import { bookTopCodec, l2DeltaCodec, tradeCodec } from '../../src/runtime/codec/market-data.js';
import type { MessageCodec } from '../../src/runtime/codec/message-codec.js';
import { orderCommandCodec, orderIntentCodec } from '../../src/runtime/codec/orders.js';
import { HOT_MESSAGE_CODECS, assertDistinctLayouts } from '../../src/runtime/codec/registry.js';
import { CONTROL_TYPE } from '../../src/runtime/codec/control-frame.js';
import { riskPanicCodec, tradingStateChangeCodec } from '../../src/runtime/codec/safety.js';

/**
 * The byte maps of docs/codec.md, restated as data. A layout change that is not also made
 * here (and given a new version) fails these tests: that is their purpose.
 */
type Kind = 'u8' | 'u16' | 'u32' | 'u64' | 'f64';
const WIDTH: Record<Kind, number> = { u8: 1, u16: 2, u32: 4, u64: 8, f64: 8 };

interface Layout {
  codec: MessageCodec<any>;
  type: number;
  version: number;
  size: number;
  /** [field, offset, kind] in byte order. */
  fields: [string, number, Kind][];
  /** A message whose fields all differ, so a swapped pair of offsets shows. */
  sample: Record<string, number>;
}

const LAYOUTS: Layout[] = [
  {
    codec: bookTopCodec, type: 0x0101, version: 1, size: 62,
    fields: [['updateId', 0, 'u64'], ['bidPrice', 8, 'f64'], ['bidQty', 16, 'f64'], ['askPrice', 24, 'f64'], ['askQty', 32, 'f64'],
      ['exchangeTsMs', 40, 'f64'], ['receiveTsUs', 48, 'f64'], ['instrument', 56, 'u32'], ['venue', 60, 'u16']],
    sample: { updateId: 2 ** 40 + 1, bidPrice: 100.5, bidQty: 2.25, askPrice: 100.75, askQty: 3.5, exchangeTsMs: 1.7e12, receiveTsUs: 1.7e15 + 0.5, instrument: 70000, venue: 300 },
  },
  {
    codec: tradeCodec, type: 0x0103, version: 1, size: 47,
    fields: [['tradeId', 0, 'u64'], ['price', 8, 'f64'], ['qty', 16, 'f64'], ['exchangeTsMs', 24, 'f64'], ['receiveTsUs', 32, 'f64'],
      ['instrument', 40, 'u32'], ['venue', 44, 'u16'], ['aggressor', 46, 'u8']],
    sample: { tradeId: 2 ** 45 + 7, price: 65000.5, qty: 0.125, exchangeTsMs: 1.7e12, receiveTsUs: 1.7e15 + 0.25, instrument: 90000, venue: 301, aggressor: Side.SELL },
  },
  {
    codec: orderIntentCodec, type: 0x0201, version: 1, size: 52,
    fields: [['intentId', 0, 'u64'], ['price', 8, 'f64'], ['qty', 16, 'f64'], ['expectedPrice', 24, 'f64'], ['createdTsUs', 32, 'f64'],
      ['instrument', 40, 'u32'], ['strategy', 44, 'u16'], ['venue', 46, 'u16'], ['side', 48, 'u8'], ['type', 49, 'u8'],
      ['timeInForce', 50, 'u8'], ['reduceOnly', 51, 'u8']],
    sample: {
      intentId: 2 ** 35 + 3, price: 10.5, qty: 4.75, expectedPrice: 10.25, createdTsUs: 1.7e15, instrument: 80000, strategy: 302, venue: 303,
      side: Side.SELL, type: OrderType.LIMIT_MAKER, timeInForce: TimeInForce.IOC, reduceOnly: 1,
    },
  },
  {
    codec: orderCommandCodec, type: 0x0202, version: 1, size: 43,
    fields: [['orderId', 0, 'u64'], ['price', 8, 'f64'], ['qty', 16, 'f64'], ['createdTsUs', 24, 'f64'], ['instrument', 32, 'u32'],
      ['venue', 36, 'u16'], ['action', 38, 'u8'], ['side', 39, 'u8'], ['type', 40, 'u8'], ['timeInForce', 41, 'u8'], ['reduceOnly', 42, 'u8']],
    sample: {
      orderId: 2 ** 33 + 9, price: 20.5, qty: 1.5, createdTsUs: 1.7e15 + 1, instrument: 81000, venue: 304, action: OrderAction.SUBMIT, side: Side.BUY,
      type: OrderType.MARKET, timeInForce: TimeInForce.FOK, reduceOnly: 0,
    },
  },
  {
    codec: executionReportCodec, type: 0x0203, version: 1, size: 81,
    fields: [['orderId', 0, 'u64'], ['venueOrderId', 8, 'u64'], ['cumQty', 16, 'f64'], ['avgPrice', 24, 'f64'], ['leavesQty', 32, 'f64'],
      ['lastQty', 40, 'f64'], ['lastPrice', 48, 'f64'], ['exchangeTsMs', 56, 'f64'], ['receiveTsUs', 64, 'f64'], ['instrument', 72, 'u32'],
      ['venue', 76, 'u16'], ['status', 78, 'u8'], ['side', 79, 'u8'], ['rejectReason', 80, 'u8']],
    sample: {
      orderId: 2 ** 34 + 1, venueOrderId: 2 ** 50 + 5, cumQty: 1.5, avgPrice: 99.5, leavesQty: 0.5, lastQty: 0.75, lastPrice: 99.25,
      exchangeTsMs: 1.7e12 + 1, receiveTsUs: 1.7e15 + 2, instrument: 82000, venue: 305, status: ExecStatus.PARTIALLY_FILLED, side: Side.SELL,
      rejectReason: RejectReason.MIN_NOTIONAL,
    },
  },
  {
    codec: fillCodec, type: 0x0204, version: 1, size: 64,
    fields: [['orderId', 0, 'u64'], ['tradeId', 8, 'u64'], ['price', 16, 'f64'], ['qty', 24, 'f64'], ['fee', 32, 'f64'],
      ['exchangeTsMs', 40, 'f64'], ['receiveTsUs', 48, 'f64'], ['instrument', 56, 'u32'], ['venue', 60, 'u16'], ['side', 62, 'u8'], ['liquidity', 63, 'u8']],
    sample: {
      orderId: 2 ** 36 + 1, tradeId: 2 ** 37 + 2, price: 50.5, qty: 2.5, fee: -0.0125, exchangeTsMs: 1.7e12 + 2, receiveTsUs: 1.7e15 + 3,
      instrument: 83000, venue: 306, side: Side.SELL, liquidity: Liquidity.TAKER,
    },
  },
  {
    codec: tradingStateChangeCodec, type: 0x0301, version: 1, size: 19,
    fields: [['seq', 0, 'u64'], ['tsUs', 8, 'f64'], ['state', 16, 'u8'], ['previous', 17, 'u8'], ['source', 18, 'u8']],
    sample: { seq: 2 ** 38 + 4, tsUs: 1.7e15 + 4, state: TradingState.HALTED, previous: TradingState.REDUCING, source: TripSource.DEAD_MAN },
  },
  {
    codec: riskPanicCodec, type: 0x0302, version: 1, size: 31,
    fields: [['value', 0, 'f64'], ['threshold', 8, 'f64'], ['tsUs', 16, 'f64'], ['instrument', 24, 'u32'], ['venue', 28, 'u16'], ['kind', 30, 'u8']],
    sample: { value: -1250.5, threshold: -1000, tsUs: 1.7e15 + 5, instrument: 84000, venue: 307, kind: PanicKind.SPREAD_BLOWOUT },
  },
];

function readField(view: DataView, offset: number, kind: Kind): number {
  switch (kind) {
    case 'u8': return view.getUint8(offset);
    case 'u16': return view.getUint16(offset, true);
    case 'u32': return view.getUint32(offset, true);
    case 'u64': return view.getUint32(offset + 4, true) * 2 ** 32 + view.getUint32(offset, true);
    case 'f64': return view.getFloat64(offset, true);
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('codec byte layouts', () => {
  it('covers every hot message codec exactly once', () => {
    const l2 = 1;
    expect(LAYOUTS.length + l2).toBe(HOT_MESSAGE_CODECS.length);
    for (const codec of HOT_MESSAGE_CODECS) {
      if (codec !== l2DeltaCodec) expect(LAYOUTS.some((l) => l.codec === codec), codec.name).toBe(true);
    }
  });

  it('frame types are distinct, non-zero (0 is ring padding) and fit a u16; the registry refuses a clash', () => {
    const types = [...HOT_MESSAGE_CODECS.map((c) => c.type), CONTROL_TYPE];
    expect(new Set(types).size).toBe(types.length);
    for (const type of types) expect(type > 0 && type <= 0xffff).toBe(true);
    expect(() => assertDistinctLayouts(HOT_MESSAGE_CODECS)).not.toThrow();
    expect(() => assertDistinctLayouts([...HOT_MESSAGE_CODECS, { ...tradeCodec, name: 'Trade2' }])).toThrow('codec registry: Trade2 and Trade both claim type 0x0103 version 1');
    expect(() => assertDistinctLayouts([...HOT_MESSAGE_CODECS, { ...tradeCodec, type: 0x0104 }])).toThrow('codec registry: name Trade is used by types 0x0103 and 0x0104');
  });

  for (const layout of LAYOUTS) {
    describe(layout.codec.name, () => {
      it(`is type 0x${layout.type.toString(16).padStart(4, '0')} version ${layout.version}, ${layout.size} bytes`, () => {
        expect(layout.codec.type).toBe(layout.type);
        expect(layout.codec.version).toBe(layout.version);
        expect(layout.codec.size(layout.codec.create())).toBe(layout.size);
      });

      it('fields tile the payload: no gap, no overlap, natural alignment', () => {
        let next = 0;
        for (const [field, offset, kind] of layout.fields) {
          expect(offset, field).toBe(next);
          expect(offset % WIDTH[kind], `${field} alignment`).toBe(0);
          next = offset + WIDTH[kind];
        }
        expect(next).toBe(layout.size);
        expect(layout.fields.map(([f]) => f).sort()).toEqual(Object.keys(layout.codec.create()).sort());
      });

      it('writes each field at its documented offset', () => {
        const view = new DataView(new ArrayBuffer(layout.size));
        layout.codec.encode(view, 0, layout.sample);
        for (const [field, offset, kind] of layout.fields) {
          expect(readField(view, offset, kind), field).toBe(layout.sample[field]);
        }
      });
    });
  }

  it('L2Delta: 40-byte header, then prices[n] f64, quantities[n] f64, sides[n] u8', () => {
    const msg = l2DeltaCodec.create();
    Object.assign(msg, { firstUpdateId: 2 ** 40 + 1, lastUpdateId: 2 ** 40 + 9, exchangeTsMs: 1.7e12, receiveTsUs: 1.7e15 + 0.5, instrument: 70001, venue: 308, levelCount: 3 });
    msg.prices.set([100.5, 100.25, 101]);
    msg.quantities.set([1.5, 0, 2.25]);
    msg.sides.set([Side.BUY, Side.BUY, Side.SELL]);
    const view = new DataView(new ArrayBuffer(100));
    expect(l2DeltaCodec.size(msg)).toBe(40 + 17 * 3);
    l2DeltaCodec.encode(view, 0, msg);
    expect(readField(view, 0, 'u64')).toBe(msg.firstUpdateId);
    expect(readField(view, 8, 'u64')).toBe(msg.lastUpdateId);
    expect(readField(view, 16, 'f64')).toBe(msg.exchangeTsMs);
    expect(readField(view, 24, 'f64')).toBe(msg.receiveTsUs);
    expect(readField(view, 32, 'u32')).toBe(msg.instrument);
    expect(readField(view, 36, 'u16')).toBe(msg.venue);
    expect(readField(view, 38, 'u16')).toBe(3);
    expect([40, 48, 56].map((o) => readField(view, o, 'f64'))).toEqual([100.5, 100.25, 101]);
    expect([64, 72, 80].map((o) => readField(view, o, 'f64'))).toEqual([1.5, 0, 2.25]);
    expect([88, 89, 90].map((o) => readField(view, o, 'u8'))).toEqual([Side.BUY, Side.BUY, Side.SELL]);
    expect(l2DeltaCodec.type).toBe(0x0102);
    expect(l2DeltaCodec.version).toBe(1);
    expect(L2_MAX_LEVELS).toBe(64);
  });

  it('golden bytes: BookTop', () => {
    const bytes = new Uint8Array(62);
    bookTopCodec.encode(new DataView(bytes.buffer), 0, {
      venue: 3, instrument: 42, updateId: 0x1_0203_0405,
      bidPrice: 100.5, bidQty: 2, askPrice: 101.25, askQty: 0.5,
      exchangeTsMs: 1_700_000_000_000, receiveTsUs: 1_700_000_000_000_123.5,
    });
    expect(hex(bytes)).toBe(
      '0504030201000000' + // updateId u64, low word first
      '0000000000205940' + // bidPrice 100.5
      '0000000000000040' + // bidQty 2
      '0000000000505940' + // askPrice 101.25
      '000000000000e03f' + // askQty 0.5
      '00008056febc7842' + // exchangeTsMs 1.7e12
      'ee01796090281843' + // receiveTsUs 1700000000000123.5
      '2a000000' + //         instrument 42
      '0300', //              venue 3
    );
  });

  it('golden bytes: TradingStateChange', () => {
    const bytes = new Uint8Array(19);
    tradingStateChangeCodec.encode(new DataView(bytes.buffer), 0, {
      seq: 7, tsUs: 1_700_000_000_000_123.5, state: TradingState.HALTED, previous: TradingState.ACTIVE, source: TripSource.RISK_PANIC,
    });
    expect(hex(bytes)).toBe('0700000000000000' + 'ee01796090281843' + '00' + '03' + '04');
  });
});
