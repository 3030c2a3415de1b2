/**
 * The audit log as the dashboard shows it: its newest rows and the result of walking its hash
 * chain (src/persistence/audit.ts, the same check as `bot4 audit verify`). Read from the runtime's
 * database on one short-lived connection per check, at most every `intervalMs` and only while a
 * page is open, so an idle dashboard costs the database nothing.
 */
import pg from 'pg';
import { verifyAuditChain, type AuditVerification } from '../persistence/audit.js';
import { timestampText } from '../persistence/db.js';
import { describeError } from '../persistence/db-errors.js';

export interface AuditRowView {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly hash: string;
}

export type AuditView =
  | { readonly state: 'none'; readonly why: string }
  | { readonly state: 'error'; readonly message: string; readonly checkedAt: string }
  | { readonly state: 'checked'; readonly verification: AuditVerification; readonly recent: readonly AuditRowView[]; readonly checkedAt: string };

const RECENT_ROWS = 20;

export class AuditWatcher {
  private view: AuditView = { state: 'none', why: 'not checked yet' };
  private lastCheckMs = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | undefined;

  constructor(
    /** The runtime's database URL; null while it has none (no recorder in the tree, or not up yet). */
    private readonly databaseUrl: () => string | null,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  current(): AuditView {
    return this.view;
  }

  /** Starts a check when the last one is older than the interval; never more than one at a time. */
  refreshIfDue(): void {
    if (this.running || this.now() - this.lastCheckMs < this.intervalMs) return;
    this.lastCheckMs = this.now();
    this.running = this.check().finally(() => (this.running = undefined));
  }

  /** Resolves when a check in progress (if any) has finished. */
  async settled(): Promise<void> {
    await this.running;
  }

  private async check(): Promise<void> {
    const url = this.databaseUrl();
    if (url === null) {
      this.view = { state: 'none', why: 'no database: the tree has no recorder, or it is still starting' };
      return;
    }
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      const verification = await verifyAuditChain(client);
      const recent = await client.query<{ id: string; at: string; actor: string; action: string; detail: Record<string, unknown>; hash: string }>(
        `SELECT id::text, ${timestampText('at')} AS at, actor, action, detail, hash FROM audit_log ORDER BY id DESC LIMIT ${RECENT_ROWS}`,
      );
      this.view = {
        state: 'checked',
        verification,
        recent: recent.rows.map((r) => ({ id: Number(r.id), at: r.at, actor: r.actor, action: r.action, detail: r.detail, hash: r.hash })),
        checkedAt: new Date(this.now()).toISOString(),
      };
    } catch (error) {
      this.view = { state: 'error', message: `audit log unreadable: ${describeError(error)}`, checkedAt: new Date(this.now()).toISOString() };
    } finally {
      await client.end().catch(() => undefined); // the connection failed or is gone: nothing left to close
    }
  }
}
