/**
 * Codec micro-benchmark: nanoseconds to encode and to decode one message of each hot type,
 * plus the reader's dispatching FrameDecoder on a mixed stream, measured with benny.
 *
 *   node <out>/bench/codec.js [--quick]
 *
 * Each benny case encodes or decodes a batch of BATCH different messages (seeded, realistic
 * values) so the per-call overhead of the harness stays small next to ~tens of ns of work;
 * ns/op is benny's mean time per batch divided by BATCH. Results go to
 * bench/results/latest-codec.json.
 */
import b from 'benny';
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ExecStatus, Liquidity, OrderAction, OrderType, PanicKind, RejectReason, Side, TimeInForce, TradingState, TripSource,
  type BookTop, type ExecutionReport, type Fill, type L2Delta, type OrderCommand, type OrderIntent, type RiskPanic,
  type Trade, type TradingStateChange,
} from '../src/domain/messages.js';
import { seededRandom, type Random } from '../src/domain/random.js';
import { executionReportCodec, fillCodec } from '../src/runtime/codec/execution.js';
import { FrameDecoder } from '../src/runtime/codec/frame-decoder.js';
import { bookTopCodec, l2DeltaCodec, tradeCodec } from '../src/runtime/codec/market-data.js';
import type { MessageCodec } from '../src/runtime/codec/message-codec.js';
import { orderCommandCodec, orderIntentCodec } from '../src/runtime/codec/orders.js';
import { packageRoot } from '../src/runtime/package-root.js';
import { riskPanicCodec, tradingStateChangeCodec } from '../src/runtime/codec/safety.js';

export interface CodecBenchOptions {
  quick: boolean;
}

export interface CodecBenchCase {
  /** e.g. "BookTop encode", "L2Delta(20 levels) decode", "FrameDecoder mixed decode". */
  name: string;
  payloadBytes: number;
  /** Mean ns per message. */
  nsPerOp: number;
  /** Median ns per message over benny's samples. */
  medianNsPerOp: number;
  /** Relative margin of error of the mean, percent. */
  marginPercent: number;
  /** benny (benchmark.js) samples, each the mean of many batches. */
  samples: number;
  messagesPerSample: number;
}

export interface CodecBenchResult {
  suite: 'codec';
  startedAt: string;
  quick: boolean;
  durationMs: number;
  machine: { cpus: number; model: string; node: string; platform: string; arch: string; loadAverage1m: number };
  settings: { batch: number; minSamples: number; maxTimeSeconds: number };
  cases: CodecBenchCase[];
}

const BATCH = 256;
const MAX_LEVELS_IN_BENCH = 20;

interface Subject<T> {
  label: string;
  codec: MessageCodec<T>;
  make(random: Random, i: number): T;
}

const px = (r: Random) => Math.round((30_000 + r.next() * 1_000) * 100) / 100;
const qty = (r: Random) => Math.round(r.next() * 5 * 1e6) / 1e6;
const side = (r: Random) => (r.next() < 0.5 ? Side.BUY : Side.SELL);
const TS_MS = 1_760_000_000_000;
const TS_US = TS_MS * 1000;

const bookTop: Subject<BookTop> = {
  label: 'BookTop', codec: bookTopCodec,
  make: (r, i) => ({
    venue: 1, instrument: 1 + (i % 16), updateId: 70_000_000_000 + i, bidPrice: px(r), bidQty: qty(r), askPrice: px(r), askQty: qty(r),
    exchangeTsMs: TS_MS + i, receiveTsUs: TS_US + i * 1000.25,
  }),
};
const l2Delta: Subject<L2Delta> = {
  label: `L2Delta(${MAX_LEVELS_IN_BENCH} levels)`, codec: l2DeltaCodec,
  make: (r, i) => {
    const m = l2DeltaCodec.create();
    Object.assign(m, {
      venue: 1, instrument: 1 + (i % 16), firstUpdateId: 70_000_000_000 + 3 * i, lastUpdateId: 70_000_000_002 + 3 * i, exchangeTsMs: TS_MS + i,
      receiveTsUs: TS_US + i * 1000.25, levelCount: MAX_LEVELS_IN_BENCH,
    });
    for (let l = 0; l < MAX_LEVELS_IN_BENCH; l++) {
      m.sides[l] = side(r);
      m.prices[l] = px(r);
      m.quantities[l] = qty(r);
    }
    return m;
  },
};
const trade: Subject<Trade> = {
  label: 'Trade', codec: tradeCodec,
  make: (r, i) => ({ venue: 1, instrument: 1 + (i % 16), tradeId: 5_000_000_000 + i, price: px(r), qty: qty(r), aggressor: side(r), exchangeTsMs: TS_MS + i, receiveTsUs: TS_US + i * 1000.25 }),
};
const orderIntent: Subject<OrderIntent> = {
  label: 'OrderIntent', codec: orderIntentCodec,
  make: (r, i) => ({
    strategy: 2, intentId: i + 1, venue: 1, instrument: 1 + (i % 16), side: side(r), type: OrderType.LIMIT, timeInForce: TimeInForce.GTC,
    reduceOnly: 0, price: px(r), qty: qty(r), expectedPrice: px(r), createdTsUs: TS_US + i * 1000.25,
  }),
};
const orderCommand: Subject<OrderCommand> = {
  label: 'OrderCommand', codec: orderCommandCodec,
  make: (r, i) => ({
    action: OrderAction.SUBMIT, orderId: i + 1, venue: 1, instrument: 1 + (i % 16), side: side(r), type: OrderType.LIMIT,
    timeInForce: TimeInForce.IOC, reduceOnly: 0, price: px(r), qty: qty(r), createdTsUs: TS_US + i * 1000.25,
  }),
};
const executionReport: Subject<ExecutionReport> = {
  label: 'ExecutionReport', codec: executionReportCodec,
  make: (r, i) => ({
    orderId: i + 1, venueOrderId: 40_000_000_000 + i, venue: 1, instrument: 1 + (i % 16), status: ExecStatus.PARTIALLY_FILLED,
    rejectReason: RejectReason.NONE, side: side(r), cumQty: qty(r), avgPrice: px(r), leavesQty: qty(r), lastQty: qty(r), lastPrice: px(r),
    exchangeTsMs: TS_MS + i, receiveTsUs: TS_US + i * 1000.25,
  }),
};
const fill: Subject<Fill> = {
  label: 'Fill', codec: fillCodec,
  make: (r, i) => ({
    orderId: i + 1, venue: 1, instrument: 1 + (i % 16), side: side(r), price: px(r), qty: qty(r), fee: qty(r) / 1000, liquidity: Liquidity.TAKER,
    tradeId: 5_000_000_000 + i, exchangeTsMs: TS_MS + i, receiveTsUs: TS_US + i * 1000.25,
  }),
};
const tradingStateChange: Subject<TradingStateChange> = {
  label: 'TradingStateChange', codec: tradingStateChangeCodec,
  make: (_r, i) => ({ state: TradingState.REDUCING, previous: TradingState.ACTIVE, source: TripSource.RISK_PANIC, seq: i + 1, tsUs: TS_US + i * 1000.25 }),
};
const riskPanic: Subject<RiskPanic> = {
  label: 'RiskPanic', codec: riskPanicCodec,
  make: (r, i) => ({ kind: PanicKind.DRAWDOWN, venue: 1, instrument: 1 + (i % 16), value: -px(r), threshold: -25_000, tsUs: TS_US + i * 1000.25 }),
};

// One list over every message type: TypeScript has no existential type, so the element type is any.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const SUBJECTS: Subject<any>[] = [bookTop, l2Delta, trade, orderIntent, orderCommand, executionReport, fill, tradingStateChange, riskPanic];

/** BATCH messages laid out back to back in shared memory, as frames would sit in a ring. */
interface Prepared<T> {
  subject: Subject<T>;
  messages: T[];
  view: DataView;
  offsets: Int32Array;
  lengths: Int32Array;
}

function prepare<T>(subject: Subject<T>, random: Random): Prepared<T> {
  const messages = Array.from({ length: BATCH }, (_, i) => subject.make(random, i));
  const lengths = Int32Array.from(messages, (m) => subject.codec.size(m));
  const offsets = new Int32Array(BATCH);
  let end = 0;
  for (let i = 0; i < BATCH; i++) {
    offsets[i] = end;
    end += (lengths[i]! + 7) & ~7;
  }
  const view = new DataView(new SharedArrayBuffer(end));
  messages.forEach((m, i) => subject.codec.encode(view, offsets[i]!, m));
  return { subject, messages, view, offsets, lengths };
}

function encodeBatch<T>({ subject: { codec }, messages, view, offsets }: Prepared<T>): () => void {
  return () => {
    for (let i = 0; i < BATCH; i++) codec.encode(view, offsets[i]!, messages[i]!);
  };
}

function decodeBatch<T>({ subject: { codec }, view, offsets, lengths }: Prepared<T>): () => void {
  const out = codec.create();
  return () => {
    for (let i = 0; i < BATCH; i++) codec.decode(view, offsets[i]!, lengths[i]!, out);
  };
}

/** The reader's path: dispatch on (type, version) then decode, over an interleaved stream of every type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- every message type at once, as SUBJECTS
function frameDecoderBatch(prepared: Prepared<any>[]): { run: () => void; payloadBytes: number; decoder: FrameDecoder } {
  const decoder = new FrameDecoder();
  const types = new Int32Array(BATCH);
  const versions = new Int32Array(BATCH);
  const views: DataView[] = [];
  const offsets = new Int32Array(BATCH);
  const lengths = new Int32Array(BATCH);
  let bytes = 0;
  for (let i = 0; i < BATCH; i++) {
    const p = prepared[i % prepared.length]!;
    types[i] = p.subject.codec.type;
    versions[i] = p.subject.codec.version;
    views.push(p.view);
    offsets[i] = p.offsets[i]!;
    lengths[i] = p.lengths[i]!;
    bytes += lengths[i]!;
  }
  return {
    decoder,
    payloadBytes: Math.round(bytes / BATCH),
    run: () => {
      for (let i = 0; i < BATCH; i++) decoder.decode(types[i]!, versions[i]!, views[i]!, offsets[i]!, lengths[i]!);
    },
  };
}

export async function runCodecBench(opts: CodecBenchOptions): Promise<CodecBenchResult> {
  const settings = { batch: BATCH, minSamples: opts.quick ? 5 : 30, maxTimeSeconds: opts.quick ? 0.15 : 1.5 };
  const caseOptions = { minSamples: settings.minSamples, maxTime: settings.maxTimeSeconds };
  const started = Date.now();
  const random = seededRandom(4242);
  const prepared = SUBJECTS.map((s) => prepare(s, random));
  const payloadBytes = new Map<string, number>();
  const cases: ReturnType<typeof b.add>[] = [];
  for (const p of prepared) {
    const bytes = p.lengths[0]!;
    payloadBytes.set(`${p.subject.label} encode`, bytes).set(`${p.subject.label} decode`, bytes);
    cases.push(b.add(`${p.subject.label} encode`, encodeBatch(p), caseOptions));
    cases.push(b.add(`${p.subject.label} decode`, decodeBatch(p), caseOptions));
  }
  const mixed = frameDecoderBatch(prepared);
  payloadBytes.set('FrameDecoder mixed decode', mixed.payloadBytes);
  cases.push(b.add('FrameDecoder mixed decode', mixed.run, caseOptions));

  const summary = await b.suite('codec', ...cases);
  if (mixed.decoder.rejected() > 0) {
    throw new Error(`bench/codec: the FrameDecoder refused ${mixed.decoder.rejected()} frames (${mixed.decoder.lastError?.message}); figures would be meaningless`);
  }
  const cpuList = cpus();
  return {
    suite: 'codec',
    startedAt: new Date(started).toISOString(),
    quick: opts.quick,
    durationMs: Date.now() - started,
    machine: { cpus: cpuList.length, model: cpuList[0]?.model ?? 'unknown', node: process.version, platform: platform(), arch: arch(), loadAverage1m: round(loadavg()[0] ?? 0) },
    settings,
    cases: summary.results.map((r) => ({
      name: r.name,
      payloadBytes: payloadBytes.get(r.name) ?? 0,
      nsPerOp: round(1e9 / (r.ops * BATCH)),
      medianNsPerOp: round((r.details.median * 1e9) / BATCH),
      marginPercent: round(r.margin),
      samples: r.samples,
      messagesPerSample: BATCH,
    })),
  };
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function formatCodecBenchTable(result: CodecBenchResult): string {
  const header = ['case', 'bytes', 'ns/op', 'median ns/op', '± %', 'samples'];
  const rows = result.cases.map((c) => [c.name, String(c.payloadBytes), String(c.nsPerOp), String(c.medianNsPerOp), String(c.marginPercent), String(c.samples)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const m = result.machine;
  return [
    `codec benchmark ${result.quick ? '(quick) ' : ''}${result.startedAt}: ${m.cpus} x ${m.model}, node ${m.node}, load ${m.loadAverage1m}; ${result.settings.batch} messages per benny op`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

/** Writes bench/results/latest-codec.json. */
export function writeCodecBenchResults(result: CodecBenchResult, dir = join(packageRoot(import.meta.url), 'bench', 'results')): string {
  mkdirSync(dir, { recursive: true });
  const latest = join(dir, 'latest-codec.json');
  writeFileSync(latest, JSON.stringify(result, null, 2) + '\n');
  return latest;
}

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((a) => a !== '--quick');
  if (unknown.length > 0) throw new Error(`bench/codec: unknown argument(s) ${unknown.join(' ')} (usage: node bench/codec.js [--quick])`);
  const result = await runCodecBench({ quick: argv.includes('--quick') });
  console.log(formatCodecBenchTable(result));
  console.log(`\nwrote ${writeCodecBenchResults(result)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
