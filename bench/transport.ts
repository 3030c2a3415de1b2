/**
 * The transport suite of `bot4 bench`: the SAB ring under each wait strategy and
 * MessagePort.postMessage (bench/ring.ts, runRingBench), next to ringbuf.js, a comlink call
 * and a piscina task, measured in the same run with the same 64-byte and 1 KiB payloads.
 * Every figure carries its ratio to postMessage of the same size.
 */
import type { WaitStrategy } from '../src/runtime/mailbox.js';
import { LATENCY_METRICS, latencyFigures, measured, type MeasuredFigure } from './bench-figures.js';
import type { Figure, LatencySummary } from './latency-stats.js';
import { runRingBench, type RingBenchResult } from './ring.js';
import type { BenchSize } from './suites.js';
import { COMLINK_THROUGHPUT_METHOD, comlinkLatency, comlinkThroughput } from './transport-comlink.js';
import { PISCINA_THROUGHPUT_METHOD, piscinaLatency, piscinaThroughput } from './transport-piscina.js';
import { RINGBUF_THROUGHPUT_METHOD, ringbufLatency, ringbufThroughput } from './transport-ringbuf.js';

export type TransportName = 'ring' | 'postMessage' | 'ringbuf.js' | 'comlink' | 'piscina';

export interface TransportCase {
  transport: TransportName;
  /** The ring's wait strategy; 'busy-poll' for ringbuf.js, which has none; null otherwise. */
  strategy: WaitStrategy | 'busy-poll' | null;
  messageBytes: number;
  latency: LatencySummary;
  throughput: Figure;
  throughputMethod: string;
}

export interface AlternativeSettings {
  latencySamples: number;
  latencyWarmup: number;
  ringbufThroughputMessages: number;
  roundTripThroughputCalls: number;
}

export interface TransportBenchResult {
  suite: 'transport';
  size: BenchSize;
  settings: { ring: RingBenchResult['settings']; alternatives: AlternativeSettings };
  cases: TransportCase[];
  /** The ring with a batching producer and the minimal-ring limit (bench/ring.ts), throughput only. */
  ringThroughputOnly: RingBenchResult['throughputOnly'];
}

export const MESSAGE_SIZES = [64, 1024] as const;

const RING_THROUGHPUT_METHOD = "producer streams N frames to a sink worker; first write to the sink's last receive (wall clock shared by threads)";
const POST_MESSAGE_THROUGHPUT_METHOD = "N postMessage calls to a sink worker; first send to the sink's last receive (wall clock shared by threads)";

export function alternativeSettings(size: BenchSize): AlternativeSettings {
  switch (size) {
    case 'full':
      return { latencySamples: 20_000, latencyWarmup: 2_000, ringbufThroughputMessages: 1_000_000, roundTripThroughputCalls: 50_000 };
    case 'quick':
      return { latencySamples: 2_000, latencyWarmup: 200, ringbufThroughputMessages: 100_000, roundTripThroughputCalls: 5_000 };
    case 'smoke':
      return { latencySamples: 200, latencyWarmup: 20, ringbufThroughputMessages: 10_000, roundTripThroughputCalls: 500 };
  }
}

export async function runTransportBench(opts: { size: BenchSize; onStep?: (step: string) => void }): Promise<TransportBenchResult> {
  const step = opts.onStep ?? (() => {});
  const alt = alternativeSettings(opts.size);
  step('SAB ring (3 wait strategies) and postMessage');
  const ring = await runRingBench({ quick: opts.size !== 'full' });
  const cases: TransportCase[] = ring.cases.map((c) => ({
    ...c,
    throughputMethod: c.transport === 'ring' ? RING_THROUGHPUT_METHOD : POST_MESSAGE_THROUGHPUT_METHOD,
  }));
  for (const messageBytes of MESSAGE_SIZES) {
    step(`ringbuf.js ${messageBytes} B`);
    cases.push({
      transport: 'ringbuf.js',
      strategy: 'busy-poll',
      messageBytes,
      latency: await ringbufLatency(messageBytes, alt.latencySamples, alt.latencyWarmup),
      throughput: await ringbufThroughput(messageBytes, alt.ringbufThroughputMessages),
      throughputMethod: RINGBUF_THROUGHPUT_METHOD,
    });
    step(`comlink ${messageBytes} B`);
    cases.push({
      transport: 'comlink',
      strategy: null,
      messageBytes,
      latency: await comlinkLatency(messageBytes, alt.latencySamples, alt.latencyWarmup),
      throughput: await comlinkThroughput(messageBytes, alt.roundTripThroughputCalls),
      throughputMethod: COMLINK_THROUGHPUT_METHOD,
    });
    step(`piscina ${messageBytes} B`);
    cases.push({
      transport: 'piscina',
      strategy: null,
      messageBytes,
      latency: await piscinaLatency(messageBytes, alt.latencySamples, alt.latencyWarmup),
      throughput: await piscinaThroughput(messageBytes, alt.roundTripThroughputCalls),
      throughputMethod: PISCINA_THROUGHPUT_METHOD,
    });
  }
  return { suite: 'transport', size: opts.size, settings: { ring: ring.settings, alternatives: alt }, cases: sortCases(cases), ringThroughputOnly: ring.throughputOnly };
}

const TRANSPORT_ORDER: readonly TransportName[] = ['ring', 'ringbuf.js', 'postMessage', 'comlink', 'piscina'];

/** Grouped by message size, the runtime's ring first and postMessage (the yardstick) in the middle. */
function sortCases(cases: TransportCase[]): TransportCase[] {
  return [...cases].sort((a, b) => a.messageBytes - b.messageBytes || TRANSPORT_ORDER.indexOf(a.transport) - TRANSPORT_ORDER.indexOf(b.transport));
}

export function transportSubject(c: Pick<TransportCase, 'transport' | 'strategy' | 'messageBytes'>): string {
  return [c.transport, c.strategy, `${c.messageBytes} B`].filter((part) => part !== null).join(' ');
}

/**
 * value / postMessage's value of the same size, to 3 significant digits (a ring can be
 * hundreds of times faster: two decimals would round it to 0); undefined when there is no
 * postMessage case to compare with.
 */
export function ratioTo(value: number, base: number | undefined): number | undefined {
  return base === undefined || base === 0 ? undefined : Number((value / base).toPrecision(3));
}

export function transportFigures(result: Pick<TransportBenchResult, 'cases'> & Partial<Pick<TransportBenchResult, 'ringThroughputOnly'>>): MeasuredFigure[] {
  const figures: MeasuredFigure[] = [];
  for (const c of result.cases) {
    const base = result.cases.find((p) => p.transport === 'postMessage' && p.messageBytes === c.messageBytes);
    const subject = transportSubject(c);
    const baseLatency = base === undefined ? [] : latencyFigures('', base.latency);
    latencyFigures(subject, c.latency).forEach((figure, i) => {
      const ratio = ratioTo(figure.value, baseLatency[i]?.value);
      figures.push(ratio === undefined ? { ...figure, metric: `one-way ${LATENCY_METRICS[i]}` } : { ...figure, metric: `one-way ${LATENCY_METRICS[i]}`, ratioToPostMessage: ratio });
    });
    const throughput = measured(subject, 'throughput', c.throughput, c.throughputMethod);
    const ratio = ratioTo(c.throughput.value, base?.throughput.value);
    figures.push(ratio === undefined ? throughput : { ...throughput, ratioToPostMessage: ratio });
  }
  for (const c of result.ringThroughputOnly ?? []) {
    figures.push({ ...measured(c.subject, 'throughput', c.throughput, c.method), ratioToPostMessage: c.ratioToPostMessage });
  }
  return figures;
}
