import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RingReader, RingWriter, createRing, type FrameHandler } from '../../src/runtime/ring.js';
import { Slot } from '../../src/runtime/ring-layout.js';
import type { CrashWorkerData } from '../fixtures/ring-crash-worker.js';

const crashWorkerUrl = new URL('../fixtures/ring-crash-worker.js', import.meta.url);

/** Frames of 16-byte payloads (24 bytes in the ring) carrying their sequence number. */
const PAYLOAD_BYTES = 16;
const FRAME_BYTES = 24;

function publishSequence(writer: RingWriter, from: number, count: number): void {
  for (let seq = from; seq < from + count; seq++) {
    const offset = writer.reserve(PAYLOAD_BYTES);
    writer.view.setUint32(offset, seq, true);
    writer.publish(1, 0);
  }
}

class SequenceCollector implements FrameHandler {
  readonly seqs: number[] = [];
  onFrame(_type: number, _version: number, view: DataView, offset: number): void {
    this.seqs.push(view.getUint32(offset, true));
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('batch commit', () => {
  it('commits once per batch: the read index stands still while the handlers of a batch run', () => {
    const sab = createRing({ capacityBytes: 4096, initialIndex: 2 ** 32 - 48 });
    const words = new Int32Array(sab);
    const writer = new RingWriter(sab);
    const reader = new RingReader(sab);
    publishSequence(writer, 0, 10);
    const readIndexSeen: number[] = [];
    const observer: FrameHandler = { onFrame: () => readIndexSeen.push(Atomics.load(words, Slot.READ_INDEX)) };
    expect(reader.poll(observer, 10)).toBe(10);
    expect(new Set(readIndexSeen)).toEqual(new Set([2 ** 32 - 48 - 2 ** 32]));
    expect(Atomics.load(words, Slot.READ_INDEX)).toBe((2 ** 32 - 48 + 10 * FRAME_BYTES) | 0);
  });

  it('commits a quarter of the ring at a time inside a long batch, so a producer sees space early', () => {
    const sab = createRing({ capacityBytes: 1024 });
    const words = new Int32Array(sab);
    const writer = new RingWriter(sab);
    const reader = new RingReader(sab);
    publishSequence(writer, 0, 40); // 960 bytes
    const readIndexSeen: number[] = [];
    const observer: FrameHandler = { onFrame: () => readIndexSeen.push(Atomics.load(words, Slot.READ_INDEX)) };
    expect(reader.poll(observer, 40)).toBe(40);
    // 256 bytes is 10.67 frames: commits after frames 11, 22 and 33 (at 264, 528, 792 bytes)
    expect([...new Set(readIndexSeen)]).toEqual([0, 264, 528, 792]);
  });

  it('commits every frame while a producer is flagged as blocked on the ring', () => {
    const sab = createRing({ capacityBytes: 1024 });
    const words = new Int32Array(sab);
    publishSequence(new RingWriter(sab), 0, 5);
    Atomics.store(words, Slot.PRODUCER_WAITING, 1);
    const readIndexSeen: number[] = [];
    const observer: FrameHandler = { onFrame: () => readIndexSeen.push(Atomics.load(words, Slot.READ_INDEX)) };
    const reader = new RingReader(sab);
    expect(reader.poll(observer, 5)).toBe(5);
    expect(readIndexSeen).toEqual([0, 24, 48, 72, 96]);
    expect(reader.producerWakeups()).toBe(5);
  });

  it('keeps staged frames invisible until flush(), then shows the whole burst with one store', () => {
    const sab = createRing({ capacityBytes: 1024 });
    const words = new Int32Array(sab);
    const writer = new RingWriter(sab);
    const reader = new RingReader(sab);
    for (let seq = 0; seq < 3; seq++) {
      writer.view.setUint32(writer.reserve(PAYLOAD_BYTES), seq, true);
      writer.stage(1, 0);
    }
    expect(Atomics.load(words, Slot.WRITE_INDEX)).toBe(0);
    expect(reader.isEmpty()).toBe(true);
    const collector = new SequenceCollector();
    expect(reader.poll(collector, 10)).toBe(0);
    writer.flush();
    expect(Atomics.load(words, Slot.WRITE_INDEX)).toBe(3 * FRAME_BYTES);
    expect(reader.poll(collector, 10)).toBe(3);
    expect(collector.seqs).toEqual([0, 1, 2]);
  });

  it('flushes staged frames before refusing a frame on a full ring, so they are never stuck behind it', () => {
    const sab = createRing({ capacityBytes: 256 });
    const writer = new RingWriter(sab, { policy: 'drop-newest' });
    for (let seq = 0; seq < 10; seq++) {
      writer.view.setUint32(writer.reserve(PAYLOAD_BYTES), seq, true);
      writer.stage(1, 0);
    }
    expect(writer.reserve(PAYLOAD_BYTES)).toBe(-1); // 10 x 24 = 240 bytes staged, 16 free
    const collector = new SequenceCollector();
    expect(new RingReader(sab).poll(collector, 100)).toBe(10);
    expect(collector.seqs).toEqual(range(0, 10));
  });
});

describe('batch commit across a consumer that dies mid-batch', () => {
  async function crashAndRestart(dieAt: number): Promise<void> {
    const total = 1000;
    // 64 KiB ring, 24-byte frames: the reader commits mid-batch every 683 frames (16 KiB).
    // It starts 200 frames before both the end of the data region and 2^32: the batch
    // wraps (with no padding frame) and the indices roll over inside it.
    const ring = createRing({ capacityBytes: 64 * 1024, initialIndex: 2 ** 32 - 200 * FRAME_BYTES });
    const writer = new RingWriter(ring);
    publishSequence(writer, 0, total);
    const log = new SharedArrayBuffer(4 * (total + 1));
    const workerData: CrashWorkerData = { ring, log, dieAt, maxFrames: total };
    const consumer = new Worker(crashWorkerUrl, { workerData });
    const [exitCode] = (await once(consumer, 'exit')) as [number];
    expect(exitCode).toBe(3);

    const logWords = new Int32Array(log);
    const handledBeforeCrash = Array.from(logWords.subarray(1, 1 + Atomics.load(logWords, 0)));
    expect(handledBeforeCrash).toEqual(range(0, dieAt + 1));

    publishSequence(writer, total, 5); // the producer keeps going while the consumer restarts
    const restarted = new RingReader(ring);
    const collector = new SequenceCollector();
    while (restarted.poll(collector, 64) > 0);
    const firstRedelivered = collector.seqs[0]!;
    // redelivery starts at the last commit: at or before the frame the consumer died on...
    expect(firstRedelivered).toBeLessThanOrEqual(dieAt);
    // ...and exactly where a commit of whole quarter-rings left it (nothing handled is skipped)
    expect(firstRedelivered).toBe(Math.floor(dieAt / 683) * 683);
    // none lost, none skipped, in order: the redelivered run continues through the new frames
    expect(collector.seqs).toEqual(range(firstRedelivered, total + 5));
    expect(restarted.isEmpty()).toBe(true);
  }

  it('redelivers the whole batch when it died before any commit', async () => {
    await crashAndRestart(500);
  });

  it('redelivers from the last mid-batch commit when it died after one', async () => {
    await crashAndRestart(900);
  });
});
