/** Summaries of benchmark samples. Every figure carries its unit and its sample count. */

export interface Figure {
  value: number;
  unit: string;
  samples: number;
}

export interface LatencySummary {
  p50: Figure;
  p90: Figure;
  p99: Figure;
  p999: Figure;
  max: Figure;
  /** How the samples were taken (e.g. "round trip / 2"). */
  method: string;
}

/** Nearest-rank percentile of ascending `sorted` values, q in [0, 1]. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError('percentile: no samples');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile: q must be in [0, 1], got ${q}`);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

export function summarizeLatency(samples: Float64Array, unit: string, method: string): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const figure = (q: number): Figure => ({ value: round(percentile(sorted, q)), unit, samples: sorted.length });
  return { p50: figure(0.5), p90: figure(0.9), p99: figure(0.99), p999: figure(0.999), max: figure(1), method };
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
