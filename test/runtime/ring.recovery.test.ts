import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/domain/random.js';
import { RingReader, RingWriter, createRing, type FrameHandler } from '../../src/runtime/ring.js';
import { RING_HEADER_BYTES, Slot } from '../../src/runtime/ring-layout.js';

class Collector implements FrameHandler {
  frames: { type: number; first: number; length: number }[] = [];
  onFrame(type: number, _version: number, view: DataView, offset: number, length: number): void {
    this.frames.push({ type, first: length > 0 ? view.getUint8(offset) : -1, length });
  }
}

/** Publishes frames of type 1..n with payload [i, i, ...] and returns the data position of each header. */
function publishNumbered(writer: RingWriter, from: number, count: number, size = 16): number[] {
  const headers: number[] = [];
  for (let i = from; i < from + count; i++) {
    const offset = writer.reserve(size);
    headers.push(offset - 8);
    writer.bytes.fill(i, offset, offset + size);
    writer.publish(i, 0);
  }
  return headers;
}

describe('corrupt frames', () => {
  const garbage: [string, (words: Int32Array, header: number) => void, string][] = [
    ['length beyond the ring', (w, h) => (w[h >> 2] = 1 << 30), 'payload length negative or larger than the ring accepts'],
    ['negative length', (w, h) => (w[h >> 2] = -8), 'payload length negative or larger than the ring accepts'],
    ['length past the published write index', (w, h) => (w[h >> 2] = 100), 'frame extends past the published write index'],
    ['reserved flag bits set', (w, h) => (w[(h >> 2) + 1] = 0x7f000001), 'reserved flag bits set'],
    ['padding in the middle of the ring', (w, h) => (w[(h >> 2) + 1] = 0), 'padding frame does not end at the end of the data region'],
  ];

  for (const [name, corrupt, reason] of garbage) {
    it(`counts and skips a header with ${name}, then keeps delivering`, () => {
      const sab = createRing({ capacityBytes: 256 });
      const words = new Int32Array(sab);
      const writer = new RingWriter(sab);
      const reader = new RingReader(sab);
      const headers = publishNumbered(writer, 1, 4); // 4 frames of 24 bytes = 96 bytes
      corrupt(words, headers[2]!);
      const collector = new Collector();
      expect(() => reader.poll(collector, 100)).not.toThrow();
      expect(collector.frames.map((f) => f.type)).toEqual([1, 2]);
      expect(reader.corruptFrames()).toBe(1);
      expect(reader.corruptBytes()).toBe(48); // frames 3 and 4 are beyond the last trusted boundary
      expect(reader.lastCorruption()).toBe(reason);
      expect(reader.isEmpty()).toBe(true);
      publishNumbered(writer, 5, 3);
      expect(reader.poll(collector, 100)).toBe(3);
      expect(collector.frames.map((f) => [f.type, f.first])).toEqual([[1, 1], [2, 2], [5, 5], [6, 6], [7, 7]]);
      expect(reader.corruptFrames()).toBe(1);
    });
  }

  it('recovers from a corrupted (misaligned) read index', () => {
    const sab = createRing({ capacityBytes: 256 });
    const writer = new RingWriter(sab);
    publishNumbered(writer, 1, 2);
    new Int32Array(sab)[Slot.READ_INDEX] = 4;
    const reader = new RingReader(sab);
    const collector = new Collector();
    expect(reader.poll(collector, 10)).toBe(0);
    expect(reader.lastCorruption()).toBe('read index not 8-byte aligned');
    publishNumbered(writer, 3, 1);
    expect(reader.poll(collector, 10)).toBe(1);
    expect(collector.frames[0]!.type).toBe(3);
  });

  it('never throws or spins on arbitrary garbage anywhere in the published region, and ends at the write index', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 40 }), (seed, garbageBytes) => {
        const random = seededRandom(seed);
        const sab = createRing({ capacityBytes: 512, initialIndex: 2 ** 32 - 256 });
        const writer = new RingWriter(sab);
        const reader = new RingReader(sab);
        publishNumbered(writer, 1, 3, 40);
        reader.poll(new Collector(), 1); // move the region off position 0
        publishNumbered(writer, 4, 8, 1 + random.int(40));
        const bytes = new Uint8Array(sab);
        for (let i = 0; i < garbageBytes; i++) bytes[RING_HEADER_BYTES + random.int(512)] = random.int(256);
        const collector = new Collector();
        for (let polls = 0; polls < 100 && !reader.isEmpty(); polls++) reader.poll(collector, 4);
        expect(reader.isEmpty()).toBe(true);
        // whatever happened above, the reader is now on a frame boundary the producer trusts
        const seen = collector.frames.length;
        publishNumbered(writer, 200, 2);
        expect(reader.poll(collector, 10)).toBe(2);
        expect(collector.frames.slice(seen).map((f) => f.type)).toEqual([200, 201]);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('re-attaching a reader (at-least-once)', () => {
  it('redelivers the frame whose handler threw, then all later frames, to a new RingReader on the same SAB', () => {
    const sab = createRing({ capacityBytes: 1024, initialIndex: 2 ** 32 - 64 });
    const writer = new RingWriter(sab);
    publishNumbered(writer, 1, 10);
    const seenBeforeCrash: number[] = [];
    const crashing = new RingReader(sab);
    const crashOnFour: FrameHandler = {
      onFrame(type) {
        seenBeforeCrash.push(type);
        if (type === 4) throw new Error('actor crashed while handling frame 4');
      },
    };
    expect(() => crashing.poll(crashOnFour, 100)).toThrow(/frame 4/);
    expect(seenBeforeCrash).toEqual([1, 2, 3, 4]);

    publishNumbered(writer, 11, 2); // the producer keeps going while the consumer restarts
    const restarted = new RingReader(sab);
    const collector = new Collector();
    expect(restarted.poll(collector, 100)).toBe(9);
    expect(collector.frames.map((f) => f.type)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(collector.frames.every((f) => f.first === f.type && f.length === 16)).toBe(true);
    expect(restarted.isEmpty()).toBe(true);
  });

  it('lets the same reader retry a frame whose handler threw', () => {
    const sab = createRing({ capacityBytes: 256 });
    const writer = new RingWriter(sab);
    publishNumbered(writer, 1, 2);
    const reader = new RingReader(sab);
    let attempts = 0;
    const flaky: FrameHandler = {
      onFrame() {
        if (attempts++ === 0) throw new Error('transient');
      },
    };
    expect(() => reader.poll(flaky, 10)).toThrow('transient');
    expect(reader.poll(flaky, 10)).toBe(2);
    expect(attempts).toBe(3);
  });

  it('lets a re-attached writer continue where the last one stopped', () => {
    const sab = createRing({ capacityBytes: 256, initialIndex: 2 ** 32 - 8 });
    publishNumbered(new RingWriter(sab), 1, 3);
    publishNumbered(new RingWriter(sab), 4, 3);
    const collector = new Collector();
    expect(new RingReader(sab).poll(collector, 100)).toBe(6);
    expect(collector.frames.map((f) => f.type)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
