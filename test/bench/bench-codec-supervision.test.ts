/**
 * The two suites bench-quick.test.ts leaves out, at quick size through the same orchestrator:
 * codec (every hot message type, benny) and supervision (real crashes of a real consumer, cold
 * and on warm standby workers, while a producer streams numbered frames). Checked: every figure
 * is there with a finite value and unit, and no frame is lost across the crashes. No timing is
 * asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeasuredFigure } from '../../bench/bench-figures.js';
import { runBench, type BenchReport } from '../../bench/run.js';

const MESSAGES = ['BookTop', 'L2Delta', 'Trade', 'OrderIntent', 'OrderCommand', 'ExecutionReport', 'Fill', 'TradingStateChange', 'RiskPanic'];

describe('bot4 bench codec supervision (quick)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bot4-bench-cs-'));
  let report: BenchReport;
  let exitCode: number;

  beforeAll(async () => {
    const run = await runBench({ suites: ['codec', 'supervision'], quick: true, outDir, stdout: { write: () => true }, stderr: { write: () => true } });
    report = run.report;
    exitCode = run.exitCode;
  }, 300_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  const measured = (suite: string): MeasuredFigure[] =>
    report.suites.find((s) => s.name === suite)!.figures.filter((f): f is MeasuredFigure => f.status === 'measured');

  it('both suites ran', () => {
    expect(report.suites.map((s) => [s.name, s.status])).toEqual([['codec', 'ok'], ['supervision', 'ok']]);
    expect(exitCode).toBe(0);
  });

  it('codec: encode and decode of every hot message type, in ns per message', () => {
    const subjects = measured('codec').map((f) => f.subject);
    for (const message of MESSAGES) {
      expect(subjects.some((s) => s.startsWith(`${message}`) && s.includes('encode')), `${message} encode`).toBe(true);
      expect(subjects.some((s) => s.startsWith(`${message}`) && s.includes('decode')), `${message} decode`).toBe(true);
    }
    for (const f of measured('codec')) {
      expect(f.unit).toBe('ns/msg');
      expect(f.value > 0 && Number.isFinite(f.value), `${f.subject} ${f.metric}`).toBe(true);
    }
  });

  it('supervision: crash -> running cold and on a standby, and not one frame lost across the crashes', () => {
    const figures = measured('supervision');
    const lost = figures.filter((f) => f.metric === 'lost (must be 0)');
    expect(lost.map((f) => f.subject).sort()).toEqual(['frames across the crashes (cold)', 'frames across the crashes (standby)']);
    for (const f of lost) expect(f.value, f.subject).toBe(0);
    const sent = figures.filter((f) => f.metric === 'sent');
    for (const f of sent) expect(f.value, f.subject).toBeGreaterThan(0);
    for (const mode of ['cold', 'standby']) {
      const p50 = figures.find((f) => f.subject === `crash -> running again (${mode})` && f.metric === 'p50');
      expect(p50, mode).toBeDefined();
      expect(p50!.unit).toBe('ms');
      expect(p50!.value).toBeGreaterThan(0);
    }
    const warm = figures.find((f) => f.subject === 'crash -> running again (standby)' && f.metric === 'warm restarts')!;
    expect(warm.value).toBeGreaterThan(0);
  });
});
