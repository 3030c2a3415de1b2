import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Doorbell, createDoorbell } from '../../src/runtime/doorbell.js';
import { Mailbox, type WaitStrategy } from '../../src/runtime/mailbox.js';
import { RingReader, RingWriter, createRing, type FrameHandler } from '../../src/runtime/ring.js';
import type { ConsumerWorkerData, MailboxWorkerReport } from '../fixtures/ring-consumer-worker.js';

const consumerWorkerUrl = new URL('../fixtures/ring-consumer-worker.js', import.meta.url);
const strategies: WaitStrategy[] = ['busy-spin', 'spin-then-park', 'park'];

class TypeCollector implements FrameHandler {
  types: number[] = [];
  onFrame(type: number): void {
    this.types.push(type);
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

describe('mailbox on one thread', () => {
  it('drains every inbound ring with its index-aligned handler', () => {
    const rings = [createRing({ capacityBytes: 256 }), createRing({ capacityBytes: 512 })];
    const writers = rings.map((sab) => new RingWriter(sab));
    const mailbox = new Mailbox(rings.map((sab) => new RingReader(sab)), createDoorbell(), 'park');
    writers[0]!.push(1, 0, new Uint8Array(4));
    writers[1]!.push(2, 0, new Uint8Array(4));
    writers[1]!.push(3, 0, new Uint8Array(4));
    const handlers = [new TypeCollector(), new TypeCollector()];
    expect(mailbox.drain(handlers, 1)).toBe(2);
    expect(mailbox.drain(handlers, 1)).toBe(1);
    expect(handlers.map((h) => h.types)).toEqual([[1], [2, 3]]);
    expect(() => mailbox.drain([handlers[0]!], 1)).toThrow(/1 handlers for 2 inbound rings/);
  });

  it('rejects bad strategies and options', () => {
    expect(() => new Mailbox([], createDoorbell(), 'sleep' as WaitStrategy)).toThrow(/wait strategy/);
    expect(() => new Mailbox([], createDoorbell(), 'park', { spinIterations: -1 })).toThrow(/spinIterations/);
    expect(() => new Mailbox([], new SharedArrayBuffer(256), 'park')).toThrow(/createDoorbell/);
    expect(() => new Mailbox([], createDoorbell(), 'park').waitForWork(-1)).toThrow(/timeoutMs/);
  });

  for (const strategy of strategies) {
    it(`${strategy}: returns false after the timeout when idle, true at once when work or a wake() is pending`, () => {
      const ring = createRing({ capacityBytes: 256 });
      const doorbellSab = createDoorbell();
      const mailbox = new Mailbox([new RingReader(ring)], doorbellSab, strategy, { spinIterations: 100 });
      expect(mailbox.waitForWork(15)).toBe(false);
      new Doorbell(doorbellSab).wake();
      expect(mailbox.waitForWork(10_000)).toBe(true);
      expect(mailbox.waitForWork(0)).toBe(false); // the wake was consumed
      new RingWriter(ring).push(1, 0, new Uint8Array(1));
      expect(mailbox.waitForWork(10_000)).toBe(true);
    });
  }

  it('producers make no notify syscall while the consumer is not parked', () => {
    const ring = createRing({ capacityBytes: 1024 });
    const doorbellSab = createDoorbell();
    const doorbell = new Doorbell(doorbellSab);
    const writer = new RingWriter(ring, { doorbell });
    const mailbox = new Mailbox([new RingReader(ring)], doorbellSab, 'spin-then-park');
    const handler = new TypeCollector();
    for (let i = 0; i < 1000; i++) {
      writer.push(1 + (i % 5), 0, new Uint8Array(16));
      if (i % 10 === 9) mailbox.drain([handler], 100);
    }
    expect(handler.types.length).toBe(1000);
    expect(doorbell.notifies()).toBe(0);
  });

  it('waitForWorkAsync parks without blocking the event loop and wakes on a publish', async () => {
    const ring = createRing({ capacityBytes: 256 });
    const doorbellSab = createDoorbell();
    const doorbell = new Doorbell(doorbellSab);
    const mailbox = new Mailbox([new RingReader(ring)], doorbellSab, 'park');
    const waiting = mailbox.waitForWorkAsync(30_000);
    expect(doorbell.isParked()).toBe(true);
    new RingWriter(ring, { doorbell }).push(7, 0, new Uint8Array(3));
    expect(await waiting).toBe(true);
    expect(doorbell.notifies()).toBe(1);
    expect(doorbell.isParked()).toBe(false);
    expect(await mailbox.waitForWorkAsync(10)).toBe(true); // the frame is still there
  });
});

describe('mailbox across threads', () => {
  for (const strategy of ['park', 'spin-then-park'] as const) {
    it(`${strategy}: a parked consumer is woken by one notify and drains the whole batch in one pass`, async () => {
      const rings = [createRing({ capacityBytes: 4096 }), createRing({ capacityBytes: 4096 }), createRing({ capacityBytes: 4096 })];
      const doorbellSab = createDoorbell();
      const doorbell = new Doorbell(doorbellSab);
      const workerData: ConsumerWorkerData = { role: 'mailbox', rings, doorbell: doorbellSab, strategy, expectFrames: 101 };
      const consumer = new Worker(consumerWorkerUrl, { workerData });
      try {
        await once(consumer, 'message'); // ready
        const report = once(consumer, 'message');
        await until(() => doorbell.isParked(), 'the consumer to park');
        await sleep(20); // let it pass its post-announce re-check and enter Atomics.wait
        // 100 frames published without ringing: the consumer must stay asleep...
        const silent = new RingWriter(rings[1]!);
        for (let i = 0; i < 100; i++) silent.push(1 + i, 0, new Uint8Array(24));
        expect(doorbell.isParked()).toBe(true);
        expect(doorbell.notifies()).toBe(0);
        // ...until one publish on another ring rings the shared doorbell
        new RingWriter(rings[2]!, { doorbell }).push(500, 0, new Uint8Array(8));
        expect(doorbell.notifies()).toBe(1);
        const [result] = (await report) as [MailboxWorkerReport];
        expect(result.drains).toEqual([101]);
        expect(result.types[1]).toEqual(Array.from({ length: 100 }, (_, i) => 1 + i));
        expect(result.types[2]).toEqual([500]);
        expect(result.types[0]).toEqual([]);
        expect(result.idleTimeouts).toBe(0);
      } finally {
        await consumer.terminate();
      }
    });
  }

  it('busy-spin: the consumer never parks, so producers never notify', async () => {
    const rings = [createRing({ capacityBytes: 4096 })];
    const doorbellSab = createDoorbell();
    const doorbell = new Doorbell(doorbellSab);
    const workerData: ConsumerWorkerData = { role: 'mailbox', rings, doorbell: doorbellSab, strategy: 'busy-spin', expectFrames: 2000 };
    const consumer = new Worker(consumerWorkerUrl, { workerData });
    try {
      await once(consumer, 'message');
      const report = once(consumer, 'message');
      const writer = new RingWriter(rings[0]!, { doorbell, policy: 'block', blockTimeoutMs: 30_000 });
      for (let i = 0; i < 2000; i++) {
        writer.push(1 + (i % 100), 0, new Uint8Array(40));
        if (i % 200 === 0) await sleep(1); // let the consumer catch up and spin idle in between
      }
      const [result] = (await report) as [MailboxWorkerReport];
      expect(result.types[0]!.length).toBe(2000);
      expect(doorbell.notifies()).toBe(0);
      expect(doorbell.isParked()).toBe(false);
    } finally {
      await consumer.terminate();
    }
  });
});
