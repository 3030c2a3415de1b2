import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { L2Delta } from '../../src/domain/messages.js';
import { executionReportCodec, fillCodec } from '../../src/runtime/codec/execution.js';
import { bookTopCodec, l2DeltaCodec, tradeCodec } from '../../src/runtime/codec/market-data.js';
import type { MessageCodec } from '../../src/runtime/codec/message-codec.js';
import { orderCommandCodec, orderIntentCodec } from '../../src/runtime/codec/orders.js';
import { riskPanicCodec, tradingStateChangeCodec } from '../../src/runtime/codec/safety.js';
import {
  bookTopArb, executionReportArb, fillArb, l2DeltaArb, orderCommandArb, orderIntentArb, riskPanicArb, tradeArb,
  tradingStateChangeArb,
} from './codec-arbitraries.js';

const SEED = 20240611;
const RUNS = 300;
// Shared memory at a non-zero byteOffset, as a ring hands it out: offsets are relative to the view.
const view = new DataView(new SharedArrayBuffer(4096), 64);

/**
 * encode then decode gives the message back, at any offset, into one reused output object
 * (so every field must be overwritten, not merely set on a fresh object).
 */
function roundTrips<T>(codec: MessageCodec<T>, arb: fc.Arbitrary<T>, comparable: (m: T) => unknown = (m) => m): void {
  const out = codec.create();
  fc.assert(
    fc.property(arb, fc.integer({ min: 0, max: 1024 }), (msg, offset) => {
      const size = codec.size(msg);
      codec.encode(view, offset, msg);
      const decoded = codec.decode(view, offset, size, out);
      expect(decoded).toBe(out);
      expect(comparable(decoded)).toEqual(comparable(msg));
    }),
    { seed: SEED, numRuns: RUNS },
  );
}

/** Only the first levelCount entries of the level arrays are part of the message. */
const l2Comparable = (m: L2Delta) => ({
  ...m,
  sides: Array.from(m.sides.subarray(0, m.levelCount)),
  prices: Array.from(m.prices.subarray(0, m.levelCount)),
  quantities: Array.from(m.quantities.subarray(0, m.levelCount)),
});

describe('codec round trip (property)', () => {
  it('BookTop', () => roundTrips(bookTopCodec, bookTopArb));
  it('L2Delta, 0..L2_MAX_LEVELS levels', () => roundTrips(l2DeltaCodec, l2DeltaArb, l2Comparable));
  it('Trade', () => roundTrips(tradeCodec, tradeArb));
  it('OrderIntent', () => roundTrips(orderIntentCodec, orderIntentArb));
  it('OrderCommand, submits and cancels', () => roundTrips(orderCommandCodec, orderCommandArb));
  it('ExecutionReport', () => roundTrips(executionReportCodec, executionReportArb));
  it('Fill', () => roundTrips(fillCodec, fillArb));
  it('TradingStateChange', () => roundTrips(tradingStateChangeCodec, tradingStateChangeArb));
  it('RiskPanic', () => roundTrips(riskPanicCodec, riskPanicArb));

  it('L2Delta size grows by 17 bytes per level and encode writes exactly size() bytes', () => {
    fc.assert(
      fc.property(l2DeltaArb, (msg) => {
        const bytes = new Uint8Array(view.buffer, view.byteOffset, 1200).fill(0xee);
        l2DeltaCodec.encode(view, 0, msg);
        const size = l2DeltaCodec.size(msg);
        expect(size).toBe(40 + 17 * msg.levelCount);
        expect(bytes[size]).toBe(0xee);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
