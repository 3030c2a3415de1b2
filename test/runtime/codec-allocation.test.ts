import { GCProfiler, getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import {
  ExecStatus, L2_MAX_LEVELS, Liquidity, OrderAction, OrderType, PanicKind, RejectReason, Side, TimeInForce,
  TradingState, TripSource,
} from '../../src/domain/messages.js';
import { seededRandom } from '../../src/domain/random.js';
import { executionReportCodec, fillCodec } from '../../src/runtime/codec/execution.js';
import { FrameDecoder } from '../../src/runtime/codec/frame-decoder.js';
import { bookTopCodec, l2DeltaCodec, tradeCodec } from '../../src/runtime/codec/market-data.js';
import type { MessageCodec } from '../../src/runtime/codec/message-codec.js';
import { orderCommandCodec, orderIntentCodec } from '../../src/runtime/codec/orders.js';
import { riskPanicCodec, tradingStateChangeCodec } from '../../src/runtime/codec/safety.js';

/**
 * The hot path must not allocate per message. Measured without timing: over MESSAGES
 * messages after a warm-up (so the JIT has compiled the code), no scavenge may run and the
 * young generation may barely grow. One 12-byte heap number per message would be 2.4 MB and
 * at least one scavenge; the control case below shows the probe does catch that.
 */
const MESSAGES = 200_000;
const GROWTH_SLACK_BYTES = 256 * 1024;

interface AllocationProbe { scavenges: number; newSpaceGrowth: number }

const newSpaceUsed = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;

function measure(run: (count: number) => void): AllocationProbe {
  const profiler = new GCProfiler();
  profiler.start();
  const before = newSpaceUsed();
  run(MESSAGES);
  const newSpaceGrowth = newSpaceUsed() - before;
  const scavenges = profiler.stop().statistics.filter((s) => s.gcType === 'Scavenge' || s.gcType === 'MinorMarkSweep').length;
  return { scavenges, newSpaceGrowth };
}

const allocationFree = (p: AllocationProbe) => p.scavenges === 0 && p.newSpaceGrowth < GROWTH_SLACK_BYTES;

/**
 * Interpreter and baseline code box doubles; only optimised code must not. The optimising
 * compiler runs on a background thread that a loaded machine can starve, so a failed
 * measurement is repeated (a real per-message allocation fails every attempt).
 */
function probe(run: (count: number) => void): AllocationProbe {
  run(MESSAGES);
  let result = measure(run);
  for (let attempt = 1; attempt < 3 && !allocationFree(result); attempt++) result = measure(run);
  return result;
}

const random = seededRandom(99);
const price = () => 100 + random.next() * 10;
const SAMPLES = 64;

function samples<T>(make: (i: number) => T): T[] {
  return Array.from({ length: SAMPLES }, (_, i) => make(i));
}

const CASES: [MessageCodec<any>, unknown[]][] = [
  [bookTopCodec, samples((i) => ({
    venue: 1, instrument: i, updateId: 2 ** 40 + i, bidPrice: price(), bidQty: price(), askPrice: price(), askQty: price(), exchangeTsMs: 1.7e12 + i,
    receiveTsUs: 1.7e15 + i + 0.5,
  }))],
  [l2DeltaCodec, samples((i) => {
    const m = l2DeltaCodec.create();
    Object.assign(m, {
      venue: 1, instrument: i, firstUpdateId: 2 ** 40 + i, lastUpdateId: 2 ** 40 + i + 3, exchangeTsMs: 1.7e12, receiveTsUs: 1.7e15 + 0.5,
      levelCount: i === 0 ? L2_MAX_LEVELS : 1 + (i % 8),
    });
    for (let l = 0; l < m.levelCount; l++) { m.sides[l] = 1 + (l & 1); m.prices[l] = price(); m.quantities[l] = price(); }
    return m;
  })],
  [tradeCodec, samples((i) => ({ venue: 1, instrument: i, tradeId: 2 ** 41 + i, price: price(), qty: price(), aggressor: Side.SELL, exchangeTsMs: 1.7e12, receiveTsUs: 1.7e15 + 0.25 }))],
  [orderIntentCodec, samples((i) => ({
    strategy: 2, intentId: 2 ** 42 + i, venue: 1, instrument: i, side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, reduceOnly: 0,
    price: price(), qty: price(), expectedPrice: price(), createdTsUs: 1.7e15 + 0.5,
  }))],
  [orderCommandCodec, samples((i) => ({
    action: OrderAction.SUBMIT, orderId: 2 ** 43 + i, venue: 1, instrument: i, side: Side.SELL, type: OrderType.LIMIT, timeInForce: TimeInForce.IOC,
    reduceOnly: 1, price: price(), qty: price(), createdTsUs: 1.7e15 + 0.5,
  }))],
  [executionReportCodec, samples((i) => ({
    orderId: 2 ** 43 + i, venueOrderId: 2 ** 44 + i, venue: 1, instrument: i, status: ExecStatus.PARTIALLY_FILLED, rejectReason: RejectReason.NONE,
    side: Side.BUY, cumQty: price(), avgPrice: price(), leavesQty: price(), lastQty: price(), lastPrice: price(), exchangeTsMs: 1.7e12,
    receiveTsUs: 1.7e15 + 0.5,
  }))],
  [fillCodec, samples((i) => ({
    orderId: 2 ** 43 + i, venue: 1, instrument: i, side: Side.BUY, price: price(), qty: price(), fee: -price() / 1000, liquidity: Liquidity.MAKER,
    tradeId: 2 ** 45 + i, exchangeTsMs: 1.7e12, receiveTsUs: 1.7e15 + 0.5,
  }))],
  [tradingStateChangeCodec, samples((i) => ({ state: TradingState.REDUCING, previous: TradingState.ACTIVE, source: TripSource.RISK_PANIC, seq: 2 ** 46 + i, tsUs: 1.7e15 + i + 0.5 }))],
  [riskPanicCodec, samples((i) => ({ kind: PanicKind.DRAWDOWN, venue: 1, instrument: i, value: -price(), threshold: -100.5, tsUs: 1.7e15 + 0.5 }))],
];

describe('codec hot path allocates nothing per message', () => {
  it('the probe catches a loop that boxes one double per message (control)', () => {
    // A generic-elements array stores a double as a fresh 12-byte heap number.
    const sink: unknown[] = ['boxed'];
    const result = probe((count) => {
      for (let i = 0; i < count; i++) sink[0] = i + 0.5;
    });
    expect(allocationFree(result)).toBe(false);
  });

  for (const [codec, messages] of CASES) {
    it(`${codec.name}: encode + decode of ${MESSAGES} messages`, () => {
      const view = new DataView(new SharedArrayBuffer(4096));
      const out = codec.create();
      let checksum = 0;
      const result = probe((count) => {
        for (let i = 0; i < count; i++) {
          const msg = messages[i & (SAMPLES - 1)];
          const size = codec.size(msg);
          codec.encode(view, 8, msg);
          codec.decode(view, 8, size, out);
          checksum += size;
        }
      });
      expect(checksum).toBeGreaterThan(0);
      // The last decoded message re-encodes to the same bytes as the one sent (L2Delta's arrays hold stale levels past levelCount, so compare bytes).
      const last = messages[(MESSAGES - 1) & (SAMPLES - 1)];
      const bytes = (msg: unknown) => {
        const v = new DataView(new ArrayBuffer(codec.size(msg)));
        codec.encode(v, 0, msg);
        return new Uint8Array(v.buffer);
      };
      expect(bytes(out)).toEqual(bytes(last));
      expect(result, `${codec.name} allocated: ${JSON.stringify(result)}`).toSatisfy(allocationFree);
    });
  }

  it(`FrameDecoder.decode of a mixed stream of ${MESSAGES} frames`, () => {
    const view = new DataView(new SharedArrayBuffer(CASES.length * 1200));
    const frames = CASES.map(([codec, messages], i) => {
      const offset = i * 1200;
      codec.encode(view, offset, messages[1]);
      return { type: codec.type, version: codec.version, offset, length: codec.size(messages[1]) };
    });
    const decoder = new FrameDecoder();
    let decoded = 0;
    const result = probe((count) => {
      for (let i = 0; i < count; i++) {
        const f = frames[i % frames.length]!;
        if (decoder.decode(f.type, f.version, view, f.offset, f.length) !== null) decoded++;
      }
    });
    expect(decoder.rejected()).toBe(0);
    expect(decoded % MESSAGES).toBe(0); // every frame of every run decoded
    expect(result, `FrameDecoder allocated: ${JSON.stringify(result)}`).toSatisfy(allocationFree);
  });
});
