/**
 * The far end of the ringbuf.js cases in the transport suite. ringbuf.js is a byte ring
 * without framing or wait strategy, so every message is exactly `messageBytes` long and this
 * side busy-polls `availableRead()` until a whole message is there.
 *
 *  - 'echo': pops each message and pushes it back, until the stop word is set.
 *  - 'sink': pops `count` messages, then posts the wall-clock time (µs) it finished.
 */
import { RingBuffer } from 'ringbuf.js';
import { parentPort, workerData } from 'node:worker_threads';
import { nowUs } from '../src/runtime/clock.js';
import type { SinkDone } from './ring-bench-protocol.js';
import type { RingbufWorkerData } from './transport-ringbuf-protocol.js';

function echo(data: Extract<RingbufWorkerData, { role: 'echo' }>): void {
  const inbound = new RingBuffer(data.inbound, Uint8Array);
  const outbound = new RingBuffer(data.outbound, Uint8Array);
  const stop = new Int32Array(data.stop);
  const message = new Uint8Array(data.messageBytes);
  while (Atomics.load(stop, 0) === 0) {
    if (inbound.availableRead() < data.messageBytes) continue;
    inbound.pop(message, data.messageBytes);
    while (outbound.availableWrite() < data.messageBytes) {
      // the pinger reads every reply before sending again, so this only waits on a slow reader
    }
    outbound.push(message, data.messageBytes);
  }
  parentPort!.postMessage('stopped');
}

function sink(data: Extract<RingbufWorkerData, { role: 'sink' }>): void {
  const inbound = new RingBuffer(data.inbound, Uint8Array);
  const message = new Uint8Array(data.messageBytes);
  const view = new DataView(message.buffer);
  let checksum = 0;
  parentPort!.postMessage('ready');
  for (let received = 0; received < data.count; ) {
    if (inbound.availableRead() < data.messageBytes) continue;
    inbound.pop(message, data.messageBytes);
    checksum ^= view.getUint32(0, true);
    received++;
  }
  const done: SinkDone & { checksum: number } = { finishedUs: nowUs(), received: data.count, checksum };
  parentPort!.postMessage(done);
}

const data = workerData as RingbufWorkerData;
if (data.role === 'echo') echo(data);
else sink(data);
