/**
 * One runner per `bot4 bench` suite: runs the suite's own module at the requested size and
 * turns its result into the flat figures of the report. Suite modules are imported when their
 * suite runs, so a run of one suite loads only what it needs.
 */
import { latencyFigures, measured, bennyFigures, type BenchFigure } from './bench-figures.js';
import { round } from './latency-stats.js';
import type { BenchSize, SuiteName } from './suites.js';

export type SuiteOutcome =
  | {
      status: 'ok' | 'failed';
      /** Why a suite that ran counts as failed (e.g. frames lost across crashes). */
      reason?: string;
      settings: Record<string, unknown>;
      figures: BenchFigure[];
    }
  | { status: 'not-landed'; reason: string; settings: Record<string, unknown>; figures: BenchFigure[] };

export interface SuiteContext {
  size: BenchSize;
  /** Reports what a long suite is doing now, for the progress line. */
  step: (text: string) => void;
}

export type SuiteRunner = (ctx: SuiteContext) => Promise<SuiteOutcome>;

const quickFor = (size: BenchSize): boolean => size !== 'full';

async function transport({ size, step }: SuiteContext): Promise<SuiteOutcome> {
  const { runTransportBench, transportFigures } = await import('./transport.js');
  const result = await runTransportBench({ size, onStep: step });
  return { status: 'ok', settings: result.settings as unknown as Record<string, unknown>, figures: transportFigures(result) };
}

async function codec({ size }: SuiteContext): Promise<SuiteOutcome> {
  const { runCodecBench } = await import('./codec.js');
  const result = await runCodecBench({ quick: quickFor(size) });
  return {
    status: 'ok',
    settings: { quick: result.quick, ...result.settings },
    figures: result.cases.flatMap((c) => bennyFigures(c, `messages (${c.payloadBytes} B payload)`, 'ns/msg')),
  };
}

async function risk({ size }: SuiteContext): Promise<SuiteOutcome> {
  const { runRiskBench, riskFigures } = await import('./risk.js');
  const result = await runRiskBench({ size });
  return { status: 'ok', settings: result.settings, figures: riskFigures(result) };
}

async function tickToOrder({ size }: SuiteContext): Promise<SuiteOutcome> {
  const { runTickToOrderBench } = await import('./tick-to-order.js');
  // Beyond a smoke run, the same ticks also compare no dashboard page with one open (docs/dashboard.md, "Cost").
  const result = await runTickToOrderBench({ quick: quickFor(size), ...(size === 'smoke' ? { ticks: 50 } : { dashboard: true }) });
  const figures: BenchFigure[] = latencyFigures('tick -> order command (strategy, risk, order manager)', result.latency);
  const d = result.dashboard;
  if (d) {
    figures.push(...latencyFigures('tick -> order, dashboard running, no page open', d.closed), ...latencyFigures('tick -> order, dashboard page open', d.open));
    const ratioMethod = `open ÷ no page, same run, ${d.open.p50.samples} + ${d.closed.p50.samples} ticks in ABBA-ordered blocks; the page got ${d.framesReceived} snapshots in ${d.openMs} ms`;
    for (const [metric, open, closed] of [['p50 ratio', d.open.p50, d.closed.p50], ['p99 ratio', d.open.p99, d.closed.p99]] as const) {
      figures.push(measured('tick -> order, dashboard page open ÷ no page', metric, { value: round(open.value / closed.value, 3), unit: '×', samples: open.samples }, ratioMethod));
    }
  }
  return { status: 'ok', settings: { quick: result.quick, ticks: result.ticks, ...(d ? { dashboardRefreshMs: d.refreshMs } : {}) }, figures };
}

async function killSwitch({ size }: SuiteContext): Promise<SuiteOutcome> {
  const { runKillSwitchBench } = await import('./kill-switch.js');
  const result = await runKillSwitchBench({ quick: quickFor(size) });
  return {
    status: 'ok',
    settings: { quick: result.quick, rounds: result.rounds },
    figures: [
      ...latencyFigures('trip -> gate closed (round trip / 2)', result.gateClosedRoundTripHalf),
      ...latencyFigures('trip -> gate closed (one way, wall clocks)', result.gateClosedOneWay),
      ...latencyFigures('trip -> cancel-all at every venue', result.tripToCancelsSent),
    ],
  };
}

async function supervision({ size, step }: SuiteContext): Promise<SuiteOutcome> {
  const { runSupervisionBench } = await import('./supervision.js');
  const result = await runSupervisionBench({ quick: quickFor(size), onStep: step });
  const modes = [result.cold, result.standby];
  const lost = modes.map((m) => `${m.framesLost.value} of ${m.framesSent.value} (${m.mode})`);
  const failed = modes.some((m) => m.framesLost.value !== 0);
  const count = (value: number, unit: string): { value: number; unit: string; samples: number } => ({ value, unit, samples: 1 });
  return {
    status: failed ? 'failed' : 'ok',
    ...(failed && { reason: `frames were lost across the crashes: ${lost.join(', ')} (must be 0)` }),
    settings: { quick: result.quick, crashes: result.cold.crashToRunning.p50.samples, frames: result.cold.framesSent.value, backoff: result.backoff },
    figures: [
      ...modes.flatMap((m) => [
        ...latencyFigures(`crash -> running again (${m.mode})`, m.crashToRunning),
        ...latencyFigures(`  crash -> exit seen (${m.mode})`, m.crashToExitSeen),
        ...latencyFigures(`  exit seen -> running (${m.mode})`, m.exitToRunning),
      ]),
      ...(['p50', 'p90', 'p99'] as const).map((p) =>
        measured('crash -> running again: standby / cold', p, count(result.ratio[p], 'x'), 'same run: the standby figure divided by the cold one'),
      ),
      ...modes.flatMap((m) => [
        measured(`frames across the crashes (${m.mode})`, 'sent', m.framesSent, 'numbered frames a producer published while the consumer was crashed repeatedly'),
        measured(`frames across the crashes (${m.mode})`, 'lost (must be 0)', m.framesLost, 'frames never marked as handled by the consumer (marks in shared memory)'),
      ]),
      ...modes.map((m) => measured(`crash -> running again (${m.mode})`, 'warm restarts', { value: m.warmRestarts, unit: 'restarts', samples: m.crashToRunning.p50.samples }, 'restarts handed a loaded standby worker')),
      ...result.memory.flatMap((m) => [
        measured(`idle standby ${m.kind}`, 'heap', count(round(m.heapUsedBytes / 2 ** 20, 1), 'MiB'), 'the standby isolate\'s heapUsed once its module graph loaded'),
        measured(`idle standby ${m.kind}`, 'process RSS added', count(round(m.rssDeltaBytes / 2 ** 20, 1), 'MiB'), 'process RSS with the loaded standby minus just before it was spawned (one standby alone)'),
        measured(`idle standby ${m.kind}`, 'load time', count(m.loadMs, 'ms'), 'spawn -> standby-ready'),
      ]),
    ],
  };
}

async function recorder({ size, step }: SuiteContext): Promise<SuiteOutcome> {
  const { runRecorderBench, recorderFigures } = await import('./recorder.js');
  const result = await runRecorderBench({ quick: quickFor(size), ...(size === 'smoke' && { events: 2_000, rounds: 300 }), onStep: step });
  return { status: 'ok', settings: { quick: result.quick, rounds: result.orderPath.rounds, events: result.throughput.map((t) => ('events' in t ? t.events : 0)) }, figures: recorderFigures(result) };
}

export const SUITE_RUNNERS: Record<SuiteName, SuiteRunner> = {
  transport,
  codec,
  risk,
  'tick-to-order': tickToOrder,
  'kill-switch': killSwitch,
  supervision,
  recorder,
};
