import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TradingState } from '../../src/domain/messages.js';
import { startEmbeddedDatabase } from '../../src/persistence/embedded.js';
import type { KillSwitchLatch } from '../../src/persistence/recovery.js';
import { reconcileLatchWithDatabase } from '../../src/runtime/kill-switch-latch-recovery.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { parseTreeSpec } from '../../src/runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../../src/safety/gpio-panel.js';
import { backends, pgliteTemplate, type RunningBackend } from '../helpers/backends.js';
import { INSTRUMENTS, VENUES, waitFor } from './harness.js';

const halted = (seq: number): KillSwitchLatch => ({ seq, state: 'HALTED', previous: 'ACTIVE', source: 'risk-panic', reason: 'drawdown 12% from peak', tsUs: 1_700_000_000_000_000 });
const fileWith = (dir: string, state: string, seq: number): string => {
  const file = join(dir, `ks-${state}-${seq}.json`);
  writeFileSync(file, JSON.stringify({ version: 1, state, seq, last: { seq, from: 'HALTED', to: state, source: 'admin', reason: 'r', atMs: 1 }, history: [] }));
  return file;
};
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { state: string; seq: number; last: { reason: string; source: string } };

describe('kill switch latch vs database (pure rules)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bot4-latch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing state file takes the database HALTED transition, numbering included', () => {
    const file = join(dir, 'missing.json');
    expect(reconcileLatchWithDatabase(file, halted(9), 0).action).toBe('restored-halted');
    expect(read(file)).toMatchObject({ state: 'HALTED', seq: 9, last: { reason: 'drawdown 12% from peak', source: 'risk-panic' } });
  });

  it('an older ACTIVE file is halted with the database transition; a newer one gets a new HALTED transition after its own', () => {
    const older = fileWith(dir, 'ACTIVE', 3);
    expect(reconcileLatchWithDatabase(older, halted(9), 0).action).toBe('restored-halted');
    expect(read(older)).toMatchObject({ state: 'HALTED', seq: 9 });
    const newer = fileWith(dir, 'ACTIVE', 12);
    expect(reconcileLatchWithDatabase(newer, halted(9), 5).action).toBe('halted');
    expect(read(newer)).toMatchObject({ state: 'HALTED', seq: 13, last: { source: 'startup-latch' } });
    expect(read(newer).last.reason).toMatch(/database's latch is HALTED \(transition 9/);
  });

  it('a file behind the database numbering keeps its state and continues from the database seq; nothing to do otherwise', () => {
    const behind = fileWith(dir, 'PAUSED', 2);
    const active = { ...halted(7), state: 'ACTIVE' as const, previous: 'HALTED' as const };
    expect(reconcileLatchWithDatabase(behind, active, 0).action).toBe('renumbered');
    expect(read(behind)).toMatchObject({ state: 'PAUSED', seq: 7 });
    const ahead = fileWith(dir, 'ACTIVE', 8);
    expect(reconcileLatchWithDatabase(ahead, active, 0).action).toBe('none');
    expect(reconcileLatchWithDatabase(ahead, null, 0).action).toBe('none');
    const gone = join(dir, 'gone.json');
    expect(reconcileLatchWithDatabase(gone, active, 0).action).toBe('restored');
    expect(read(gone)).toMatchObject({ state: 'ACTIVE', seq: 7 });
  });

  it('leaves an unreadable file alone (the kill switch starts HALTED by itself)', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{not json');
    expect(reconcileLatchWithDatabase(bad, halted(3), 0).action).toBe('none');
    expect(readFileSync(bad, 'utf8')).toBe('{not json');
  });
});

function tree(stateFile: string, spool: string) {
  return parseTreeSpec({
    name: 'root',
    strategy: 'one_for_one',
    children: [
      { name: 'safety', strategy: 'one_for_all', children: [{ name: 'kill-switch', actor: 'kill-switch', config: { state_file: stateFile, lease_ms: 500, lease_renew_ms: 20, dead_man_timeout_ms: 0 } }] },
      {
        name: 'execution',
        strategy: 'rest_for_one',
        children: [{ name: 'recorder', actor: 'recorder', wait: 'park', start_timeout_ms: 20_000, config: { venues: VENUES, instruments: INSTRUMENTS, spool_path: spool, flush_interval_ms: 50 } }],
      },
    ],
  });
}

// The embedded default (no URL: the runtime starts PGlite itself) and DATABASE_URL pointing at PostgreSQL 15.
for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`runtime restart restores a HALTED latch from the database (${backend.name}${backend.name === 'pglite' ? ', embedded by the runtime' : ''})${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let running: RunningBackend | undefined;
    let dir: string;
    let database: { url?: string; dataDir?: string };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bot4-latch-rt-'));
      if (backend.name === 'pglite') {
        cpSync(await pgliteTemplate(), join(dir, 'pglite'), { recursive: true });
        database = { dataDir: join(dir, 'pglite') };
      } else {
        running = await backend.start();
        database = { url: running.connectionString };
      }
    }, 120_000);

    afterAll(async () => {
      await running?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const start = (secrets: string[] = []) =>
      Runtime.start({
        tree: tree(join(dir, 'kill-switch.json'), join(dir, 'spool.jsonl')),
        seed: 3,
        logger: pino({ level: 'silent' }),
        gpio: gpioConfigSchema.parse({ mode: 'simulated' }),
        shutdownDeadlineMs: 20_000,
        cancelOpenOrdersOnExit: false,
        database: { ...database, addSecret: (s) => secrets.push(s) },
      });

    const recorderStatus = async (runtime: Runtime) => (await runtime.actorGet('root/execution/recorder')).snapshot as { written: number; degraded: boolean };

    it('trip -> row in the database -> state file lost -> the next runtime comes back HALTED and numbers on', async () => {
      const first = await start();
      try {
        expect(first.gate.read()).toBe(TradingState.ACTIVE);
        await first.killswitchTrip('operator: exchange outage');
        // the startup announcement (seq 0) and the trip (seq 1)
        await waitFor(async () => (await recorderStatus(first)).written >= 2, 20_000);
      } finally {
        await first.shutdown('test: first run over');
      }
      rmSync(join(dir, 'kill-switch.json'));

      const second = await start();
      try {
        expect(existsSync(join(dir, 'kill-switch.json'))).toBe(true);
        expect(second.gate.read()).toBe(TradingState.HALTED);
        const report = await second.killswitchReset('outage over, checked by operator');
        expect(report.state).toBe('ACTIVE');
        await waitFor(async () => (await recorderStatus(second)).written >= 1, 20_000);
      } finally {
        await second.shutdown('test: second run over');
      }

      const rows = await withDatabase(async (db) => (await db.query(`SELECT seq::int, state, previous, source, reason FROM kill_switch_events ORDER BY seq`)).rows);
      expect(rows).toEqual([
        { seq: 0, state: 'ACTIVE', previous: 'ACTIVE', source: 'startup-latch', reason: 'state at start (ACTIVE)' },
        { seq: 1, state: 'HALTED', previous: 'ACTIVE', source: 'admin', reason: 'operator: exchange outage' },
        { seq: 2, state: 'ACTIVE', previous: 'HALTED', source: 'admin', reason: 'outage over, checked by operator' },
      ]);
    }, 120_000);

    async function withDatabase<T>(work: (db: pg.Client) => Promise<T>): Promise<T> {
      const embedded = database.dataDir ? await startEmbeddedDatabase({ dataDir: database.dataDir }) : undefined;
      const client = new pg.Client({ connectionString: embedded?.connectionString ?? database.url });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
        await embedded?.stop();
      }
    }
  });
}
