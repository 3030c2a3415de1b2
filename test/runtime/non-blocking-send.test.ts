import { describe, expect, it } from 'vitest';
import { OrderAction, OrderType, Side, TimeInForce } from '../../src/domain/messages.js';
import type { Outbox } from '../../src/runtime/actor-definition.js';
import { orderCommandCodec } from '../../src/runtime/codec/orders.js';
import { newSendStats, sendControlWithoutWaiting, sendWithoutWaiting, worstCaseFrameBytes } from '../../src/runtime/non-blocking-send.js';
import { RingReader, RingWriter, createRing, type FullPolicy } from '../../src/runtime/ring.js';

/** An outbox over a real ring, as the actor host builds it (the policy decides what a full ring does). */
function outboxOver(policy: FullPolicy, capacityBytes = 1024): { outbox: Outbox; reader: RingReader } {
  const sab = createRing({ capacityBytes });
  const writer = new RingWriter(sab, { policy, blockTimeoutMs: 5_000 });
  const push = (type: number, bytes: Uint8Array): boolean => {
    const offset = writer.reserve(bytes.length);
    if (offset < 0) return false;
    writer.bytes.set(bytes, offset);
    writer.publish(type, 1);
    return true;
  };
  const outbox: Outbox = {
    peer: 'recorder',
    capacityBytes: writer.capacityBytes,
    send(codec, msg) {
      const offset = writer.reserve(codec.size(msg));
      if (offset < 0) return false;
      codec.encode(writer.view, offset, msg);
      writer.publish(codec.type, codec.version);
      return true;
    },
    sendControl: (message) => push(200, new TextEncoder().encode(JSON.stringify(message))),
    depthBytes: () => writer.depthBytes(),
  };
  return { outbox, reader: new RingReader(sab) };
}

const command = () => ({
  ...orderCommandCodec.create(), action: OrderAction.SUBMIT, orderId: 7, venue: 1, instrument: 1, side: Side.BUY, type: OrderType.LIMIT,
  timeInForce: TimeInForce.GTC, price: 100, qty: 1,
});

describe('sending without waiting', () => {
  it.each(['block', 'fail', 'drop-newest'] as const)('a full ring under %s neither waits nor throws: the frame is counted as dropped', (policy) => {
    const { outbox } = outboxOver(policy);
    const stats = newSendStats();
    const started = Date.now();
    for (let i = 0; i < 100; i++) sendWithoutWaiting(outbox, orderCommandCodec, command(), stats);
    // a 'block' ring would have waited 5 s for the first frame that did not fit
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(stats.sent).toBeGreaterThan(0);
    expect(stats.dropped).toBe(100 - stats.sent);
    expect(stats.lastError).toMatch(/ring to recorder full/);
  });

  it('every frame it sends arrives, and space freed by the reader is used again', () => {
    const { outbox, reader } = outboxOver('block');
    const stats = newSendStats();
    while (sendWithoutWaiting(outbox, orderCommandCodec, command(), stats));
    const sent = stats.sent;
    let read = 0;
    reader.poll({ onFrame: () => read++ }, 10_000);
    expect(read).toBe(sent);
    expect(sendControlWithoutWaiting(outbox, { type: 'record', record: { kind: 'position' } }, stats)).toBe(true);
  });

  it('reserves room for the frame and a wrap padding frame', () => {
    expect(worstCaseFrameBytes(0)).toBe(16);
    expect(worstCaseFrameBytes(1)).toBe(32);
    expect(worstCaseFrameBytes(56)).toBe(128);
  });
});
