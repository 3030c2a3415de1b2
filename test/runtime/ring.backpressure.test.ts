import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RingFullError, RingReader, RingWriter, createRing, type FrameHandler } from '../../src/runtime/ring.js';
import { Slot } from '../../src/runtime/ring-layout.js';
import type { ConsumerWorkerData } from '../fixtures/ring-consumer-worker.js';

const consumerWorkerUrl = new URL('../fixtures/ring-consumer-worker.js', import.meta.url);

class TypeCollector implements FrameHandler {
  types: number[] = [];
  onFrame(type: number): void {
    this.types.push(type);
  }
}

/** Fills a 256-byte ring with 56-byte payloads (64-byte frames): exactly 4 fit. */
function fullRing(policy: 'block' | 'drop-newest' | 'fail', blockTimeoutMs?: number): { sab: SharedArrayBuffer; writer: RingWriter } {
  const sab = createRing({ capacityBytes: 256, initialIndex: 2 ** 32 - 128 });
  const writer = new RingWriter(sab, blockTimeoutMs === undefined ? { policy } : { policy, blockTimeoutMs });
  for (let type = 1; type <= 4; type++) expect(writer.push(type, 0, new Uint8Array(56))).toBe(true);
  expect(writer.depthBytes()).toBe(256);
  return { sab, writer };
}

describe('consumer commits while no producer is blocked', () => {
  it('make no notify syscalls', () => {
    const sab = createRing({ capacityBytes: 1024 });
    const writer = new RingWriter(sab, { policy: 'block' });
    const reader = new RingReader(sab);
    const collector = new TypeCollector();
    for (let i = 0; i < 5000; i++) {
      writer.push(1 + (i % 3), 0, new Uint8Array(40));
      if (i % 7 === 6) reader.poll(collector, 100);
    }
    reader.poll(collector, 100);
    expect(collector.types.length).toBe(5000);
    expect(reader.producerWakeups()).toBe(0);
  });
});

describe('full ring under drop-newest', () => {
  it('refuses new frames, counts each drop exactly and keeps the queued frames', () => {
    const { sab, writer } = fullRing('drop-newest');
    for (let i = 0; i < 7; i++) expect(writer.push(100 + i, 0, new Uint8Array(8))).toBe(false);
    expect(writer.reserve(1)).toBe(-1);
    expect(writer.dropped()).toBe(8);
    expect(writer.fullEvents()).toBe(8);
    const reader = new RingReader(sab);
    const collector = new TypeCollector();
    expect(reader.poll(collector, 100)).toBe(4);
    expect(collector.types).toEqual([1, 2, 3, 4]);
    expect(writer.push(5, 0, new Uint8Array(8))).toBe(true);
    expect(writer.dropped()).toBe(8);
  });
});

describe('full ring under fail', () => {
  it('throws RingFullError naming the capacity and the requested size', () => {
    const { writer } = fullRing('fail');
    let error: unknown;
    try {
      writer.reserve(40);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RingFullError);
    const full = error as RingFullError;
    expect(full.message).toMatch(/40-byte payload/);
    expect(full.message).toMatch(/0 of 256 bytes free/);
    expect(full.capacityBytes).toBe(256);
    expect(full.requestedBytes).toBe(40);
    expect(writer.fullEvents()).toBe(1);
    expect(writer.dropped()).toBe(0);
    expect(() => writer.push(9, 0, new Uint8Array(0))).toThrow(RingFullError);
  });
});

describe('full ring under block', () => {
  it('waits until the consumer thread frees space, then completes', async () => {
    const { sab, writer } = fullRing('block', 30_000);
    const workerData: ConsumerWorkerData = { role: 'drain-when-producer-blocks', ring: sab, frames: 4 };
    const consumer = new Worker(consumerWorkerUrl, { workerData });
    const drained = once(consumer, 'message');
    try {
      await once(consumer, 'online');
      // blocks this thread in Atomics.wait until the worker sees our flag and drains
      expect(writer.push(5, 0, new Uint8Array(56))).toBe(true);
      expect(await drained).toEqual([{ drained: 4 }]);
      expect(writer.fullEvents()).toBe(1);
      expect(writer.depthBytes()).toBe(64);
      expect(new Int32Array(sab)[Slot.PRODUCER_WAITING]).toBe(0);
      const observer = new RingReader(sab);
      expect(observer.producerWakeups()).toBeGreaterThanOrEqual(1);
      const wakeupsSoFar = observer.producerWakeups();
      const collector = new TypeCollector();
      expect(observer.poll(collector, 10)).toBe(1);
      expect(collector.types).toEqual([5]);
      expect(observer.producerWakeups()).toBe(wakeupsSoFar); // nobody blocked: commits notify no one
    } finally {
      await consumer.terminate();
    }
  });

  it('throws RingFullError after blockTimeoutMs when nobody consumes', () => {
    const { sab, writer } = fullRing('block', 30);
    expect(() => writer.reserve(56)).toThrow(/56-byte payload .* 0 of 256 bytes free after waiting \d+ ms/);
    expect(writer.fullEvents()).toBe(1);
    expect(new Int32Array(sab)[Slot.PRODUCER_WAITING]).toBe(0);
    expect(writer.depthBytes()).toBe(256);
  });
});
