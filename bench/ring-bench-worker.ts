/**
 * The far end of the ring benchmark (bench/ring.ts), on its own worker thread.
 *
 * Roles:
 *  - 'ring-echo': sends every inbound frame straight back (latency ping-pong) until a STOP frame.
 *  - 'ring-sink': consumes `count` frames, then posts the wall-clock time (µs) it finished.
 *  - 'minimal-sink': the same over the minimal ring of bench/minimal-ring.ts (the limit).
 *  - 'port-echo': echoes every MessagePort message back until 'stop'.
 *  - 'port-sink': counts `count` MessagePort messages, then posts the time it finished.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { nowUs } from '../src/runtime/clock.js';
import { Doorbell } from '../src/runtime/doorbell.js';
import { Mailbox } from '../src/runtime/mailbox.js';
import { RingReader, RingWriter, type FrameHandler } from '../src/runtime/ring.js';
import { consumeMinimal } from './minimal-ring.js';
import { BenchFrame, type BenchWorkerData, type SinkDone } from './ring-bench-protocol.js';

const WAIT_SLICE_MS = 1000;

/** Copies each frame into the outbound ring, word by word (no temporary views per frame). */
class Echo implements FrameHandler {
  stopped = false;
  private readonly inboundWords: Int32Array;
  private readonly inboundBytes: Uint8Array;
  private readonly outboundWords: Int32Array;

  constructor(
    inbound: SharedArrayBuffer,
    private readonly writer: RingWriter,
  ) {
    this.inboundWords = new Int32Array(inbound);
    this.inboundBytes = new Uint8Array(inbound);
    this.outboundWords = new Int32Array(writer.bytes.buffer);
  }

  onFrame(type: number, version: number, _view: DataView, offset: number, length: number): void {
    if (type === BenchFrame.STOP) {
      this.stopped = true;
      return;
    }
    const out = this.writer.reserve(length);
    // payload offsets are 8-byte aligned, so whole words copy straight across
    const words = length >> 2;
    for (let i = 0, from = offset >> 2, to = out >> 2; i < words; i++) this.outboundWords[to + i] = this.inboundWords[from + i]!;
    for (let i = words << 2; i < length; i++) this.writer.bytes[out + i] = this.inboundBytes[offset + i]!;
    this.writer.publish(type, version);
  }
}

class Sink implements FrameHandler {
  received = 0;
  checksum = 0;
  onFrame(_type: number, _version: number, view: DataView, offset: number): void {
    this.received++;
    this.checksum ^= view.getUint32(offset, true);
  }
}

function ringEcho(data: Extract<BenchWorkerData, { role: 'ring-echo' }>): void {
  const mailbox = new Mailbox([new RingReader(data.inbound)], data.ownDoorbell, data.strategy);
  const echo = new Echo(data.inbound, new RingWriter(data.outbound, { policy: 'block', blockTimeoutMs: 10_000, doorbell: new Doorbell(data.peerDoorbell) }));
  const handlers = [echo];
  while (!echo.stopped) {
    if (mailbox.drain(handlers, 256) === 0) mailbox.waitForWork(WAIT_SLICE_MS);
  }
  parentPort!.postMessage('stopped');
}

function ringSink(data: Extract<BenchWorkerData, { role: 'ring-sink' }>): void {
  const mailbox = new Mailbox([new RingReader(data.inbound)], data.ownDoorbell, data.strategy);
  const sink = new Sink();
  const handlers = [sink];
  parentPort!.postMessage('ready');
  while (sink.received < data.count) {
    if (mailbox.drain(handlers, 4096) === 0) mailbox.waitForWork(WAIT_SLICE_MS);
  }
  const done: SinkDone = { finishedUs: nowUs(), received: sink.received };
  parentPort!.postMessage(done);
}

function minimalSink(data: Extract<BenchWorkerData, { role: 'minimal-sink' }>): void {
  parentPort!.postMessage('ready');
  const seqSum = consumeMinimal(data.inbound, data.count, data.commitEvery);
  const done: SinkDone = { finishedUs: nowUs(), received: data.count, seqSum };
  parentPort!.postMessage(done);
}

function portEcho(port: MessagePort): void {
  port.on('message', (message: Uint8Array | 'stop') => {
    if (message === 'stop') {
      port.close();
      return;
    }
    port.postMessage(message);
  });
}

function portSink(port: MessagePort, count: number): void {
  let received = 0;
  port.on('message', () => {
    if (++received === count) {
      const done: SinkDone = { finishedUs: nowUs(), received };
      parentPort!.postMessage(done);
      port.close();
    }
  });
  parentPort!.postMessage('ready');
}

const data = workerData as BenchWorkerData;
if (data.role === 'ring-echo') ringEcho(data);
else if (data.role === 'ring-sink') ringSink(data);
else if (data.role === 'minimal-sink') minimalSink(data);
else if (data.role === 'port-echo') portEcho(data.port);
else portSink(data.port, data.count);
