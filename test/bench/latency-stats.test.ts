import { describe, expect, it } from 'vitest';
import { percentile, summarizeLatency } from '../../bench/latency-stats.js';
import { compare, formatRingBenchTable, type RingBenchCase, type RingBenchResult } from '../../bench/ring.js';

describe('benchmark statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(500);
    expect(percentile(sorted, 0.99)).toBe(990);
    expect(percentile(sorted, 0.999)).toBe(999);
    expect(percentile(sorted, 1)).toBe(1000);
    expect(percentile([7], 0.999)).toBe(7);
    expect(() => percentile([], 0.5)).toThrow(/no samples/);
    expect(() => percentile([1], 1.5)).toThrow(/q must be/);
  });

  it('summarizes unsorted samples with unit and sample count', () => {
    const samples = Float64Array.from([5, 1, 4, 2, 3]);
    const summary = summarizeLatency(samples, 'µs', 'test');
    expect(summary.p50).toEqual({ value: 3, unit: 'µs', samples: 5 });
    expect(summary.p999.value).toBe(5);
    expect(Array.from(samples)).toEqual([5, 1, 4, 2, 3]); // input left alone
  });

  it('compares each ring strategy with postMessage of the same size and prints a table', () => {
    const latency = (p50: number) => summarizeLatency(Float64Array.of(p50), 'µs', 'test');
    const cases: RingBenchCase[] = [
      { transport: 'ring', strategy: 'park', messageBytes: 64, latency: latency(2), throughput: { value: 1000, unit: 'msgs/s', samples: 10 } },
      { transport: 'postMessage', strategy: null, messageBytes: 64, latency: latency(10), throughput: { value: 250, unit: 'msgs/s', samples: 10 } },
    ];
    expect(compare(cases)).toEqual([{ strategy: 'park', messageBytes: 64, throughputRatio: 4, p50LatencySpeedup: 5 }]);
    const result: RingBenchResult = {
      suite: 'ring',
      startedAt: '2026-01-01T00:00:00.000Z',
      quick: true,
      durationMs: 1,
      machine: { cpus: 2, model: 'cpu', node: 'v20', platform: 'linux', arch: 'x64', totalMemBytes: 1, loadAverage1m: 0 },
      settings: { latencySamples: 1, latencyWarmup: 0, ringThroughputMessages: 10, postMessageThroughputMessages: 10, ringCapacityBytes: 256 },
      cases,
      comparisons: compare(cases),
      throughputOnly: [],
    };
    const table = formatRingBenchTable(result);
    expect(table).toMatch(/ring\s+park\s+64 B\s+2\s+2\s+2\s+1\s+1,000\s+10/);
    expect(table).toMatch(/throughput ring\/postMessage x4, p50 latency postMessage\/ring x5/);
  });
});
