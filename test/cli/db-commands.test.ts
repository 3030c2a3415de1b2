import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/persistence/audit.js';
import { startEmbeddedDatabase } from '../../src/persistence/embedded.js';
import { backends, pgliteTemplate, type RunningBackend } from '../helpers/backends.js';
import { cleanEnv, runCli } from './run-cli.js';

describe('bot4 db / bot4 audit usage', () => {
  it('prints help describing the real behaviour and refuses unknown subcommands with exit 2', async () => {
    const help = await runCli(['db', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: bot4 db migrate/);
    expect(help.stdout).toMatch(/DATABASE_URL/);
    const bad = await runCli(['audit', 'frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown subcommand "frobnicate" \(known: verify\)/);
  });
});

// The embedded database (database.data_dir in a --config file) and DATABASE_URL pointing at PostgreSQL 15.
for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`bot4 db migrate and bot4 audit verify on ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let dir: string;
    let running: RunningBackend | undefined;
    let configFile: string;
    let env: NodeJS.ProcessEnv;
    let dataDir: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bot4-dbcli-'));
      dataDir = join(dir, 'pglite');
      configFile = join(dir, 'bot4.yaml');
      writeFileSync(configFile, `database:\n  data_dir: ${dataDir}\n`);
      if (backend.name === 'pglite') {
        cpSync(await pgliteTemplate(), dataDir, { recursive: true });
        env = cleanEnv();
      } else {
        running = await backend.start();
        env = cleanEnv({ DATABASE_URL: running.connectionString });
      }
    }, 120_000);

    afterAll(async () => {
      await running?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function withDatabase<T>(work: (db: pg.Client) => Promise<T>): Promise<T> {
      const embedded = running ? undefined : await startEmbeddedDatabase({ dataDir });
      const client = new pg.Client({ connectionString: embedded?.connectionString ?? running!.connectionString });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
        await embedded?.stop();
      }
    }

    it('migrates, reports the TimescaleDB detection, and is a no-op the second time', async () => {
      const first = await runCli(['db', 'migrate', '--config', configFile], env);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(backend.name === 'pglite' ? /database: embedded PGlite database / : /database: DATABASE_URL postgresql:/);
      expect(first.stdout).toMatch(/applied 7 migrations:/);
      expect(first.stdout).toMatch(/006_fills_per_symbol_key\.sql/);
      expect(first.stdout).toMatch(/timescaledb: not usable \(timescaledb is not in pg_available_extensions\); mode auto; time-series schema variant: plain/);
      if (backend.name === 'pglite') {
        const again = await runCli(['db', 'migrate', '--config', configFile], env);
        expect(again.code).toBe(0);
        expect(again.stdout).toMatch(/schema up to date: 7 migrations already applied/);
      }
    }, 60_000);

    it('audit verify passes on an intact chain, then names the row after it is edited', async () => {
      await withDatabase(async (db) => {
        for (let i = 1; i <= 3; i++) await appendAudit(db, { actor: 'operator', action: 'limit.changed', detail: { step: i } });
      });
      const ok = await runCli(['audit', 'verify', '--config', configFile], env);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/audit chain OK: 3 rows verified/);
      expect(ok.stdout).toMatch(/head hash: [0-9a-f]{64}/);

      // what an attacker with superuser rights could do: switch the append-only trigger off and rewrite a row
      await withDatabase(async (db) => {
        await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
        await db.query(`UPDATE audit_log SET detail = '{"step": 20}' WHERE id = 2`);
      });
      const broken = await runCli(['audit', 'verify', '--config', configFile], env);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(/audit chain BROKEN at row id 2 \(1 rows before it verified\): content does not match its hash \(row edited\)/);
    }, 60_000);
  });
}
