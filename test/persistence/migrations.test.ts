import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/runtime/package-root.js';
import { MigrationChecksumError, migrate } from '../../src/persistence/migrate.js';
import { sha256Hex } from '../../src/persistence/hash.js';
import { backends, type RunningBackend } from '../helpers/backends.js';

const sqlDir = join(packageRoot(), 'sql');

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`migrations on ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let running: RunningBackend;
    let pool: pg.Pool;
    let dir: string;

    beforeAll(async () => {
      running = await backend.start();
      pool = running.newPool();
      dir = mkdtempSync(join(tmpdir(), 'bot4-sql-'));
      cpSync(sqlDir, dir, { recursive: true });
    });

    afterAll(async () => {
      await pool?.end();
      await running?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('applies every step on a fresh database, plain variant where TimescaleDB is not usable', async () => {
      const report = await migrate(pool, { dir });
      expect(report.applied.map((m) => m.file)).toEqual(['001_core.sql', '002_audit_log.sql', '003_market_data.sql', '004_timeseries.plain.sql', '005_audit_source_key.sql', '006_fills_per_symbol_key.sql', '007_exact_position_snapshots.sql']);
      expect(report.alreadyApplied).toEqual([]);
      expect(report.timescale.usable).toBe(false);
      expect(report.timescale.reason).toMatch(/timescaledb/);
      expect(report.timescale.schemaVariant).toBe('plain');
      for (const m of report.applied) expect(m.checksum).toBe(sha256Hex(readFileSync(join(dir, m.file))));

      const tables = await pool.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      );
      expect(tables.rows.map((r) => r.name)).toEqual(expect.arrayContaining([
        'actor_lifecycle_events', 'audit_log', 'balances', 'book_tops', 'fills', 'kill_switch_events', 'ohlcv', 'ohlcv_1m', 'ohlcv_5m',
        'order_events', 'orders', 'position_snapshots', 'schema_migrations', 'trades',
      ]));
    });

    it('re-applying is a no-op', async () => {
      const before = await pool.query('SELECT version, applied_at FROM schema_migrations ORDER BY version');
      const report = await migrate(pool, { dir });
      expect(report.applied).toEqual([]);
      expect(report.alreadyApplied.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      const after = await pool.query('SELECT version, applied_at FROM schema_migrations ORDER BY version');
      expect(after.rows).toEqual(before.rows);
    });

    it('a failing step rolls back completely and names its file', async () => {
      writeFileSync(join(dir, '008_broken.sql'), 'CREATE TABLE half_done (x int);\nSELECT no_such_function();\n');
      await expect(migrate(pool, { dir })).rejects.toThrow(/008_broken\.sql failed: .*no_such_function/);
      const leftovers = await pool.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`);
      expect(leftovers.rowCount).toBe(0);
      const ledger = await pool.query('SELECT 1 FROM schema_migrations WHERE version = 8');
      expect(ledger.rowCount).toBe(0);
      rmSync(join(dir, '008_broken.sql'));
    });

    it('refuses to run when an applied migration was edited, naming the file and both checksums', async () => {
      const file = join(dir, '003_market_data.sql');
      const original = readFileSync(file);
      writeFileSync(file, `${original.toString('utf8')}\n-- tweak\n`);
      writeFileSync(join(dir, '008_next.sql'), 'CREATE TABLE next_step (x int);\n');
      const error = await migrate(pool, { dir }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationChecksumError);
      const refused = error as MigrationChecksumError;
      expect(refused.file).toBe('003_market_data.sql');
      expect(refused.appliedChecksum).toBe(sha256Hex(original));
      expect(refused.fileChecksum).toBe(sha256Hex(readFileSync(file)));
      expect(refused.message).toContain('003_market_data.sql');
      expect(refused.message).toContain(refused.appliedChecksum);
      expect(refused.message).toContain(refused.fileChecksum);
      // nothing after the refusal ran
      expect((await pool.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'next_step'`)).rowCount).toBe(0);

      writeFileSync(file, original);
      const report = await migrate(pool, { dir });
      expect(report.applied.map((m) => m.file)).toEqual(['008_next.sql']);
    });

    it('refuses a folder with a variant missing its counterpart', async () => {
      writeFileSync(join(dir, '009_extra.plain.sql'), 'SELECT 1;\n');
      await expect(migrate(pool, { dir })).rejects.toThrow(/009_extra\.plain\.sql has no timescale counterpart/);
      rmSync(join(dir, '009_extra.plain.sql'));
    });

    it("timescale 'require' fails clearly where the extension is not usable", async () => {
      await expect(migrate(pool, { dir, timescale: 'require' })).rejects.toThrow(/TimescaleDB required but not usable: timescaledb/);
    });
  });
}
