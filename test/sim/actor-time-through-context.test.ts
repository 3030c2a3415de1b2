/**
 * One actor code, two hosts: the strategy, risk, order-manager and kill-switch actor
 * modules read time and schedule work only through their context (ctx.clock, the
 * definition's `timers`), so the worker host and the simulation host (src/sim/) run the
 * same code. This test reads their sources and fails on a direct clock read, a direct
 * timer, unseeded randomness or a branch on the host.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/runtime/package-root.js';
import { wallClock } from '../../src/runtime/clock.js';

const ACTOR_KINDS = ['strategy', 'risk', 'order-manager', 'kill-switch'];

const FORBIDDEN: ReadonlyArray<{ pattern: RegExp; why: string }> = [
  { pattern: /\bDate\.now\b/, why: 'reads the wall clock (use ctx.clock.now())' },
  { pattern: /\bnew Date\(\s*\)/, why: 'reads the wall clock (use ctx.clock.now())' },
  { pattern: /\bperformance\.now\b/, why: 'reads the wall clock (use ctx.clock.nowUs())' },
  { pattern: /\bprocess\.hrtime\b/, why: 'reads the wall clock (use ctx.clock.nowUs())' },
  { pattern: /runtime\/clock\.js/, why: 'imports the wall clock (use ctx.clock)' },
  { pattern: /\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b/, why: 'schedules work outside the host (declare it in `timers`)' },
  { pattern: /\bMath\.random\b/, why: 'unseeded randomness (use ctx.random)' },
  { pattern: /new TradingGate(Writer)?\((?![^)]*ctx\.clock)/, why: 'a trading gate whose lease runs on the wall clock (pass ctx.clock)' },
  { pattern: /\bbacktest\w*\b|\bsimulation\w*\b|\bisSim\w*\b|\bBOT4_SIM\w*\b/i, why: 'branches on the host' },
];

/** The code of a TypeScript file without its comments (strings keep their text; none of these files put "//" in one before a forbidden word). */
function codeOf(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function actorSources(): Array<{ file: string; code: string }> {
  const root = packageRoot();
  return ACTOR_KINDS.flatMap((kind) => {
    const dir = join(root, 'actors', kind);
    return readdirSync(dir)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => ({ file: `actors/${kind}/${name}`, code: codeOf(readFileSync(join(dir, name), 'utf8')) }));
  });
}

describe('actors read time only through their context', () => {
  const sources = actorSources();

  it('finds the four actor kinds', () => {
    for (const kind of ACTOR_KINDS) expect(sources.some((s) => s.file === `actors/${kind}/actor.ts`)).toBe(true);
  });

  it('has no direct clock, timer, randomness or host branch in those modules', () => {
    const offences: string[] = [];
    for (const { file, code } of sources) {
      code.split('\n').forEach((line, index) => {
        for (const { pattern, why } of FORBIDDEN) if (pattern.test(line)) offences.push(`${file}:${index + 1}: ${why}: ${line.trim()}`);
      });
    }
    expect(offences).toEqual([]);
  });

  it('the comment stripper keeps code and drops comments', () => {
    expect(codeOf('const a = Date.now(); // Date.now in a comment')).toContain('Date.now()');
    expect(codeOf('/* setTimeout */ const b = 1;')).not.toContain('setTimeout');
    expect(codeOf("const url = 'http://x'; // backtest")).toContain('http://x');
    expect(codeOf("const url = 'http://x'; // backtest")).not.toContain('backtest');
  });

  it('the live host gives real time', () => {
    const before = Date.now();
    const ms = wallClock.now();
    const us = wallClock.nowUs();
    const after = Date.now();
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
    expect(Math.abs(us / 1000 - ms)).toBeLessThan(50);
  });
});
