/** `bot4 bench` as a user runs it: the compiled CLI in a child process. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/run.js';
import { runCli } from '../cli/run-cli.js';

describe('bot4 bench', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bot4-bench-cli-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('describes itself in --help and in bot4 help', async () => {
    const help = await runCli(['bench', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: bot4 bench \[suite…\] \[--quick\] \[--out DIR\]/);
    expect(help.stdout).toContain('Suites: transport, codec, risk, tick-to-order, kill-switch, supervision, recorder');
    expect((await runCli(['help', 'bench'])).stdout).toBe(help.stdout);
    expect((await runCli(['--help'])).stdout).toMatch(/bench \[suite…\] \[--quick\]/);
  });

  it('refuses an unknown suite or option with exit code 2, listing the valid suites', async () => {
    const unknown = await runCli(['bench', 'ring']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'bot4 bench: unknown suite "ring"; valid suites: transport, codec, risk, tick-to-order, kill-switch, supervision, recorder\nsee: bot4 bench --help\n',
    );
    const option = await runCli(['bench', '--fast']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^bot4 bench: Unknown option '--fast'/);
  });

  it('runs the named suites and writes the JSON to --out', async () => {
    const result = await runCli(['bench', 'tick-to-order', 'risk', '--quick', '--out', outDir]);
    expect(result.stderr).toContain('[1/2] risk: running…');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/== risk \(.*\) ==\n.*mean ns\/order/);
    expect(result.stdout).toContain(`wrote ${join(outDir, 'latest.json')}`);
    const report = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as BenchReport;
    expect(report.config).toMatchObject({ quick: true, size: 'quick', suites: ['risk', 'tick-to-order'] });
    expect(report.suites.map((s) => s.status)).toEqual(['ok', 'ok']);
  });

  it('says where it cannot write results before measuring anything', async () => {
    const file = join(outDir, 'a-file');
    writeFileSync(file, '');
    const blocked = join(file, 'sub');
    const result = await runCli(['bench', 'risk', '--quick', '--out', blocked]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^bot4 bench: cannot write results to .*a-file\/sub: /);
    expect(result.stderr).not.toContain('[1/1]');
    expect(existsSync(blocked)).toBe(false);
  });
});
