import type pg from 'pg';
import { canonicalJson } from './canonical-json.js';
import { timestampText, toSafeInteger, usToTimestamp, withTransaction, type Queryable } from './db.js';
import { sha256Hex } from './hash.js';

/** prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  actor: string;
  action: string;
  /** Plain JSON data (see canonicalJson for what is refused). */
  detail: Record<string, unknown>;
  /** Microseconds since epoch; default now. */
  atUs?: number;
}

export interface AuditRow {
  id: number;
  /** ISO-8601 UTC with microseconds, exactly as hashed. */
  at: string;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type AuditVerification =
  | { ok: true; rows: number; headHash: string }
  | { ok: false; rows: number; badRowId: number; reason: string };

/** hash = sha256(prev_hash || canonical JSON of the row's content). */
export function auditRowHash(prevHash: string, content: Pick<AuditRow, 'id' | 'at' | 'actor' | 'action' | 'detail'>): string {
  const { id, at, actor, action, detail } = content;
  return sha256Hex(prevHash + canonicalJson({ id, at, actor, action, detail }));
}

/**
 * Appends one chained row. The table lock serialises appenders (across processes too), so ids stay
 * contiguous and each row links to the true previous head.
 */
export async function appendAudit(db: Queryable, entry: AuditEntry): Promise<AuditRow> {
  const row = await withTransaction(db, (client) => appendAuditInTransaction(client, entry));
  return row as AuditRow;
}

/**
 * The append itself, on a connection that already has a transaction open (the batch writer's). With a
 * `key` (the producer's name for the entry, kept in `source_key`, see sql/005) an entry already in the
 * log is not appended again and null is returned: a spool replayed after an ambiguous failure lands once.
 */
export async function appendAuditInTransaction(client: pg.ClientBase, entry: AuditEntry, key?: string): Promise<AuditRow | null> {
  if (typeof entry.actor !== 'string' || entry.actor === '') throw new TypeError('appendAudit: actor must be a non-empty string');
  if (typeof entry.action !== 'string' || entry.action === '') throw new TypeError('appendAudit: action must be a non-empty string');
  if (typeof entry.detail !== 'object' || entry.detail === null || Array.isArray(entry.detail)) {
    throw new TypeError('appendAudit: detail must be a plain object');
  }
  // jsonb stores what JSON.parse would give back, so hash that form, not the caller's object
  const detail = JSON.parse(canonicalJson(entry.detail)) as Record<string, unknown>;
  const at = usToTimestamp(entry.atUs ?? (performance.timeOrigin + performance.now()) * 1000);
  await client.query('LOCK TABLE audit_log IN EXCLUSIVE MODE');
  if (key !== undefined) {
    const seen = await client.query('SELECT 1 FROM audit_log WHERE source_key = $1', [key]);
    if (seen.rowCount) return null;
  }
  const head = await client.query<{ id: string; hash: string }>('SELECT id::text, hash FROM audit_log ORDER BY id DESC LIMIT 1');
  const last = head.rows[0];
  const id = last ? toSafeInteger(last.id, 'audit_log.id') + 1 : 1;
  const prevHash = last ? last.hash : GENESIS_HASH;
  const row: AuditRow = { id, at, actor: entry.actor, action: entry.action, detail, prevHash, hash: '' };
  row.hash = auditRowHash(prevHash, row);
  await client.query(
    'INSERT INTO audit_log (id, at, actor, action, detail, prev_hash, hash, source_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [row.id, row.at, row.actor, row.action, canonicalJson(detail), row.prevHash, row.hash, key ?? null],
  );
  return row;
}

const PAGE = 1000;

/**
 * Walks the chain from id 1 and stops at the first row that is wrong: a missing id (deleted row), a
 * prev_hash that is not the previous row's hash (deleted or re-chained row), or a hash that does not
 * match the row's content (edited row). Removing the newest rows leaves a valid shorter chain; keep
 * `headHash` somewhere else (logs, a notary) to catch that.
 */
export async function verifyAuditChain(db: Queryable): Promise<AuditVerification> {
  let expectedId = 1;
  let prevHash = GENESIS_HASH;
  let rows = 0;
  for (;;) {
    const page = await db.query<{ id: string; at: string; actor: string; action: string; detail: Record<string, unknown>; prev_hash: string; hash: string }>(
      `SELECT id::text, ${timestampText('at')} AS at, actor, action, detail, prev_hash, hash
         FROM audit_log WHERE id >= $1 ORDER BY id LIMIT ${PAGE}`,
      [expectedId],
    );
    for (const raw of page.rows) {
      const id = toSafeInteger(raw.id, 'audit_log.id');
      if (id !== expectedId) {
        return { ok: false, rows, badRowId: id, reason: `gap in sequence: expected id ${expectedId}, found ${id} (rows deleted)` };
      }
      if (raw.prev_hash !== prevHash) {
        return { ok: false, rows, badRowId: id, reason: `broken link: prev_hash ${raw.prev_hash} but the previous row's hash is ${prevHash}` };
      }
      const recomputed = auditRowHash(raw.prev_hash, { id, at: raw.at, actor: raw.actor, action: raw.action, detail: raw.detail });
      if (recomputed !== raw.hash) {
        return { ok: false, rows, badRowId: id, reason: `content does not match its hash (row edited): stored ${raw.hash}, recomputed ${recomputed}` };
      }
      prevHash = raw.hash;
      expectedId += 1;
      rows += 1;
    }
    if (page.rows.length < PAGE) return { ok: true, rows, headHash: prevHash };
  }
}
