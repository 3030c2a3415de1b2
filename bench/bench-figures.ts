/**
 * The shape every suite's numbers take in bench/results/*.json and in the tables: one flat
 * list of figures per suite, each with its unit, its sample count and how it was measured,
 * or an explicit "not landed" entry with the reason instead of a number.
 */
import type { Figure, LatencySummary } from './latency-stats.js';

export interface MeasuredFigure {
  status: 'measured';
  /** What was measured, e.g. "ring busy-spin 64 B", "approve path". */
  subject: string;
  /** Which figure of it, e.g. "p99", "throughput", "mean". */
  metric: string;
  value: number;
  unit: string;
  samples: number;
  method: string;
  /** This value over postMessage's value for the same metric and message size (transport only). */
  ratioToPostMessage?: number;
  /** Relative margin of error of a benny mean, percent. */
  marginPercent?: number;
}

export interface NotLandedFigure {
  status: 'not-landed';
  subject: string;
  metric: string;
  reason: string;
}

export type BenchFigure = MeasuredFigure | NotLandedFigure;

export const LATENCY_METRICS = ['p50', 'p90', 'p99', 'p99.9', 'max'] as const;

export function measured(subject: string, metric: string, figure: Figure, method: string): MeasuredFigure {
  return { status: 'measured', subject, metric, value: figure.value, unit: figure.unit, samples: figure.samples, method };
}

/** p50, p90, p99, p99.9 and max of one latency summary. */
export function latencyFigures(subject: string, summary: LatencySummary): MeasuredFigure[] {
  const stats = [summary.p50, summary.p90, summary.p99, summary.p999, summary.max];
  return stats.map((figure, i) => measured(subject, LATENCY_METRICS[i]!, figure, summary.method));
}

/** benny's result for one case, per message of a batch: mean and median ns. */
export interface BennyCaseFigures {
  name: string;
  nsPerOp: number;
  medianNsPerOp: number;
  marginPercent: number;
  samples: number;
  messagesPerSample: number;
}

/** `unit` names what one op of the batch is, e.g. "ns/msg"; `samples` are benny's samples. */
export function bennyFigures(c: BennyCaseFigures, what: string, unit: string): MeasuredFigure[] {
  const method = `benny (benchmark.js): ${c.messagesPerSample} ${what} per op, time per op / ${c.messagesPerSample}`;
  return [
    { ...measured(c.name, 'mean', { value: c.nsPerOp, unit, samples: c.samples }, method), marginPercent: c.marginPercent },
    measured(c.name, 'median', { value: c.medianNsPerOp, unit, samples: c.samples }, method),
  ];
}
