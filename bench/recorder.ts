/**
 * Recorder benchmark (`bot4 bench recorder`, or `node <out>/bench/recorder.js [--quick]`):
 *
 * 1. Throughput: a producer actor fills the recorder's ring with trades as fast as it takes them; the
 *    recorder (real actor, real worker, `park`) writes them through the batch writer. events/s = trades
 *    / (first send -> the recorder reports every one written), into PGlite (the embedded default, on
 *    disk in a temp folder) and into PostgreSQL (DATABASE_URL when set, else a throwaway PostgreSQL 15
 *    cluster from test/helpers/postgres.ts, else a not-landed figure naming why).
 * 1b. The insert statement alone, three ways on each database in the same run (bench/recorder-insert.ts):
 *    the writer's json_populate_recordset, the multi-row VALUES it replaced, and COPY FROM STDIN into a
 *    staging table (PostgreSQL only), with the server's CPU per row where /proc shows it.
 * 2. The order path while the recorder is saturated: an OrderCommand -> ExecutionReport ping-pong
 *    between two other actors (spin-then-park, as the order manager and an exchange actor run), half
 *    the round trip per sample, measured with the recorder idle and again while a flood of trades keeps
 *    its ring full. The recorder is off the order path, so the two distributions should match up to
 *    machine noise (on a loaded 2-core machine the third busy thread shows as noise, not as a shift).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DEFAULT_BATCH_SIZE } from '../src/persistence/batch-writer.js';
import { startEmbeddedDatabase } from '../src/persistence/embedded.js';
import { migrate } from '../src/persistence/migrate.js';
import { startActor, type ActorHandle } from '../src/runtime/actor-handle.js';
import { createTradingGate } from '../src/runtime/trading-gate.js';
import { buildWiring } from '../src/runtime/wiring.js';
import { findPostgres, startTestPostgres } from '../test/helpers/postgres.js';
import { latencyFigures, measured, type BenchFigure } from './bench-figures.js';
import { measureInsertMethods, type InsertMethodResult } from './recorder-insert.js';
import { round, summarizeLatency, type Figure, type LatencySummary } from './latency-stats.js';

export type Throughput =
  | { backend: string; status: 'measured'; events: number; seconds: number; eventsPerSecond: Figure; batchSize: number }
  | { backend: string; status: 'not-landed'; reason: string };

export interface RecorderBenchResult {
  suite: 'recorder';
  quick: boolean;
  throughput: Throughput[];
  insertMethods: { backend: string; results: InsertMethodResult[] }[];
  orderPath: {
    rounds: number;
    recorderIdle: LatencySummary;
    recorderSaturated: LatencySummary;
    /** Trades the flood pushed into the recorder while the saturated samples were taken. */
    floodedDuringMeasurement: number;
  };
}

interface Database {
  name: string;
  connectionString: string;
  close(): Promise<void>;
}

const actorModule = (name: string): string => new URL(`./actors/${name}.js`, import.meta.url).href;

export interface RecorderBenchOptions {
  quick: boolean;
  /** Override the run size (the orchestrator's smoke run): trades per backend, order-path round trips. */
  events?: number;
  rounds?: number;
  onStep?: (step: string) => void;
}

export async function runRecorderBench(opts: RecorderBenchOptions): Promise<RecorderBenchResult> {
  const step = opts.onStep ?? (() => {});
  const events = opts.events ?? (opts.quick ? 20_000 : 200_000);
  const rounds = opts.rounds ?? (opts.quick ? 2_000 : 20_000);
  const work = mkdtempSync(join(tmpdir(), 'bot4-bench-recorder-'));
  const throughput: Throughput[] = [];
  const insertMethods: RecorderBenchResult['insertMethods'] = [];
  const insertRows = opts.events ?? (opts.quick ? 20_000 : 100_000);
  try {
    step('recorder: starting PGlite');
    const pglite = await pgliteDatabase(work);
    let orderPath: RecorderBenchResult['orderPath'];
    try {
      step(`recorder: ${events} trades into PGlite`);
      throughput.push(await measureThroughput(pglite, events, join(work, 'pglite-spool.jsonl')));
      step(`recorder: insert statements, ${insertRows} rows into PGlite`);
      insertMethods.push({ backend: pglite.name, results: await measureInsertMethods(pglite.connectionString, { rows: insertRows, batchSize: DEFAULT_BATCH_SIZE, embedded: true }) });
      step(`recorder: order path, ${rounds} round trips idle and saturated`);
      orderPath = await measureOrderPath(pglite, rounds, join(work, 'order-path-spool.jsonl'));
    } finally {
      await pglite.close();
    }
    step('recorder: PostgreSQL');
    const postgres = await postgresDatabase();
    if ('reason' in postgres) throughput.push({ backend: 'postgresql', status: 'not-landed', reason: postgres.reason });
    else {
      try {
        step(`recorder: ${events} trades into ${postgres.name}`);
        throughput.push(await measureThroughput(postgres, events, join(work, 'pg-spool.jsonl')));
        step(`recorder: insert statements, ${insertRows} rows into ${postgres.name}`);
        insertMethods.push({ backend: postgres.name, results: await measureInsertMethods(postgres.connectionString, { rows: insertRows, batchSize: DEFAULT_BATCH_SIZE, embedded: false }) });
      } finally {
        await postgres.close();
      }
    }
    return { suite: 'recorder', quick: opts.quick, throughput, insertMethods, orderPath };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function pgliteDatabase(work: string): Promise<Database> {
  const db = await startEmbeddedDatabase({ dataDir: join(work, 'pglite'), socketDir: join(work, 'pglite-socket') });
  await migrateAt(db.connectionString);
  return { name: 'pglite (embedded, on disk)', connectionString: db.connectionString, close: () => db.stop() };
}

async function postgresDatabase(): Promise<Database | { reason: string }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    await migrateAt(url);
    return { name: 'postgresql (DATABASE_URL)', connectionString: url, close: async () => {} };
  }
  const found = findPostgres();
  if (!found.bindir) return { reason: `no DATABASE_URL and ${found.reason}` };
  const server = await startTestPostgres(found.bindir);
  await migrateAt(server.connectionString);
  return { name: `postgresql (${server.version}, throwaway cluster, fsync off)`, connectionString: server.connectionString, close: () => server.destroy() };
}

async function migrateAt(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await migrate(client);
  } finally {
    await client.end();
  }
}

interface RecorderRig {
  recorder: ActorHandle;
  handles: Map<string, ActorHandle>;
  stop(): Promise<void>;
}

/** A recorder fed by a trade flooder, and optionally an order probe + echo pair beside them. */
async function startRig(db: Database, spoolPath: string, withOrderPath: boolean): Promise<RecorderRig> {
  const actors = [
    { name: 'flooder', path: 'bench/flooder', sends: ['recorder'], ringBytes: 1 << 20, fullPolicy: 'drop-newest' as const },
    { name: 'recorder', path: 'bench/recorder', sends: [], ringBytes: 4096, fullPolicy: 'fail' as const },
    ...(withOrderPath
      ? [
          { name: 'probe', path: 'bench/probe', sends: ['echo'], ringBytes: 1 << 16, fullPolicy: 'fail' as const },
          { name: 'echo', path: 'bench/echo', sends: ['probe'], ringBytes: 1 << 16, fullPolicy: 'fail' as const },
        ]
      : []),
  ];
  const wiring = buildWiring(actors, createTradingGate());
  const handles = new Map<string, ActorHandle>();
  const stop = async (): Promise<void> => {
    await Promise.all([...handles.values()].map((h) => h.stop(30_000).catch(() => h.kill()))); // a graceful stop that fails ends in a kill
  };
  try {
    const recorder = await startActor(
      {
        path: 'bench/recorder',
        name: 'recorder',
        kind: 'recorder',
        waitStrategy: 'park',
        startTimeoutMs: 30_000,
        config: { database_url: db.connectionString, venues: { '1': 'bench' }, instruments: [{ id: 1, symbol: 'BTC/USDT' }], spool_path: spoolPath },
      },
      wiring.get('recorder')!,
    );
    handles.set('recorder', recorder);
    handles.set('flooder', await startActor({ path: 'bench/flooder', name: 'flooder', kind: 'trade-flooder', moduleUrl: actorModule('trade-flooder'), config: { peer: 'recorder' } }, wiring.get('flooder')!));
    if (withOrderPath) {
      handles.set('echo', await startActor({ path: 'bench/echo', name: 'echo', kind: 'order-echo', moduleUrl: actorModule('order-echo'), config: { peer: 'probe' }, waitStrategy: 'spin-then-park' }, wiring.get('echo')!));
      handles.set('probe', await startActor({ path: 'bench/probe', name: 'probe', kind: 'order-probe', moduleUrl: actorModule('order-probe'), config: { peer: 'echo' }, waitStrategy: 'spin-then-park' }, wiring.get('probe')!));
    }
    return { recorder, handles, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface RecorderCounts {
  written: number;
  duplicates: number;
  rejected: number;
  degraded: boolean;
  queueDepth: number;
  lastError: string | null;
}

async function recorderCounts(recorder: ActorHandle): Promise<RecorderCounts> {
  return (await recorder.invoke('status', {})) as RecorderCounts;
}

async function measureThroughput(db: Database, events: number, spoolPath: string): Promise<Throughput> {
  const rig = await startRig(db, spoolPath, false);
  try {
    const started = performance.now();
    await rig.handles.get('flooder')!.invoke('flood', { count: events, firstId: 1 });
    for (;;) {
      const s = await recorderCounts(rig.recorder);
      if (s.written + s.duplicates + s.rejected >= events && s.queueDepth === 0 && !s.degraded) break;
      if (performance.now() - started > 600_000) throw new Error(`recorder bench: ${s.written} of ${events} written after 10 minutes (last error: ${s.lastError})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    return { backend: db.name, status: 'measured', events, seconds: round(seconds, 3), eventsPerSecond: { value: Math.round(events / seconds), unit: 'events/s', samples: 1 }, batchSize: DEFAULT_BATCH_SIZE };
  } finally {
    await rig.stop();
  }
}

async function probe(handle: ActorHandle, rounds: number): Promise<Float64Array> {
  await handle.invoke('start', { rounds, warmup: Math.floor(rounds / 10) });
  for (;;) {
    const samples = (await handle.invoke('result', {})) as number[] | null;
    if (samples) return Float64Array.from(samples);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function measureOrderPath(db: Database, rounds: number, spoolPath: string): Promise<RecorderBenchResult['orderPath']> {
  const rig = await startRig(db, spoolPath, true);
  try {
    const probeHandle = rig.handles.get('probe')!;
    const flooder = rig.handles.get('flooder')!;
    const idle = await probe(probeHandle, rounds);
    await flooder.invoke('flood', { count: null, firstId: 10_000_000 });
    // let the flood fill the ring and the writer's queue before measuring
    await new Promise((r) => setTimeout(r, 500));
    const before = (await flooder.invoke('sent', {})) as number;
    const saturated = await probe(probeHandle, rounds);
    const flooded = ((await flooder.invoke('stop', {})) as number) - before;
    const method = 'OrderCommand -> echo actor -> ExecutionReport, round trip / 2 (one clock), spin-then-park on both ends';
    return {
      rounds,
      recorderIdle: summarizeLatency(idle, 'ns', `${method}; recorder idle`),
      recorderSaturated: summarizeLatency(saturated, 'ns', `${method}; a flooder keeps the recorder's ring full`),
      floodedDuringMeasurement: flooded,
    };
  } finally {
    await rig.stop();
  }
}

/** The suite's figures for the report: events/s per backend, the order path idle and saturated. */
export function recorderFigures(result: RecorderBenchResult): BenchFigure[] {
  const throughput = result.throughput.map((t): BenchFigure =>
    t.status === 'measured'
      ? measured(`trades -> ${t.backend}`, 'throughput', t.eventsPerSecond, `${t.events} trades through the recorder actor (batches of ${t.batchSize}); first send -> all written, ${t.seconds} s`)
      : { status: 'not-landed', subject: 'trades -> postgresql', metric: 'throughput', reason: t.reason },
  );
  const path = result.orderPath;
  const inserts = result.insertMethods.flatMap(({ backend, results }) => {
    const writer = results.find((r) => r.status === 'measured' && r.method.startsWith('json'));
    return results.flatMap((r): BenchFigure[] => {
      const subject = `insert ${r.method} -> ${backend}`;
      if (r.status === 'not-landed') return [{ status: 'not-landed', subject, metric: 'throughput', reason: r.reason }];
      const how = `${r.rows} trades in transactions of ${r.batchSize}, one client, nothing else running in it`;
      const ratio = writer?.status === 'measured' ? `; x${round(r.rowsPerSecond / writer.rowsPerSecond)} the writer's statement in the same run` : '';
      return [
        measured(subject, 'throughput', { value: r.rowsPerSecond, unit: 'rows/s', samples: 1 }, how + ratio),
        ...(r.serverCpuUsPerRow === null ? [] : [measured(subject, 'server CPU', { value: r.serverCpuUsPerRow, unit: 'µs/row', samples: 1 }, 'the backend process\'s CPU time (/proc) / rows')]),
        measured(subject, 'client CPU', { value: r.clientCpuUsPerRow, unit: 'µs/row', samples: 1 }, 'this process\'s CPU time / rows (for PGlite it includes the embedded server)'),
      ];
    });
  });
  return [
    ...throughput,
    ...inserts,
    ...latencyFigures('order path, recorder idle', path.recorderIdle),
    ...latencyFigures('order path, recorder saturated', path.recorderSaturated),
    measured('order path, recorder saturated', 'trades flooded meanwhile', { value: path.floodedDuringMeasurement, unit: 'trades', samples: 1 }, 'trades the flooder pushed into the recorder while the saturated samples were taken'),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  runRecorderBench({ quick, onStep: (s) => process.stderr.write(`${s}\n`) }).then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`recorder bench failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
