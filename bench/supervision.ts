/**
 * Supervision benchmark: crash -> the actor running again (ms), and frames lost across
 * the crashes (must be 0), through the real supervision tree and real worker threads.
 *
 *   node <out>/bench/supervision.js [--quick]
 *
 * A producer publishes numbered frames every millisecond; the consumer marks each one in
 * shared memory, and on request throws from its handler mid-stream. The crash time is
 * stamped by the consumer just before it throws; "running again" is when the supervisor
 * reports the replacement started (init done, rings re-attached).
 */
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { seededRandom } from '../src/domain/random.js';
import { startActor, type ActorHandle } from '../src/runtime/actor-handle.js';
import { SupervisionTree } from '../src/runtime/supervision/supervision-tree.js';
import { parseTreeSpec } from '../src/runtime/supervision/tree-spec.js';
import { createTradingGate } from '../src/runtime/trading-gate.js';
import { buildWiring, type ActorWiring } from '../src/runtime/wiring.js';
import { summarizeLatency, type Figure, type LatencySummary } from './latency-stats.js';

export interface SupervisionBenchResult {
  suite: 'supervision';
  quick: boolean;
  crashToRunning: LatencySummary;
  framesSent: Figure;
  framesLost: Figure;
}

const wallMs = (): number => performance.timeOrigin + performance.now();
const actorUrl = (name: string): string => new URL(`./actors/${name}.js`, import.meta.url).href;

export async function runSupervisionBench(opts: { quick: boolean }): Promise<SupervisionBenchResult> {
  const crashes = opts.quick ? 5 : 30;
  const total = opts.quick ? 20_000 : 150_000;
  const seen = new SharedArrayBuffer(total);
  const crashedAt = new SharedArrayBuffer(8);
  const spec = parseTreeSpec({
    name: 'bench',
    strategy: 'one_for_one',
    intensity: crashes + 5,
    period_ms: 600_000,
    children: [
      { name: 'consumer', actor: 'crashing-consumer', config: { seen, crashedAt } },
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
  const tree = new SupervisionTree<ActorWiring>(spec, {
    startChild: (s, w) => startActor({ ...s, moduleUrl: actorUrl(s.kind), logLevel: 'silent' }, w),
    wiringFor: (path) => wiring.get(path.slice(path.lastIndexOf('/') + 1))!,
    random: seededRandom(1),
    logger: pino({ level: 'silent' }),
  });
  let restartedAt = 0;
  tree.events.subscribe((event) => {
    if (event.type === 'child-started' && event.path === 'bench/consumer') restartedAt = wallMs();
  });
  await tree.start();
  const handle = (path: string) => tree.handleOf(path) as ActorHandle;
  const samples = new Float64Array(crashes);
  try {
    await handle('bench/producer').invoke('start', {}, 15_000);
    for (let i = 0; i < crashes; i++) {
      const before = restartedAt;
      await handle('bench/consumer').invoke('crashNow', {}, 15_000);
      await until(() => restartedAt !== before, 20_000, 'the consumer to restart');
      samples[i] = restartedAt - new Float64Array(crashedAt)[0]!;
      await new Promise((r) => setTimeout(r, 20)); // let frames flow between crashes
    }
    await until(async () => Number(await handle('bench/producer').invoke('sent', {}, 15_000)) >= total, 60_000, 'the producer to finish');
    const marks = new Uint8Array(seen);
    await until(() => marks.every((m) => m === 1), 20_000, 'the consumer to drain', true);
    const lost = marks.reduce((n, m) => n + (m === 0 ? 1 : 0), 0);
    return {
      suite: 'supervision',
      quick: opts.quick,
      crashToRunning: summarizeLatency(samples, 'ms', 'consumer throws in its handler -> supervisor reports the replacement started'),
      framesSent: { value: total, unit: 'frames', samples: crashes },
      framesLost: { value: lost, unit: 'frames', samples: crashes },
    };
  } finally {
    await tree.stop(10_000);
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

export function formatSupervisionBench(r: SupervisionBenchResult): string {
  const c = r.crashToRunning;
  return [
    `supervision ${r.quick ? '(quick)' : ''}`,
    `  crash -> running again                    p50 ${c.p50.value} ms  p99 ${c.p99.value} ms  p99.9 ${c.p999.value} ms  (n=${c.p50.samples} crashes)`,
    `  frames lost across the crashes            ${r.framesLost.value} of ${r.framesSent.value} (must be 0)`,
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
