import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { L2_MAX_LEVELS } from '../../src/domain/messages.js';
import { CONTROL_TYPE, CONTROL_VERSION, encodeControl } from '../../src/runtime/codec/control-frame.js';
import { FrameDecoder, type DecodedFrame } from '../../src/runtime/codec/frame-decoder.js';
import type { MessageCodec } from '../../src/runtime/codec/message-codec.js';
import { HOT_MESSAGE_CODECS } from '../../src/runtime/codec/registry.js';
import { RingReader, RingWriter, createRing } from '../../src/runtime/ring.js';
import {
  bookTopArb, executionReportArb, fillArb, l2DeltaArb, orderCommandArb, orderIntentArb, riskPanicArb, tradeArb,
  tradingStateChangeArb,
} from './codec-arbitraries.js';

/** Codec and ring together, as actors use them: encode into reserve()d space, publish, poll, decode. */
const ARBS: Record<string, fc.Arbitrary<unknown>> = {
  BookTop: bookTopArb, L2Delta: l2DeltaArb, Trade: tradeArb, OrderIntent: orderIntentArb, OrderCommand: orderCommandArb,
  ExecutionReport: executionReportArb, Fill: fillArb, TradingStateChange: tradingStateChangeArb, RiskPanic: riskPanicArb,
};

const anyMessage = fc.oneof(
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the union of codecs is no MessageCodec<unknown> without it
  ...HOT_MESSAGE_CODECS.map((codec) => ARBS[codec.name]!.map((message) => ({ codec: codec as MessageCodec<unknown>, message }))),
  fc.jsonValue({ maxDepth: 3 }).map((message) => ({ codec: null, message })),
);

/** The bytes a message encodes to: equal bytes = equal message, also for L2Delta's partly used arrays. */
function bytesOf(codec: MessageCodec<unknown>, message: unknown): number[] {
  const view = new DataView(new ArrayBuffer(codec.size(message)));
  codec.encode(view, 0, message);
  return Array.from(new Uint8Array(view.buffer));
}

describe('codec over the SPSC ring', () => {
  it('every message type arrives intact across wrap-around, in order', () => {
    fc.assert(
      fc.property(fc.array(anyMessage, { minLength: 1, maxLength: 60 }), (batch) => {
        // Small enough that a batch wraps several times; large enough for an L2Delta of L2_MAX_LEVELS.
        const sab = createRing({ capacityBytes: 4096, initialIndex: 2 ** 32 - 2048 });
        expect(40 + 17 * L2_MAX_LEVELS).toBeLessThan(4096 / 2);
        const writer = new RingWriter(sab);
        const reader = new RingReader(sab);
        const decoder = new FrameDecoder();
        const received: { kind: string; bytes: number[] | string }[] = [];
        const handler = {
          onFrame(type: number, version: number, view: DataView, offset: number, length: number) {
            const frame: DecodedFrame | null = decoder.decode(type, version, view, offset, length);
            if (frame === null) throw decoder.lastError ?? new Error('the decoder refused a frame without saying why');
            const codec = HOT_MESSAGE_CODECS.find((c) => c.name === frame.kind) as MessageCodec<unknown> | undefined;
            received.push({ kind: frame.kind, bytes: codec ? bytesOf(codec, frame.message) : JSON.stringify(frame.message) });
          },
        };
        const sent: typeof received = [];
        for (const { codec, message } of batch) {
          if (codec === null) {
            writer.push(CONTROL_TYPE, CONTROL_VERSION, encodeControl(message));
            sent.push({ kind: 'Control', bytes: JSON.stringify(message) });
          } else {
            const offset = writer.reserve(codec.size(message));
            codec.encode(writer.view, offset, message);
            writer.publish(codec.type, codec.version);
            sent.push({ kind: codec.name, bytes: bytesOf(codec, message) });
          }
          reader.poll(handler, 100);
        }
        expect(received).toEqual(sent);
        expect(reader.corruptFrames()).toBe(0);
        expect(decoder.rejected()).toBe(0);
      }),
      { seed: 31337, numRuns: 150 },
    );
  });
});
