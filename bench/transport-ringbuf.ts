/**
 * ringbuf.js (padenot/ringbuf.js 0.4) in the transport suite: the same ping-pong latency and
 * streaming throughput as bench/ring.ts, over `RingBuffer`s of Uint8Array in a
 * SharedArrayBuffer. ringbuf.js has no framing and no wait strategy, so messages have a fixed
 * size both sides know and both sides busy-poll `availableRead()` / `availableWrite()`.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { nowUs } from '../src/runtime/clock.js';
import { summarizeLatency, type Figure, type LatencySummary } from './latency-stats.js';
import type { SinkDone } from './ring-bench-protocol.js';
import { RINGBUF_CAPACITY_BYTES, type RingbufWorkerData } from './transport-ringbuf-protocol.js';

const workerUrl = new URL('./transport-ringbuf-worker.js', import.meta.url);

export const RINGBUF_LATENCY_METHOD =
  'round trip / 2 over two ringbuf.js byte rings (fixed-size messages, no framing, both ends busy-poll availableRead)';
export const RINGBUF_THROUGHPUT_METHOD =
  'producer pushes N fixed-size messages to a busy-polling sink worker; first push to the last pop (wall clock shared by threads)';

function newRing(): { sab: SharedArrayBuffer; ring: RingBuffer } {
  const sab = RingBuffer.getStorageForCapacity(RINGBUF_CAPACITY_BYTES, Uint8Array);
  return { sab, ring: new RingBuffer(sab, Uint8Array) };
}

/** How long a busy-poll waits for the other thread before the case fails instead of spinning forever. */
const STALL_MS = 30_000;

/**
 * Spins until `ready()`; checks the clock every few thousand polls so a worker that died
 * (and will never answer) fails the case with a clear error.
 */
function spinUntil(ready: () => boolean, what: string): void {
  let polls = 0;
  let deadline = 0;
  while (!ready()) {
    if ((++polls & 0xfff) !== 0) continue;
    const now = performance.now();
    if (deadline === 0) deadline = now + STALL_MS;
    else if (now > deadline) throw new Error(`bench/transport: ringbuf.js ${what} for ${STALL_MS / 1000} s; is the worker alive?`);
  }
}

function pushWhole(ring: RingBuffer, message: Uint8Array): void {
  // push() writes a partial message when space is short; busy-poll (ringbuf.js cannot park) for room for all of it
  if (ring.availableWrite() < message.length) spinUntil(() => ring.availableWrite() >= message.length, 'ring stayed full');
  ring.push(message, message.length);
}

export async function ringbufLatency(messageBytes: number, samples: number, warmup: number): Promise<LatencySummary> {
  const toEcho = newRing();
  const fromEcho = newRing();
  const stop = new SharedArrayBuffer(4);
  const data: RingbufWorkerData = { role: 'echo', inbound: toEcho.sab, outbound: fromEcho.sab, stop, messageBytes };
  const worker = new Worker(workerUrl, { workerData: data });
  try {
    await once(worker, 'online');
    const message = new Uint8Array(messageBytes).fill(0x5a);
    const stamp = new DataView(message.buffer);
    const reply = new Uint8Array(messageBytes);
    const replyStamp = new DataView(reply.buffer);
    const oneWayUs = new Float64Array(samples);
    const echoed = (): boolean => fromEcho.ring.availableRead() >= messageBytes;
    for (let i = 0; i < warmup + samples; i++) {
      stamp.setFloat64(0, performance.now(), true);
      pushWhole(toEcho.ring, message);
      spinUntil(echoed, 'echo did not answer');
      fromEcho.ring.pop(reply, messageBytes);
      if (i >= warmup) oneWayUs[i - warmup] = ((performance.now() - replyStamp.getFloat64(0, true)) * 1000) / 2;
    }
    const stopped = once(worker, 'message');
    Atomics.store(new Int32Array(stop), 0, 1);
    await stopped;
    return summarizeLatency(oneWayUs, 'µs', RINGBUF_LATENCY_METHOD);
  } finally {
    await worker.terminate();
  }
}

/** XOR of 0..count-1, what the sink's checksum of the message indices must be. */
export function xorOfIndices(count: number): number {
  let x = 0;
  for (let i = 0; i < count; i++) x ^= i;
  return x;
}

export async function ringbufThroughput(messageBytes: number, count: number): Promise<Figure> {
  const { sab, ring } = newRing();
  const data: RingbufWorkerData = { role: 'sink', inbound: sab, messageBytes, count };
  const worker = new Worker(workerUrl, { workerData: data });
  try {
    await once(worker, 'message'); // ready
    const done = once(worker, 'message');
    const message = new Uint8Array(messageBytes).fill(0xa5);
    const view = new DataView(message.buffer);
    const startedUs = nowUs();
    for (let i = 0; i < count; i++) {
      view.setUint32(0, i, true);
      pushWhole(ring, message);
    }
    const [sink] = (await done) as [SinkDone & { checksum: number }];
    if (sink.checksum !== xorOfIndices(count)) {
      throw new Error(`bench/transport: ringbuf.js sink checksum ${sink.checksum} != ${xorOfIndices(count)}: messages were lost or torn, figures would be meaningless`);
    }
    return { value: Math.round(count / ((sink.finishedUs - startedUs) / 1e6)), unit: 'msgs/s', samples: sink.received };
  } finally {
    await worker.terminate();
  }
}
