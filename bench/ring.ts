/**
 * Ring buffer benchmark: one-way latency and throughput of the SPSC ring for each wait
 * strategy, next to MessagePort.postMessage measured in the same run, for 64-byte and
 * 1 KiB messages.
 *
 *   node <out>/bench/ring.js [--quick]
 *
 * Latency is a ping-pong between this thread and an echo worker: the sender writes
 * performance.now() into the payload, the echo sends the payload back, and half the round
 * trip is one one-way sample (both stamps come from the same clock, so no cross-thread
 * clock skew). Throughput is the producer (this thread) streaming N messages to a sink
 * worker, from the first write to the sink's last receive (wall clock shared by threads).
 *
 * Throughput-only rows, in the same run: the runtime's ring with the producer staging
 * bursts of BURST_FRAMES frames and flushing each with one store (RingWriter.stage/flush),
 * and the limit: a minimal SAB ring (bench/minimal-ring.ts) publishing per frame and per
 * burst, which shows what the seq-cst Atomics.store per frame costs on this machine.
 * Results go to bench/results/ring-<timestamp>.json and bench/results/latest-ring.json.
 */
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { nowUs } from '../src/runtime/clock.js';
import { Doorbell, createDoorbell } from '../src/runtime/doorbell.js';
import { Mailbox, type WaitStrategy } from '../src/runtime/mailbox.js';
import { packageRoot } from '../src/runtime/package-root.js';
import { RingReader, RingWriter, createRing, type FrameHandler } from '../src/runtime/ring.js';
import { round, summarizeLatency, type Figure, type LatencySummary } from './latency-stats.js';
import { createMinimalRing, produceMinimal } from './minimal-ring.js';
import { BenchFrame, type BenchWorkerData, type SinkDone } from './ring-bench-protocol.js';

export interface RingBenchOptions {
  quick: boolean;
}

export interface RingBenchCase {
  transport: 'ring' | 'postMessage';
  /** The wait strategy of both ends (ring only). */
  strategy: WaitStrategy | null;
  messageBytes: number;
  latency: LatencySummary;
  throughput: Figure;
}

/** A throughput measured without a latency counterpart (batched producer, the minimal ring). */
export interface RingThroughputCase {
  subject: string;
  messageBytes: number;
  throughput: Figure;
  method: string;
  /** msgs/s divided by postMessage msgs/s of the same size in this run. */
  ratioToPostMessage: number;
}

export interface RingBenchComparison {
  strategy: WaitStrategy;
  messageBytes: number;
  /** ring msgs/s divided by postMessage msgs/s. */
  throughputRatio: number;
  /** postMessage p50 latency divided by ring p50 latency (how many times faster the ring is). */
  p50LatencySpeedup: number;
}

export interface RingBenchResult {
  suite: 'ring';
  startedAt: string;
  quick: boolean;
  durationMs: number;
  machine: { cpus: number; model: string; node: string; platform: string; arch: string; totalMemBytes: number; loadAverage1m: number };
  settings: { latencySamples: number; latencyWarmup: number; ringThroughputMessages: number; postMessageThroughputMessages: number; ringCapacityBytes: number };
  cases: RingBenchCase[];
  comparisons: RingBenchComparison[];
  throughputOnly: RingThroughputCase[];
}

const STRATEGIES: readonly WaitStrategy[] = ['busy-spin', 'spin-then-park', 'park'];
const MESSAGE_SIZES = [64, 1024] as const;
const RING_CAPACITY_BYTES = 256 * 1024;
const WAIT_SLICE_MS = 1000;
/** Frames a batched producer stages before each flush. */
export const BURST_FRAMES = 64;
const workerUrl = new URL('./ring-bench-worker.js', import.meta.url);

function settingsFor(quick: boolean): RingBenchResult['settings'] {
  return quick
    ? { latencySamples: 2_000, latencyWarmup: 200, ringThroughputMessages: 100_000, postMessageThroughputMessages: 20_000, ringCapacityBytes: RING_CAPACITY_BYTES }
    : { latencySamples: 20_000, latencyWarmup: 2_000, ringThroughputMessages: 1_000_000, postMessageThroughputMessages: 200_000, ringCapacityBytes: RING_CAPACITY_BYTES };
}

function startWorker(workerData: BenchWorkerData, transferList: MessagePort[] = []): Worker {
  return new Worker(workerUrl, { workerData, transferList });
}

/** Reads back the send time the pinger wrote into the payload. */
class EchoReceiver implements FrameHandler {
  sentAt = 0;
  onFrame(_type: number, _version: number, view: DataView, offset: number): void {
    this.sentAt = view.getFloat64(offset, true);
  }
}

async function ringLatency(strategy: WaitStrategy, messageBytes: number, samples: number, warmup: number): Promise<LatencySummary> {
  const toEcho = createRing({ capacityBytes: RING_CAPACITY_BYTES });
  const fromEcho = createRing({ capacityBytes: RING_CAPACITY_BYTES });
  const ownDoorbell = createDoorbell();
  const echoDoorbell = createDoorbell();
  const worker = startWorker({ role: 'ring-echo', inbound: toEcho, ownDoorbell: echoDoorbell, outbound: fromEcho, peerDoorbell: ownDoorbell, strategy });
  try {
    await once(worker, 'online');
    const writer = new RingWriter(toEcho, { policy: 'block', blockTimeoutMs: 10_000, doorbell: new Doorbell(echoDoorbell) });
    const mailbox = new Mailbox([new RingReader(fromEcho)], ownDoorbell, strategy);
    const receiver = new EchoReceiver();
    const handlers = [receiver];
    const payload = new Uint8Array(messageBytes).fill(0x5a);
    const oneWayUs = new Float64Array(samples);
    for (let i = 0; i < warmup + samples; i++) {
      const offset = writer.reserve(messageBytes);
      writer.bytes.set(payload, offset);
      writer.view.setFloat64(offset, performance.now(), true);
      writer.publish(BenchFrame.DATA, 0);
      while (mailbox.drain(handlers, 1) === 0) mailbox.waitForWork(WAIT_SLICE_MS);
      if (i >= warmup) oneWayUs[i - warmup] = ((performance.now() - receiver.sentAt) * 1000) / 2;
    }
    const stopped = once(worker, 'message');
    writer.reserve(0);
    writer.publish(BenchFrame.STOP, 0);
    await stopped;
    return summarizeLatency(oneWayUs, 'µs', 'round trip / 2 over two rings (payload carries the send time)');
  } finally {
    await worker.terminate();
  }
}

async function ringThroughput(strategy: WaitStrategy, messageBytes: number, count: number): Promise<Figure> {
  const ring = createRing({ capacityBytes: RING_CAPACITY_BYTES });
  const doorbell = createDoorbell();
  const worker = startWorker({ role: 'ring-sink', inbound: ring, ownDoorbell: doorbell, strategy, count });
  try {
    await once(worker, 'message'); // ready
    const done = once(worker, 'message');
    const writer = new RingWriter(ring, { policy: 'block', blockTimeoutMs: 10_000, doorbell: new Doorbell(doorbell) });
    const payload = new Uint8Array(messageBytes).fill(0xa5);
    const startedUs = nowUs();
    for (let i = 0; i < count; i++) {
      const offset = writer.reserve(messageBytes);
      writer.bytes.set(payload, offset);
      writer.view.setUint32(offset, i, true);
      writer.publish(BenchFrame.DATA, 0);
    }
    const [sink] = (await done) as [SinkDone];
    return { value: Math.round(count / ((sink.finishedUs - startedUs) / 1e6)), unit: 'msgs/s', samples: sink.received };
  } finally {
    await worker.terminate();
  }
}

/** As ringThroughput, but the producer stages BURST_FRAMES frames per flush (one Atomics.store per burst). */
async function ringBurstThroughput(strategy: WaitStrategy, messageBytes: number, count: number): Promise<Figure> {
  const ring = createRing({ capacityBytes: RING_CAPACITY_BYTES });
  const doorbell = createDoorbell();
  const worker = startWorker({ role: 'ring-sink', inbound: ring, ownDoorbell: doorbell, strategy, count });
  try {
    await once(worker, 'message'); // ready
    const done = once(worker, 'message');
    const writer = new RingWriter(ring, { policy: 'block', blockTimeoutMs: 10_000, doorbell: new Doorbell(doorbell) });
    const payload = new Uint8Array(messageBytes).fill(0xa5);
    const startedUs = nowUs();
    for (let i = 0; i < count; i++) {
      const offset = writer.reserve(messageBytes);
      writer.bytes.set(payload, offset);
      writer.view.setUint32(offset, i, true);
      writer.stage(BenchFrame.DATA, 0);
      if ((i + 1) % BURST_FRAMES === 0) writer.flush();
    }
    writer.flush();
    const [sink] = (await done) as [SinkDone];
    return { value: Math.round(count / ((sink.finishedUs - startedUs) / 1e6)), unit: 'msgs/s', samples: sink.received };
  } finally {
    await worker.terminate();
  }
}

/** The limit: the minimal ring of bench/minimal-ring.ts, publishing and committing every `publishEvery` frames. */
async function minimalRingThroughput(messageBytes: number, count: number, publishEvery: number): Promise<Figure> {
  const ring = createMinimalRing(RING_CAPACITY_BYTES);
  const worker = startWorker({ role: 'minimal-sink', inbound: ring, count, commitEvery: publishEvery });
  try {
    await once(worker, 'message'); // ready
    const done = once(worker, 'message');
    const startedUs = nowUs();
    produceMinimal(ring, messageBytes, count, publishEvery);
    const [sink] = (await done) as [SinkDone];
    if (sink.seqSum !== (count * (count - 1)) / 2) throw new Error(`minimal ring lost or duplicated frames (sequence sum ${sink.seqSum})`);
    return { value: Math.round(count / ((sink.finishedUs - startedUs) / 1e6)), unit: 'msgs/s', samples: sink.received };
  } finally {
    await worker.terminate();
  }
}

async function postMessageLatency(messageBytes: number, samples: number, warmup: number): Promise<LatencySummary> {
  const { port1, port2 } = new MessageChannel();
  const worker = startWorker({ role: 'port-echo', port: port2 }, [port2]);
  try {
    await once(worker, 'online');
    const payload = new Uint8Array(messageBytes).fill(0x5a);
    const stamp = new DataView(payload.buffer);
    const oneWayUs = new Float64Array(samples);
    let resolveReply: (sentAt: number) => void = () => {};
    port1.on('message', (reply: Uint8Array) => resolveReply(new DataView(reply.buffer, reply.byteOffset).getFloat64(0, true)));
    for (let i = 0; i < warmup + samples; i++) {
      const reply = new Promise<number>((resolve) => (resolveReply = resolve));
      stamp.setFloat64(0, performance.now(), true);
      port1.postMessage(payload);
      const sentAt = await reply;
      if (i >= warmup) oneWayUs[i - warmup] = ((performance.now() - sentAt) * 1000) / 2;
    }
    port1.postMessage('stop');
    return summarizeLatency(oneWayUs, 'µs', 'round trip / 2 over a MessageChannel (payload carries the send time)');
  } finally {
    port1.close();
    await worker.terminate();
  }
}

async function postMessageThroughput(messageBytes: number, count: number): Promise<Figure> {
  const { port1, port2 } = new MessageChannel();
  const worker = startWorker({ role: 'port-sink', port: port2, count }, [port2]);
  try {
    await once(worker, 'message'); // ready
    const done = once(worker, 'message');
    const payload = new Uint8Array(messageBytes).fill(0xa5);
    const view = new DataView(payload.buffer);
    const startedUs = nowUs();
    for (let i = 0; i < count; i++) {
      view.setUint32(0, i, true);
      port1.postMessage(payload);
    }
    const [sink] = (await done) as [SinkDone];
    return { value: Math.round(count / ((sink.finishedUs - startedUs) / 1e6)), unit: 'msgs/s', samples: sink.received };
  } finally {
    port1.close();
    await worker.terminate();
  }
}

export async function runRingBench(opts: RingBenchOptions): Promise<RingBenchResult> {
  const settings = settingsFor(opts.quick);
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const cases: RingBenchCase[] = [];
  const throughputOnly: RingThroughputCase[] = [];
  const count = settings.ringThroughputMessages;
  for (const messageBytes of MESSAGE_SIZES) {
    for (const strategy of STRATEGIES) {
      const latency = await ringLatency(strategy, messageBytes, settings.latencySamples, settings.latencyWarmup);
      const throughput = await ringThroughput(strategy, messageBytes, count);
      cases.push({ transport: 'ring', strategy, messageBytes, latency, throughput });
    }
    const latency = await postMessageLatency(messageBytes, settings.latencySamples, settings.latencyWarmup);
    const throughput = await postMessageThroughput(messageBytes, settings.postMessageThroughputMessages);
    cases.push({ transport: 'postMessage', strategy: null, messageBytes, latency, throughput });
    const rows: [string, Figure, string][] = [
      [`ring spin-then-park ${messageBytes} B, bursts of ${BURST_FRAMES}`, await ringBurstThroughput('spin-then-park', messageBytes, count), BURST_METHOD],
      [`minimal SAB ring ${messageBytes} B, store per frame`, await minimalRingThroughput(messageBytes, count, 1), MINIMAL_METHOD],
      [`minimal SAB ring ${messageBytes} B, store per ${BURST_FRAMES}`, await minimalRingThroughput(messageBytes, count, BURST_FRAMES), MINIMAL_METHOD],
    ];
    for (const [subject, figure, method] of rows) {
      throughputOnly.push({ subject, messageBytes, throughput: figure, method, ratioToPostMessage: round(figure.value / throughput.value) });
    }
  }
  const cpuList = cpus();
  return {
    suite: 'ring',
    startedAt,
    quick: opts.quick,
    durationMs: Date.now() - started,
    machine: {
      cpus: cpuList.length,
      model: cpuList[0]?.model ?? 'unknown',
      node: process.version,
      platform: platform(),
      arch: arch(),
      totalMemBytes: totalmem(),
      loadAverage1m: round(loadavg()[0] ?? 0),
    },
    settings,
    cases,
    comparisons: compare(cases),
    throughputOnly,
  };
}

const BURST_METHOD = `as the ring rows, but the producer stages ${BURST_FRAMES} frames (RingWriter.stage) and publishes them with one flush()`;
const MINIMAL_METHOD =
  'the limit: a minimal SAB ring (bench/minimal-ring.ts: fixed frames, no checks, no doorbell, no handler call), ' +
  'one Atomics.store per frame or per burst on each side, sink spinning';

export function compare(cases: readonly RingBenchCase[]): RingBenchComparison[] {
  const comparisons: RingBenchComparison[] = [];
  for (const ring of cases) {
    if (ring.transport !== 'ring' || ring.strategy === null) continue;
    const port = cases.find((c) => c.transport === 'postMessage' && c.messageBytes === ring.messageBytes);
    if (port === undefined) continue;
    comparisons.push({
      strategy: ring.strategy,
      messageBytes: ring.messageBytes,
      throughputRatio: round(ring.throughput.value / port.throughput.value),
      p50LatencySpeedup: round(port.latency.p50.value / ring.latency.p50.value),
    });
  }
  return comparisons;
}

export function formatRingBenchTable(result: RingBenchResult): string {
  const header = ['transport', 'strategy', 'size', 'p50 µs', 'p99 µs', 'p99.9 µs', 'latency n', 'msgs/s', 'msgs n'];
  const rows = result.cases.map((c) => [
    c.transport,
    c.strategy ?? '-',
    `${c.messageBytes} B`,
    String(c.latency.p50.value),
    String(c.latency.p99.value),
    String(c.latency.p999.value),
    String(c.latency.p50.samples),
    c.throughput.value.toLocaleString('en-US'),
    String(c.throughput.samples),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  const m = result.machine;
  const out = [
    `ring benchmark ${result.quick ? '(quick) ' : ''}${result.startedAt}: ${m.cpus} x ${m.model}, node ${m.node}, load ${m.loadAverage1m}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'ring vs postMessage (same run):',
    ...result.comparisons.map(
      (c) => `  ${c.strategy.padEnd(14)} ${String(c.messageBytes).padStart(4)} B: throughput ring/postMessage x${c.throughputRatio}, p50 latency postMessage/ring x${c.p50LatencySpeedup}`,
    ),
    ...(result.throughputOnly.length > 0 ? ['', 'throughput only (same run):'] : []),
    ...result.throughputOnly.map((c) => `  ${c.subject.padEnd(44)} ${c.throughput.value.toLocaleString('en-US').padStart(12)} msgs/s  x${c.ratioToPostMessage} postMessage`),
  ];
  return out.join('\n');
}

/** Writes bench/results/ring-<timestamp>.json and bench/results/latest-ring.json. */
export function writeRingBenchResults(result: RingBenchResult, dir = join(packageRoot(import.meta.url), 'bench', 'results')): { dated: string; latest: string } {
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(result, null, 2) + '\n';
  const dated = join(dir, `ring-${result.startedAt.replace(/[:.]/g, '-')}.json`);
  const latest = join(dir, 'latest-ring.json');
  writeFileSync(dated, json);
  writeFileSync(latest, json);
  return { dated, latest };
}

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((a) => a !== '--quick');
  if (unknown.length > 0) throw new Error(`bench/ring: unknown argument(s) ${unknown.join(' ')} (usage: node bench/ring.js [--quick])`);
  const result = await runRingBench({ quick: argv.includes('--quick') });
  console.log(formatRingBenchTable(result));
  const { dated, latest } = writeRingBenchResults(result);
  console.log(`\nwrote ${dated}\nwrote ${latest}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
