import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Doorbell, createDoorbell } from '../../src/runtime/doorbell.js';
import { Mailbox } from '../../src/runtime/mailbox.js';
import { RingReader, RingWriter, createRing, type FrameHandler } from '../../src/runtime/ring.js';
import { CACHE_LINE_BYTES, PADDING_TYPE, RING_HEADER_BYTES, Slot, frameType } from '../../src/runtime/ring-layout.js';

class Collector implements FrameHandler {
  frames: { type: number; version: number; payload: number[] }[] = [];
  onFrame(type: number, version: number, view: DataView, offset: number, length: number): void {
    this.frames.push({ type, version, payload: Array.from(new Uint8Array(view.buffer, offset, length)) });
  }
}

const lineOf = (slot: number): number => Math.floor((slot * 4) / CACHE_LINE_BYTES);

describe('ring layout', () => {
  it('keeps the write index, the read index and the producer-waiting flag on separate 64-byte lines', () => {
    const lines = [lineOf(Slot.CAPACITY), lineOf(Slot.WRITE_INDEX), lineOf(Slot.READ_INDEX), lineOf(Slot.PRODUCER_WAITING)];
    expect(new Set(lines).size).toBe(4);
    expect(lineOf(Slot.DROPPED)).toBe(lineOf(Slot.WRITE_INDEX));
    expect(lineOf(Slot.CORRUPT_FRAMES)).toBe(lineOf(Slot.READ_INDEX));
    expect(createRing({ capacityBytes: 1024 }).byteLength).toBe(RING_HEADER_BYTES + 1024);
  });

  it('writes a padding frame at the wrap and puts the frame contiguously at the start', () => {
    const sab = createRing({ capacityBytes: 256 });
    const writer = new RingWriter(sab);
    const reader = new RingReader(sab);
    const words = new Int32Array(sab);
    const payload = new Uint8Array(100).fill(7);
    writer.push(1, 0, payload); // frame bytes 8 + 104 = 112 at [0, 112)
    writer.push(2, 0, payload); // [112, 224)
    expect(reader.poll(new Collector(), 10)).toBe(2);
    const offset = writer.reserve(100); // only 32 bytes left before the end: padding, then the frame at 0
    expect(offset).toBe(RING_HEADER_BYTES + 8);
    writer.bytes.fill(9, offset, offset + 100);
    writer.publish(3, 4);
    expect(words[(RING_HEADER_BYTES + 224) >> 2]).toBe(32 - 8);
    expect(frameType(words[(RING_HEADER_BYTES + 228) >> 2]!)).toBe(PADDING_TYPE);
    expect(words[RING_HEADER_BYTES >> 2]).toBe(100);
    expect(writer.depthBytes()).toBe(32 + 112);
    const collector = new Collector();
    expect(reader.poll(collector, 10)).toBe(1);
    expect(collector.frames[0]).toEqual({ type: 3, version: 4, payload: new Array(100).fill(9) });
    expect(reader.depthBytes()).toBe(0);
  });

  it('counts across the uint32 rollover: indices restart near 0 and frames stay intact', () => {
    const sab = createRing({ capacityBytes: 256, initialIndex: 2 ** 32 - 16 });
    const words = new Int32Array(sab);
    const writer = new RingWriter(sab);
    const reader = new RingReader(sab);
    const collector = new Collector();
    for (let i = 0; i < 40; i++) {
      writer.push(1, i, Uint8Array.of(i, i + 1, i + 2));
      expect(reader.poll(collector, 1)).toBe(1);
    }
    expect(collector.frames.map((f) => f.payload[0])).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(words[Slot.WRITE_INDEX]! >>> 0).toBe(40 * 16 - 16);
    expect(words[Slot.READ_INDEX]! >>> 0).toBe(40 * 16 - 16);
  });
});

describe('observing a ring', () => {
  it('a reader attached only to observe sees the live depth as the owning reader commits', () => {
    const sab = createRing({ capacityBytes: 256 });
    const writer = new RingWriter(sab);
    const observer = new RingReader(sab);
    const owner = new RingReader(sab);
    writer.push(1, 0, new Uint8Array(8));
    writer.push(2, 0, new Uint8Array(8));
    expect(observer.depthBytes()).toBe(32);
    owner.poll(new Collector(), 1);
    expect(observer.depthBytes()).toBe(16);
  });
});

describe('ring input validation', () => {
  it('rejects bad capacities and start indices with the reason', () => {
    expect(() => createRing({ capacityBytes: 300 })).toThrow(/power of two.*got 300/);
    expect(() => createRing({ capacityBytes: 128 })).toThrow(/\[256, /);
    expect(() => createRing({ capacityBytes: 256, initialIndex: 12 })).toThrow(/multiple of 8.*got 12/);
    expect(() => createRing({ capacityBytes: 256, initialIndex: 2 ** 32 })).toThrow(/initialIndex/);
  });

  it('refuses buffers that are not rings', () => {
    expect(() => new RingReader(new SharedArrayBuffer(1024))).toThrow(/bad magic/);
    expect(() => new RingWriter(new SharedArrayBuffer(8))).toThrow(/too small/);
    expect(() => new RingWriter(new ArrayBuffer(1024) as unknown as SharedArrayBuffer)).toThrow(/SharedArrayBuffer/);
    expect(() => new RingWriter(createRing({ capacityBytes: 256 }), { policy: 'wait' as 'block' })).toThrow(/policy/);
  });

  it('rejects payloads that could never fit, and reserve/publish out of order', () => {
    const writer = new RingWriter(createRing({ capacityBytes: 256 }));
    expect(() => writer.reserve(121)).toThrow(/\[0, 120\] for a 256-byte ring, got 121/);
    expect(() => writer.reserve(-1)).toThrow(RangeError);
    expect(() => writer.reserve(1.5)).toThrow(RangeError);
    expect(() => writer.publish(1, 0)).toThrow(/nothing reserved/);
    writer.reserve(120);
    expect(() => writer.reserve(8)).toThrow(/not published/);
    expect(() => writer.publish(0, 0)).toThrow(/0 is padding/);
    expect(() => writer.publish(1, 256)).toThrow(/version/);
    writer.publish(0xffff, 255);
    expect(writer.depthBytes()).toBe(128);
  });
});

describe('abandoning a reservation', () => {
  it('leaves nothing visible and lets the next reserve take the same place, wrap padding included', () => {
    const sab = createRing({ capacityBytes: 256 });
    const writer = new RingWriter(sab);
    const reader = new RingReader(sab);
    for (let i = 0; i < 3; i++) writer.push(1, 0, new Uint8Array(56)); // 64-byte frames: write position 192
    reader.poll(new Collector(), 3);
    const wrapped = writer.reserve(100); // needs padding at 192 and the frame at 0
    writer.abandon();
    expect(reader.isEmpty()).toBe(true);
    expect(writer.depthBytes()).toBe(0);
    expect(writer.reserve(100)).toBe(wrapped);
    writer.publish(2, 0);
    const collector = new Collector();
    expect(reader.poll(collector, 10)).toBe(1);
    expect(collector.frames[0]!.type).toBe(2);
  });
});

describe('ring hot path', () => {
  it('allocates nothing in reserve/publish/poll, doorbell ring and mailbox drain', async () => {
    const sab = createRing({ capacityBytes: 4096, initialIndex: 2 ** 32 - 1024 });
    const doorbellSab = createDoorbell();
    const writer = new RingWriter(sab, { doorbell: new Doorbell(doorbellSab) });
    const reader = new RingReader(sab);
    const mailbox = new Mailbox([reader], doorbellSab, 'spin-then-park'); // the same reader: one consumer
    const handler = {
      sum: 0,
      onFrame(_type: number, _version: number, view: DataView, offset: number, length: number): void {
        this.sum += view.getUint8(offset) + length;
      },
    };
    const handlers = [handler];
    const cycle = (frames: number): void => {
      for (let i = 0; i < frames; i++) {
        const offset = writer.reserve(i & 127);
        writer.bytes[offset] = i & 255;
        writer.publish(1 + (i & 7), 1);
        if ((i & 7) === 3) reader.poll(handler, 8);
        else if ((i & 7) === 7 && mailbox.hasWork()) mailbox.drain(handlers, 8);
      }
      reader.poll(handler, 1000);
    };
    cycle(200_000); // warm up: let the JIT compile the hot path
    const scavengeTimes: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) scavengeTimes.push(entry.startTime);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    const newSpaceUsed = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
    const started = performance.now();
    const before = newSpaceUsed();
    cycle(1_000_000);
    const grown = newSpaceUsed() - before;
    const ended = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 50)); // gc entries are delivered asynchronously
    observer.disconnect();
    const scavenges = scavengeTimes.filter((t) => t >= started && t <= ended).length;
    // One 8-byte allocation per frame would be 8 MB and at least one scavenge.
    expect(scavenges).toBe(0);
    expect(grown).toBeLessThan(64 * 1024);
    expect(handler.sum).toBeGreaterThan(0);
  });
});
