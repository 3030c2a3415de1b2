/** The pure parts of `bot4 bench`: suite selection, ratios, tables, progress, not-landed reasons, risk paths. */
import { describe, expect, it } from 'vitest';
import { bennyFigures, latencyFigures, type BenchFigure } from '../../bench/bench-figures.js';
import { formatFigureTable } from '../../bench/bench-table.js';
import { summarizeLatency } from '../../bench/latency-stats.js';
import { Progress } from '../../bench/progress.js';
import { formatSuite } from '../../bench/run.js';
import { riskPaths, verifyPath } from '../../bench/risk.js';
import { SUITE_NAMES, selectSuites } from '../../bench/suites.js';
import { transportFigures, type TransportCase } from '../../bench/transport.js';
import { xorOfIndices } from '../../bench/transport-ringbuf.js';
import { RejectReason } from '../../src/domain/messages.js';
import { seededRandom } from '../../src/domain/random.js';

describe('suite selection', () => {
  it('defaults to every suite and keeps the catalogue order whatever the request order', () => {
    expect(selectSuites([])).toEqual([...SUITE_NAMES]);
    expect(selectSuites(['recorder', 'codec', 'codec'])).toEqual(['codec', 'recorder']);
  });

  it('names the unknown suites and lists the valid ones', () => {
    expect(() => selectSuites(['codec', 'ring', 'latency'])).toThrow(
      'unknown suites "ring", "latency"; valid suites: transport, codec, risk, tick-to-order, kill-switch, supervision, recorder',
    );
  });
});

const latency = (p50: number) => summarizeLatency(Float64Array.of(p50), 'µs', 'test');
const transportCase = (transport: TransportCase['transport'], messageBytes: number, p50: number, msgsPerSecond: number): TransportCase => ({
  transport,
  strategy: transport === 'ring' ? 'park' : null,
  messageBytes,
  latency: latency(p50),
  throughput: { value: msgsPerSecond, unit: 'msgs/s', samples: 100 },
  throughputMethod: 'test',
});

describe('transport figures', () => {
  it('divides each figure by postMessage of the same size', () => {
    const figures = transportFigures({
      cases: [transportCase('ring', 64, 2, 1_000_000), transportCase('postMessage', 64, 10, 200_000), transportCase('comlink', 1024, 50, 5_000)],
    });
    const of = (subject: string, metric: string) => figures.find((f) => f.subject === subject && f.metric === metric)!;
    expect(of('ring park 64 B', 'one-way p50')).toMatchObject({ value: 2, unit: 'µs', ratioToPostMessage: 0.2 });
    expect(of('ring park 64 B', 'throughput')).toMatchObject({ value: 1_000_000, ratioToPostMessage: 5, samples: 100 });
    expect(of('postMessage 64 B', 'one-way max')).toMatchObject({ ratioToPostMessage: 1 });
    expect(transportFigures({ cases: [transportCase('ring', 64, 0.3, 1), transportCase('postMessage', 64, 700, 1)] })[0]).toMatchObject({ ratioToPostMessage: 0.000429 });
    // no 1 KiB postMessage case to compare with: no ratio rather than a made-up one
    expect(of('comlink 1024 B', 'throughput')).not.toHaveProperty('ratioToPostMessage');
  });
});

describe('tables', () => {
  it('pivots figures by subject and metric, with units in headers and not-landed reasons spelled out', () => {
    const figures: BenchFigure[] = [
      ...latencyFigures('gate', summarizeLatency(Float64Array.of(300, 500), 'ns', 'test')),
      { status: 'not-landed', subject: 'cancels', metric: 'latency', reason: 'needs the order manager' },
    ];
    const table = formatFigureTable(figures).split('\n');
    expect(table[0]).toMatch(/^\s+p50 ns\s+p90 ns\s+p99 ns\s+p99\.9 ns\s+max ns\s+n$/);
    expect(table[2]).toMatch(/^gate\s+300\s+500\s+500\s+500\s+500\s+2$/);
    expect(table[3]).toBe('cancels: not landed — needs the order manager');
  });

  it('shows benny means with their margin in the JSON and groups large numbers', () => {
    const [mean, median] = bennyFigures({ name: 'BookTop encode', nsPerOp: 50.5, medianNsPerOp: 49, marginPercent: 1.2, samples: 30, messagesPerSample: 256 }, 'messages', 'ns/msg');
    expect(mean).toMatchObject({ metric: 'mean', value: 50.5, unit: 'ns/msg', samples: 30, marginPercent: 1.2 });
    expect(median).toMatchObject({ metric: 'median', value: 49 });
    expect(formatFigureTable([mean!, median!]).split('\n')[2]).toMatch(/^BookTop encode\s+50\.5\s+49\s+1\.2\s+30$/);
    const figures = transportFigures({ cases: [transportCase('postMessage', 64, 10, 1_234_567)] });
    expect(formatFigureTable(figures)).toContain('1,234,567');
  });
});

describe('suite sections', () => {
  it('print a failed suite with its reason and whatever it measured, a not-landed one with its reason only', () => {
    const figures = latencyFigures('crash -> running again', summarizeLatency(Float64Array.of(200), 'ms', 'test'));
    const failed = formatSuite({ name: 'supervision', status: 'failed', reason: '3 of 100 frames were lost', durationMs: 1234, figures });
    expect(failed).toMatch(/^== supervision \(1\.2 s\) ==\n.*p50 ms[^]*crash -> running again\s+200[^]*\nFAILED: 3 of 100 frames were lost\n\n$/);
    expect(formatSuite({ name: 'recorder', status: 'not-landed', reason: 'needs the recorder', durationMs: 0, figures: [] })).toBe(
      '== recorder (0.0 s) ==\nnot landed: needs the recorder\n\n',
    );
  });
});

describe('progress line', () => {
  const capture = (isTTY: boolean) => {
    let text = '';
    return { stream: { isTTY, write: (t: string) => (text += t) }, text: () => text };
  };

  it('rewrites one line on a terminal', () => {
    const out = capture(true);
    const progress = new Progress(out.stream);
    progress.start(3, 7, 'risk');
    progress.step('approve path');
    progress.done('done in 1.0 s');
    expect(out.text()).toBe('\r\x1b[2K[3/7] risk: running…\r\x1b[2K[3/7] risk: approve path…\r\x1b[2K[3/7] risk: done in 1.0 s\n');
  });

  it('writes plain lines elsewhere', () => {
    const out = capture(false);
    const progress = new Progress(out.stream);
    progress.start(1, 2, 'codec');
    progress.note('Running "codec" suite...');
    progress.done('failed');
    expect(out.text()).toBe('[1/2] codec: running…\n[1/2] codec: Running "codec" suite...\n[1/2] codec: failed\n');
  });
});

describe('risk suite paths', () => {
  it('every order of each timed path gets that path’s reason', () => {
    const paths = riskPaths(seededRandom(8080));
    expect(paths.map((p) => p.expected)).toEqual([RejectReason.NONE, RejectReason.PRICE_BAND, RejectReason.TRADING_HALTED]);
    for (const path of paths) expect(() => verifyPath(path)).not.toThrow();
  });

  it('refuses a path whose orders would take another branch', () => {
    const [approve] = riskPaths(seededRandom(1));
    expect(() => verifyPath({ ...approve!, expected: RejectReason.MAX_POSITION })).toThrow(/expects MAX_POSITION but an order .* got NONE/);
  });
});

describe('ringbuf.js sink checksum', () => {
  it('is the XOR of every message index', () => {
    expect(xorOfIndices(0)).toBe(0);
    expect(xorOfIndices(4)).toBe(0 ^ 1 ^ 2 ^ 3);
    expect(xorOfIndices(1_000)).toBe(Array.from({ length: 1_000 }, (_, i) => i).reduce((a, b) => a ^ b, 0));
  });
});
