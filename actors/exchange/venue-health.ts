import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/**
 * Round-trip times of one venue's REST calls and WebSocket pings, as perf_hooks
 * histograms (recorded in µs, reported in ms), plus error counts by kind.
 */
export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

function summary(histogram: RecordableHistogram): LatencySummary {
  if (histogram.count === 0) return { count: 0, p50Ms: null, p99Ms: null, maxMs: null };
  return {
    count: histogram.count,
    p50Ms: histogram.percentile(50) / 1000,
    p99Ms: histogram.percentile(99) / 1000,
    maxMs: histogram.max / 1000,
  };
}

export class VenueHealth {
  private readonly rest = createHistogram();
  private readonly ws = createHistogram();
  readonly errors = new Map<string, number>();
  lastError: { atMs: number; what: string } | null = null;

  recordRest(ms: number): void {
    this.rest.record(Math.max(1, Math.round(ms * 1000)));
  }

  recordWs(ms: number): void {
    this.ws.record(Math.max(1, Math.round(ms * 1000)));
  }

  countError(kind: string, what: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
    this.lastError = { atMs: Date.now(), what };
  }

  latency(): { rest: LatencySummary; ws: LatencySummary } {
    return { rest: summary(this.rest), ws: summary(this.ws) };
  }
}
