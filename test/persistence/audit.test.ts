import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, auditRowHash, verifyAuditChain, type AuditRow } from '../../src/persistence/audit.js';
import { migrate } from '../../src/persistence/migrate.js';
import { backends, type RunningBackend } from '../helpers/backends.js';

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`audit chain on ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let running: RunningBackend;
    let pool: pg.Pool;
    const appended: AuditRow[] = [];

    beforeAll(async () => {
      running = await backend.start();
      pool = running.newPool();
      await migrate(pool);
    });

    afterAll(async () => {
      await pool?.end();
      await running?.close();
    });

    // a superuser can switch the append-only trigger off: exactly the tampering verify must catch
    async function tamper(sql: string, values: unknown[]): Promise<void> {
      const client = await pool.connect();
      try {
        await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
        await client.query(sql, values);
        await client.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
      } finally {
        client.release();
      }
    }

    it('an empty log verifies', async () => {
      expect(await verifyAuditChain(pool)).toEqual({ ok: true, rows: 0, headHash: '0'.repeat(64) });
    });

    it('appended rows chain and verify', async () => {
      const details = [
        { reason: 'operator reset', state: { from: 'HALTED', to: 'ACTIVE' } },
        { z: 1, a: [1.5, -0.25, 1e21], nested: { b: null, a: true } },
        { text: 'ünïcödé ✓ "quoted"\n' },
        { qty: 0.1 + 0.2 },
        {},
        { order: 42 },
      ];
      let at = Date.UTC(2026, 0, 2, 3, 4, 5) * 1000 + 123;
      for (const [i, detail] of details.entries()) {
        appended.push(await appendAudit(pool, { actor: 'admin', action: `act-${i}`, detail, atUs: (at += 1_000_001) }));
      }
      expect(appended.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(appended[0]?.prevHash).toBe('0'.repeat(64));
      for (let i = 1; i < appended.length; i++) expect(appended[i]?.prevHash).toBe(appended[i - 1]?.hash);
      expect(await verifyAuditChain(pool)).toEqual({ ok: true, rows: 6, headHash: appended[5]?.hash });
    });

    it('ordinary sessions cannot update or delete rows', async () => {
      await expect(pool.query(`UPDATE audit_log SET actor = 'x' WHERE id = 1`)).rejects.toThrow(/append-only: UPDATE refused/);
      await expect(pool.query('DELETE FROM audit_log WHERE id = 1')).rejects.toThrow(/append-only: DELETE refused/);
    });

    it('an edited row is named as the first bad row', async () => {
      await tamper(`UPDATE audit_log SET detail = jsonb_set(detail, '{order}', '43') WHERE id = 6`, []);
      await tamper(`UPDATE audit_log SET detail = '{"qty": 0.3}' WHERE id = 4`, []);
      const result = await verifyAuditChain(pool);
      expect(result).toMatchObject({ ok: false, badRowId: 4, rows: 3 });
      expect(result.ok === false && result.reason).toMatch(/row edited/);
      await tamper('UPDATE audit_log SET detail = $1 WHERE id = 4', [JSON.stringify(appended[3]?.detail)]);
      await tamper('UPDATE audit_log SET detail = $1 WHERE id = 6', [JSON.stringify(appended[5]?.detail)]);
      expect(await verifyAuditChain(pool)).toMatchObject({ ok: true, rows: 6 });
    });

    it('a row edited and re-hashed breaks the link to the next row', async () => {
      const row = appended[1] as AuditRow;
      const forged = auditRowHash(row.prevHash, { ...row, actor: 'intruder' });
      await tamper(`UPDATE audit_log SET actor = 'intruder', hash = $1 WHERE id = 2`, [forged]);
      const result = await verifyAuditChain(pool);
      expect(result).toMatchObject({ ok: false, badRowId: 3 });
      expect(result.ok === false && result.reason).toMatch(/broken link/);
      await tamper('UPDATE audit_log SET actor = $1, hash = $2 WHERE id = 2', [row.actor, row.hash]);
      expect(await verifyAuditChain(pool)).toMatchObject({ ok: true, rows: 6 });
    });

    it('a deleted row shows as a gap at the row after it', async () => {
      await tamper('DELETE FROM audit_log WHERE id = 3', []);
      const result = await verifyAuditChain(pool);
      expect(result).toMatchObject({ ok: false, badRowId: 4, rows: 2 });
      expect(result.ok === false && result.reason).toMatch(/gap in sequence: expected id 3, found 4/);
    });

    it('appending continues from the head even after tampering, and bad input is refused', async () => {
      const next = await appendAudit(pool, { actor: 'admin', action: 'after', detail: { n: 1 } });
      expect(next.id).toBe(7);
      expect(next.prevHash).toBe(appended[5]?.hash);
      await expect(appendAudit(pool, { actor: 'admin', action: 'bad', detail: { x: Number.NaN } })).rejects.toThrow(/\$\.x is NaN/);
      await expect(appendAudit(pool, { actor: '', action: 'bad', detail: {} })).rejects.toThrow(/actor must be a non-empty string/);
    });
  });
}
