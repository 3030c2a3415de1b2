/**
 * The JSON control frames the recorder accepts (docs/persistence.md, "Recorder actor"):
 *
 * - `{ type: 'audit', key, actor, action, detail, atUs? }`: one entry for the hash-chained audit log.
 *   `key` is the producer's name for the entry (e.g. `risk:17`); an entry whose key is already in the
 *   log is not appended again, so give every entry its own stable key.
 * - `{ type: 'record', record }`: any database record (src/persistence/records.ts) a producer can name
 *   fully itself — position snapshots and balances from risk, lifecycle events, OHLCV bars.
 */
import { z } from 'zod';
import type { PersistRecord } from '../../src/persistence/records.js';

export const AUDIT_MESSAGE = 'audit';
export const RECORD_MESSAGE = 'record';

const auditSchema = z.strictObject({
  type: z.literal(AUDIT_MESSAGE),
  key: z.string().min(1).max(200),
  actor: z.string().min(1),
  action: z.string().min(1),
  detail: z.record(z.string(), z.json()),
  atUs: z.number().nonnegative().optional(),
});

const recordSchema = z.strictObject({
  type: z.literal(RECORD_MESSAGE),
  // validated field by field by the batch writer, which names the bad field
  record: z.looseObject({ kind: z.string() }),
});

const controlSchema = z.discriminatedUnion('type', [auditSchema, recordSchema]);

/** The record a control message asks to store; throws naming what is wrong. */
export function recordOfControl(message: unknown, peer: string, nowUs: number): PersistRecord {
  const parsed = controlSchema.safeParse(message);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new TypeError(`control frame from ${peer}: ${issues} (the recorder takes {type:'audit',…} and {type:'record',…})`);
  }
  const m = parsed.data;
  if (m.type === RECORD_MESSAGE) return m.record as unknown as PersistRecord;
  return { kind: 'audit', key: m.key, actor: m.actor, action: m.action, detail: m.detail, atUs: m.atUs ?? nowUs };
}
