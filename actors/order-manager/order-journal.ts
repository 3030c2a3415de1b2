/**
 * The order manager's write-ahead journal until the database lands: one JSON line per
 * order change, the full record each time, appended synchronously before the command that
 * change leads to leaves. Replay keeps the last line per order, so a restart resumes every
 * order in the state it was in (docs/order-manager.md, "Persistence").
 *
 * A line cut short by a crash is skipped and counted, never fatal. At start the journal is
 * compacted (latest line per order, written to a temp file, fsynced and renamed), so it does
 * not grow across restarts.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { writeFileAtomic } from '../../src/runtime/atomic-file.js';
import { ORDER_STATUSES, type OrderRecord, type OrderStatus } from './order-lifecycle.js';

export interface JournalLine {
  v: 1;
  status: OrderStatus;
  order: OrderRecord;
  timeInForce: number;
  reduceOnly: number;
  expectedPrice: number;
  /** Submit attempts so far (resubmits after "unknown to the venue" count). */
  attempts: number;
}

export interface JournalReplay {
  lines: Map<number, JournalLine>;
  /** Lines that were not valid JSON or not a journal record (e.g. cut short by a crash). */
  skipped: number;
  problems: string[];
}

const STATUSES: ReadonlySet<string> = new Set(ORDER_STATUSES);

function asJournalLine(value: unknown): JournalLine | string {
  const v = value as Partial<JournalLine> | null;
  if (v === null || typeof v !== 'object') return 'not an object';
  if (v.v !== 1) return `unknown version ${String(v.v)}`;
  if (typeof v.status !== 'string' || !STATUSES.has(v.status)) return `unknown status ${String(v.status)}`;
  const o = v.order as Partial<OrderRecord> | undefined;
  if (!o || !Number.isSafeInteger(o.orderId) || typeof o.clientOrderId !== 'string' || !Array.isArray(o.fills)) return 'order record lacks orderId/clientOrderId/fills';
  return v as JournalLine;
}

export function replayJournal(file: string): JournalReplay {
  const lines = new Map<number, JournalLine>();
  const problems: string[] = [];
  if (!existsSync(file)) return { lines, skipped: 0, problems };
  const text = readFileSync(file, 'utf8');
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    if (raw.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // JSON.parse's message adds nothing to the line number and length reported here.
      problems.push(`${file}:${lineNo}: not valid JSON (${raw.length} chars; a write cut short by a crash?)`);
      continue;
    }
    const line = asJournalLine(parsed);
    if (typeof line === 'string') {
      problems.push(`${file}:${lineNo}: ${line}`);
      continue;
    }
    lines.set(line.order.orderId, line);
  }
  return { lines, skipped: problems.length, problems };
}

export class OrderJournal {
  private fd: number;
  written = 0;

  /** Compacts `file` to `keep` (one line per order) and opens it for appending. */
  constructor(readonly file: string, keep: Iterable<JournalLine>) {
    let body = '';
    for (const line of keep) body += `${JSON.stringify(line)}\n`;
    writeFileAtomic(file, body, 0o644);
    this.fd = openSync(file, 'a');
  }

  /** Synchronous: when this returns, a crash of the thread cannot lose the line. */
  append(line: JournalLine): void {
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    this.written++;
  }

  close(): void {
    if (this.fd >= 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
