/** The audit log as the dashboard shows it: the newest rows and the hash-chain check, on a real (embedded) database. */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/persistence/audit.js';
import { migrate } from '../../src/persistence/migrate.js';
import { AuditWatcher } from '../../src/dashboard/audit-view.js';
import { backends, type RunningBackend } from '../helpers/backends.js';

const pglite = backends.find((b) => b.name === 'pglite')!;
let running: RunningBackend;
let pool: pg.Pool;

beforeAll(async () => {
  running = await pglite.start();
  pool = running.newPool();
  await migrate(pool);
  for (const i of [1, 2, 3]) await appendAudit(pool, { actor: 'admin', action: `act-${i}`, detail: { i } });
});

afterAll(async () => {
  await pool?.end();
  await running?.close();
});

async function check(url: string | null): Promise<ReturnType<AuditWatcher['current']>> {
  const watcher = new AuditWatcher(() => url, 60_000);
  watcher.refreshIfDue();
  await watcher.settled();
  return watcher.current();
}

describe('dashboard audit view', () => {
  it('shows the newest rows first and a verified chain', async () => {
    const view = await check(running.connectionString);
    expect(view.state).toBe('checked');
    if (view.state !== 'checked') return;
    expect(view.verification).toEqual({ ok: true, rows: 3, headHash: view.recent[0]!.hash });
    expect(view.recent.map((r) => [r.id, r.action, r.detail])).toEqual([[3, 'act-3', { i: 3 }], [2, 'act-2', { i: 2 }], [1, 'act-1', { i: 1 }]]);
  });

  it('shows where the chain breaks once a row was edited behind the log\'s back', async () => {
    const client = await pool.connect();
    try {
      await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await client.query(`UPDATE audit_log SET detail = '{"i": 20}' WHERE id = 2`);
      await client.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    } finally {
      client.release();
    }
    const view = await check(running.connectionString);
    expect(view).toMatchObject({ state: 'checked', verification: { ok: false, rows: 1, badRowId: 2, reason: expect.stringMatching(/row edited/) } });
  });

  it('says there is no database, or that it could not read it, rather than showing nothing', async () => {
    expect(await check(null)).toEqual({ state: 'none', why: expect.stringContaining('no database') });
    expect(await check('postgresql://nobody@127.0.0.1:1/none')).toMatchObject({ state: 'error', message: expect.stringMatching(/^audit log unreadable: /) });
  });

  it('checks at most once per interval', async () => {
    let asked = 0;
    let now = 0;
    const watcher = new AuditWatcher(() => (asked++, null), 5000, () => now);
    watcher.refreshIfDue();
    await watcher.settled();
    now = 4999;
    watcher.refreshIfDue();
    await watcher.settled();
    expect(asked).toBe(1);
    now = 5000;
    watcher.refreshIfDue();
    await watcher.settled();
    expect(asked).toBe(2);
  });
});
