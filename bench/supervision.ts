/**
 * Supervision benchmark: crash -> the actor running again (ms), and frames lost across
 * the crashes (must be 0), through the real supervision tree and real worker threads,
 * measured twice in one run: with cold restarts (a new Worker loads everything) and with
 * a warm standby worker (src/runtime/standby-pool.ts). Also the memory one idle standby
 * costs, per actor kind.
 *
 *   node <out>/bench/supervision.js [--quick]
 *
 * A producer publishes numbered frames (50 per millisecond); the consumer marks each one
 * in shared memory, and on request throws from its handler mid-stream. Before each crash
 * the bench arms the crash and then releases the next batch of frames, so the consumer
 * dies on the batch's first frame while the rest keeps arriving. The crash time is stamped
 * by the consumer just before it throws; "running again" is when the supervisor reports
 * the replacement started (init done, rings re-attached). The bench tree configures no
 * backoff, so this end-to-end figure is the restart mechanism's own.
 */
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { seededRandom } from '../src/domain/random.js';
import type { ActorHandle } from '../src/runtime/actor-handle.js';
import { StandbyPool } from '../src/runtime/standby-pool.js';
import { SupervisionTree } from '../src/runtime/supervision/supervision-tree.js';
import { parseTreeSpec } from '../src/runtime/supervision/tree-spec.js';
import { createTradingGate } from '../src/runtime/trading-gate.js';
import { buildWiring, type ActorWiring } from '../src/runtime/wiring.js';
import { round, summarizeLatency, type Figure, type LatencySummary } from './latency-stats.js';

export type RestartMode = 'cold' | 'standby';

export interface RestartModeResult {
  mode: RestartMode;
  crashToRunning: LatencySummary;
  /** The part of it until the supervisor saw the old worker's exit (the same in both modes). */
  crashToExitSeen: LatencySummary;
  /** The rest: exit seen -> the replacement reported started (what a standby shortens). */
  exitToRunning: LatencySummary;
  /** Restarts that were handed a standby (cold mode: 0). */
  warmRestarts: number;
  framesSent: Figure;
  framesLost: Figure;
}

export interface StandbyMemory {
  /** Actor kind whose module graph the standby loaded. */
  kind: string;
  /** The standby isolate's V8 heap as it reported it once loaded. */
  heapUsedBytes: number;
  /** The whole process's resident set, with the standby loaded minus before it was spawned. */
  rssDeltaBytes: number;
  loadMs: number;
}

export interface SupervisionBenchResult {
  suite: 'supervision';
  quick: boolean;
  /** Backoff in the bench tree: none, so end-to-end = mechanism. */
  backoff: 'none';
  cold: RestartModeResult;
  standby: RestartModeResult;
  /** standby / cold of the same percentile, same run. */
  ratio: { p50: number; p90: number; p99: number };
  memory: StandbyMemory[];
}

const wallMs = (): number => performance.timeOrigin + performance.now();
const actorUrl = (name: string): string => new URL(`./actors/${name}.js`, import.meta.url).href;
const CONSUMER_KIND = 'crashing-consumer';
/** Kinds whose standby memory is measured: the bench consumer and the system's own actors. */
const MEMORY_KINDS = ['kill-switch', 'risk', 'order-manager', 'strategy', 'recorder', 'venue-sim', 'exchange'];

export async function runSupervisionBench(opts: { quick: boolean; onStep?: (text: string) => void }): Promise<SupervisionBenchResult> {
  const crashes = opts.quick ? 5 : 30;
  const total = opts.quick ? 20_000 : 150_000;
  opts.onStep?.('cold restarts');
  const cold = await runMode('cold', crashes, total);
  opts.onStep?.('warm standby restarts');
  const standby = await runMode('standby', crashes, total);
  opts.onStep?.('standby memory');
  const memory = await measureStandbyMemory(opts.quick ? ['crashing-consumer', 'exchange'] : ['crashing-consumer', ...MEMORY_KINDS]);
  const ratioOf = (key: 'p50' | 'p90' | 'p99'): number => round(standby.crashToRunning[key].value / cold.crashToRunning[key].value, 3);
  return { suite: 'supervision', quick: opts.quick, backoff: 'none', cold, standby, ratio: { p50: ratioOf('p50'), p90: ratioOf('p90'), p99: ratioOf('p99') }, memory };
}

async function runMode(mode: RestartMode, crashes: number, total: number): Promise<RestartModeResult> {
  const seen = new SharedArrayBuffer(total);
  const crashedAt = new SharedArrayBuffer(8);
  const spec = parseTreeSpec({
    name: 'bench',
    strategy: 'one_for_one',
    intensity: crashes + 5,
    period_ms: 600_000,
    children: [
      { name: 'consumer', actor: CONSUMER_KIND, config: { seen, crashedAt } },
      { name: 'producer', actor: 'steady-producer', sends: ['consumer'], ring_bytes: 1 << 20, full_policy: 'drop-newest', config: { peer: 'consumer', total, perTick: 50 } },
    ],
  });
  const wiring = buildWiring(
    [
      { name: 'consumer', path: 'bench/consumer', sends: [], ringBytes: 4096, fullPolicy: 'fail' },
      { name: 'producer', path: 'bench/producer', sends: ['consumer'], ringBytes: 1 << 20, fullPolicy: 'drop-newest' },
    ],
    createTradingGate(),
  );
  const pool = new StandbyPool({ enabled: mode === 'standby' });
  let warmRestarts = 0;
  const tree = new SupervisionTree<ActorWiring>(spec, {
    startChild: async (s, w) => {
      const handle = await pool.startActor({ ...s, moduleUrl: actorUrl(s.kind), logLevel: 'silent' }, w);
      if (handle.warm) warmRestarts++;
      return handle;
    },
    wiringFor: (path) => wiring.get(path.slice(path.lastIndexOf('/') + 1))!,
    random: seededRandom(1),
    logger: pino({ level: 'silent' }),
  });
  let restartedAt = 0;
  let exitSeenAt = 0;
  tree.events.subscribe((event) => {
    if (event.type === 'child-started' && event.path === 'bench/consumer') restartedAt = wallMs();
    if (event.type === 'child-exited' && event.path === 'bench/consumer') exitSeenAt = wallMs();
  });
  await tree.start();
  const handle = (path: string) => tree.handleOf(path) as ActorHandle;
  const samples = new Float64Array(crashes);
  const toExit = new Float64Array(crashes);
  const afterExit = new Float64Array(crashes);
  const batch = Math.floor(total / (crashes + 1));
  try {
    for (let i = 0; i < crashes; i++) {
      // Pace: frames flow for a while after each restart; with standbys, the next crash
      // waits until the replacement standby has loaded (what a crash after a quiet spell meets).
      await new Promise((r) => setTimeout(r, 20));
      if (mode === 'standby') await pool.whenReady(CONSUMER_KIND, actorUrl(CONSUMER_KIND), 30_000);
      const before = restartedAt;
      const step = `${mode} restarts, crash ${i + 1} of ${crashes}`;
      // No frame may be in flight when the crash is armed: the consumer would die on it
      // right after answering, and a reply sent just before a worker dies can be lost.
      await until(async () => Number(await handle('bench/producer').invoke('sent', {}, 15_000)) >= i * batch, 30_000, `the producer to publish its batch (${step})`);
      await until(() => handle('bench/consumer').stats().mailbox.every((m) => m.depthBytes === 0), 30_000, `the consumer to drain (${step})`);
      await inStep(step, () => handle('bench/consumer').invoke('crashNow', {}, 15_000));
      await inStep(step, () => handle('bench/producer').invoke('start', { upTo: (i + 1) * batch }, 15_000));
      await until(() => restartedAt !== before, 20_000, `the consumer to restart (${step})`);
      const crashed = new Float64Array(crashedAt)[0]!;
      samples[i] = restartedAt - crashed;
      toExit[i] = exitSeenAt - crashed;
      afterExit[i] = restartedAt - exitSeenAt;
    }
    await handle('bench/producer').invoke('start', { upTo: total }, 15_000);
    await until(async () => Number(await handle('bench/producer').invoke('sent', {}, 15_000)) >= total, 60_000, 'the producer to finish');
    const marks = new Uint8Array(seen);
    await until(() => marks.every((m) => m === 1), 20_000, 'the consumer to drain', true);
    const lost = marks.reduce((n, m) => n + (m === 0 ? 1 : 0), 0);
    const method = mode === 'cold'
      ? 'consumer throws in its handler -> supervisor reports the replacement started; cold: a new worker loads host and actor modules'
      : 'consumer throws in its handler -> supervisor reports the replacement started; a loaded standby worker is handed the actor';
    return {
      mode,
      crashToRunning: summarizeLatency(samples, 'ms', method),
      crashToExitSeen: summarizeLatency(toExit, 'ms', 'consumer throws -> the supervisor emits child-exited (worker teardown and exit event)'),
      exitToRunning: summarizeLatency(afterExit, 'ms', 'child-exited -> child-started of the replacement'),
      warmRestarts,
      framesSent: { value: total, unit: 'frames', samples: crashes },
      framesLost: { value: lost, unit: 'frames', samples: crashes },
    };
  } finally {
    await pool.stop();
    await tree.stop(10_000);
  }
}

/** One standby per kind, spawned alone: its reported heap and the process RSS it added. */
async function measureStandbyMemory(kinds: readonly string[]): Promise<StandbyMemory[]> {
  const results: StandbyMemory[] = [];
  for (const kind of kinds) {
    const moduleUrl = kind === CONSUMER_KIND ? actorUrl(kind) : undefined;
    await new Promise((r) => setTimeout(r, 300)); // let the previous thread's memory go back
    const before = process.memoryUsage().rss;
    const pool = new StandbyPool();
    pool.arm(kind, moduleUrl);
    try {
      const info = await pool.whenReady(kind, moduleUrl, 60_000);
      await new Promise((r) => setTimeout(r, 200));
      results.push({ kind, heapUsedBytes: info.heapUsedBytes!, rssDeltaBytes: process.memoryUsage().rss - before, loadMs: info.loadMs! });
    } finally {
      await pool.stop();
    }
  }
  return results;
}

async function inStep<T>(step: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw new Error(`${step}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string, settle = false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      if (settle) return; // the caller counts what is missing
      throw new Error(`supervision bench: timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

export function formatSupervisionBench(r: SupervisionBenchResult): string {
  const row = (m: RestartModeResult): string => {
    const c = m.crashToRunning;
    return [
      `  crash -> running again, ${m.mode.padEnd(8)}  p50 ${c.p50.value} ms  p90 ${c.p90.value} ms  p99 ${c.p99.value} ms  (n=${c.p50.samples}, warm ${m.warmRestarts}); lost ${m.framesLost.value} of ${m.framesSent.value}`,
      `    of which crash -> exit seen               p50 ${m.crashToExitSeen.p50.value} ms  p99 ${m.crashToExitSeen.p99.value} ms; exit seen -> running p50 ${m.exitToRunning.p50.value} ms  p99 ${m.exitToRunning.p99.value} ms`,
    ].join('\n');
  };
  return [
    `supervision ${r.quick ? '(quick)' : ''} (no backoff in the bench tree: end-to-end = mechanism)`,
    row(r.cold),
    row(r.standby),
    `  standby / cold                            p50 x${r.ratio.p50}  p90 x${r.ratio.p90}  p99 x${r.ratio.p99}`,
    ...r.memory.map((m) => `  idle standby ${m.kind.padEnd(18)}          heap ${mib(m.heapUsedBytes)} MiB  process RSS +${mib(m.rssDeltaBytes)} MiB  loaded in ${m.loadMs} ms`),
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runSupervisionBench({ quick: process.argv.includes('--quick') })
    .then((r) => console.log(formatSupervisionBench(r)))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}
