import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Doorbell, createDoorbell } from '../../src/runtime/doorbell.js';
import type { WaitStrategy } from '../../src/runtime/mailbox.js';
import { RingReader, createRing } from '../../src/runtime/ring.js';
import type { PingPongReport, PingPongWorkerData } from '../fixtures/ring-pingpong-worker.js';
import type { ConsumerReport, ProducerReport, StressWorkerData } from '../fixtures/ring-stress-worker.js';

const stressWorkerUrl = new URL('../fixtures/ring-stress-worker.js', import.meta.url);
const pingPongWorkerUrl = new URL('../fixtures/ring-pingpong-worker.js', import.meta.url);

async function runStress(strategy: WaitStrategy, count: number, seed: number): Promise<void> {
  // 64 KiB ring starting 32 KiB before 2^32: rollover early on, wraps every few hundred frames
  const ring = createRing({ capacityBytes: 64 * 1024, initialIndex: 2 ** 32 - 32 * 1024 });
  const doorbell = createDoorbell();
  const start = (role: 'producer' | 'consumer'): Worker => {
    const workerData: StressWorkerData = { role, ring, doorbell, strategy, count, seed };
    return new Worker(stressWorkerUrl, { workerData });
  };
  const consumer = start('consumer');
  const producer = start('producer');
  try {
    const [[consumed], [produced]] = (await Promise.all([once(consumer, 'message'), once(producer, 'message')])) as [
      [ConsumerReport],
      [ProducerReport],
    ];
    expect(produced.error).toBeNull();
    expect(produced.sent).toBe(count);
    expect(consumed.firstAnomaly).toBeNull();
    expect(consumed.anomalies).toBe(0);
    expect(consumed.received).toBe(count);
    expect(consumed.stalledWaits).toBe(0);
    // nothing extra (a duplicate at the tail would still be sitting in the ring)
    expect(new RingReader(ring).isEmpty()).toBe(true);
    if (strategy === 'busy-spin') expect(new Doorbell(doorbell).notifies()).toBe(0);
  } finally {
    await Promise.all([consumer.terminate(), producer.terminate()]);
  }
}

describe('ring stress across two worker threads', () => {
  for (const strategy of ['busy-spin', 'park', 'spin-then-park'] as const) {
    it(`${strategy}: 100k mixed-size frames arrive complete, in order, once, untorn`, async () => {
      await runStress(strategy, 100_000, 11);
    });
  }

  it('spin-then-park: 2.5 million mixed-size frames arrive complete, in order, once, untorn', async () => {
    await runStress('spin-then-park', 2_500_000, 12);
  }, 120_000);
});

async function runPingPong(strategy: WaitStrategy, roundTrips: number): Promise<void> {
  const rings = [createRing({ capacityBytes: 256, initialIndex: 2 ** 32 - 64 }), createRing({ capacityBytes: 256 })];
  const doorbells = [createDoorbell(), createDoorbell()];
  const start = (role: 'pinger' | 'ponger', me: 0 | 1): Worker => {
    const peer = me === 0 ? 1 : 0;
    const workerData: PingPongWorkerData = {
      role,
      inbound: rings[me]!,
      ownDoorbell: doorbells[me]!,
      outbound: rings[peer]!,
      peerDoorbell: doorbells[peer]!,
      strategy,
      roundTrips,
    };
    return new Worker(pingPongWorkerUrl, { workerData });
  };
  const pinger = start('pinger', 0);
  const ponger = start('ponger', 1);
  try {
    const reports = (await Promise.all([once(pinger, 'message'), once(ponger, 'message')])).map(([r]) => r as PingPongReport);
    for (const report of reports) {
      expect(report.stalledWaits).toBe(0);
      expect(report.outOfOrder).toBe(0);
      expect(report.messages).toBe(roundTrips);
    }
    if (strategy !== 'busy-spin') expect(new Doorbell(doorbells[0]!).notifies() + new Doorbell(doorbells[1]!).notifies()).toBeGreaterThan(0);
  } finally {
    await Promise.all([pinger.terminate(), ponger.terminate()]);
  }
}

describe('wakeups under ping-pong (every message parks the receiver)', () => {
  for (const strategy of ['park', 'spin-then-park'] as const) {
    it(`${strategy}: 5k round trips, no wakeup lost`, async () => {
      await runPingPong(strategy, 5_000);
    });
  }
});
