import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../../src/cli/soak-schedule.js';
import { SoakPostgres } from '../../src/cli/soak-processes.js';
import { cleanEnv, runCli } from '../cli/run-cli.js';

/**
 * The chaos soak as a user runs it: `bot4 soak --minutes 1.5 --seed 3` (the real CLI, two `bot4
 * venue` processes, `bot4 start` SIGKILLed and started again, PostgreSQL stopped and started) must
 * inject every kind of fault, trade, and find no violation against the venues' own records.
 * The wall time is far longer than 90 s on a loaded machine: every restart of bot4 start waits
 * for its banner.
 */
const SEED = '3';
const postgres = SoakPostgres.find();

const count = (summary: string, label: string): number => {
  const match = new RegExp(`^ {2}${label.replace(/[-/]/g, '\\$&')} +(\\d+)`, 'm').exec(summary);
  if (!match) throw new Error(`the summary has no "${label}" line:\n${summary}`);
  return Number(match[1]);
};

describe(`bot4 soak, 90 s, seed ${SEED}, database ${postgres ? 'postgres' : 'pglite (no PostgreSQL binaries: no outage)'}`, () => {
  it('every fault kind injected, a SIGKILL restart, orders and fills, 0 violations', async () => {
    const result = await runCli(['soak', '--minutes', '1.5', '--seed', SEED, '--database', postgres ? 'postgres' : 'pglite'], cleanEnv());
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.stdout, output).toContain('violations: 0');
    expect(result.code, output).toBe(0);
    for (const kind of FAULT_KINDS.filter((k) => postgres || k !== 'db-outage')) expect(count(result.stdout, kind), `${kind}\n${output}`).toBeGreaterThan(0);
    expect(count(result.stdout, 'sigkill restarts')).toBeGreaterThanOrEqual(1);
    expect(count(result.stdout, 'restarts while HALTED')).toBeGreaterThanOrEqual(1);
    expect(count(result.stdout, 'orders')).toBeGreaterThan(0);
    expect(count(result.stdout, 'fills')).toBeGreaterThan(0);
  }, 1_200_000);
});
