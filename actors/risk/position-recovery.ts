/**
 * Crash recovery of risk's positions from the database (docs/persistence.md, "Crash recovery"): at
 * start risk books every row of `fills` into its fresh ledger, in the venue's order, through
 * `Ledger.postFill`: by the same identity (venue, instrument, trade id) as every other way a fill
 * reaches risk. The restored positions and the fills counted as booked are then one set, so a fill
 * that arrives again (the order manager's reconciliation, its `fills.replay` answer, a redelivered
 * report) is booked exactly when the database lacked it, and once.
 *
 * Position snapshots are not read back: risk writes them and the order manager writes the fills,
 * each through the recorder on its own, so a crash could keep either without the other, and a
 * snapshot restored next to the fill keys then missed a fill it counted as booked, or held one that
 * was booked again (the 10-minute soak's positions-match-venue violation, docs/soak.md).
 *
 * `planPositionRebuild` is the pure part (rows -> fills to book), `loadPositionRecovery` the I/O.
 */
import pg from 'pg';
import { Side } from '../../src/domain/messages.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import type { BookableFill, Ledger } from './accounting.js';
import { loadAllFills, type RecoveredFill } from '../../src/persistence/recovery.js';

export interface PositionNaming {
  /** Venue name (the database's) -> venue id. */
  venueIds: ReadonlyMap<string, number>;
  /** Instrument symbol -> spec. */
  instruments: ReadonlyMap<string, InstrumentSpec>;
}

export interface PositionRebuildPlan {
  /** In the order to book them: the venue's. */
  fills: BookableFill[];
  /** Rows that cannot be booked, one line per market and reason. */
  problems: string[];
}

export function planPositionRebuild(rows: readonly RecoveredFill[], naming: PositionNaming): PositionRebuildPlan {
  const fills: BookableFill[] = [];
  const refused = new Map<string, number>();
  for (const row of rows) {
    const venue = naming.venueIds.get(row.venue);
    const spec = naming.instruments.get(row.instrument);
    const tradeId = Number(row.tradeId);
    let why: string | null = null;
    if (venue === undefined) why = `venue "${row.venue}" is not in venue_names (${[...naming.venueIds.keys()].join(', ') || 'empty'})`;
    else if (!spec) why = `instrument "${row.instrument}" is not in the instruments list`;
    else if (!/^\d+$/.test(row.tradeId) || !Number.isSafeInteger(tradeId)) why = `trade id "${row.tradeId}" is not a whole number the ledger can key`;
    if (why !== null || venue === undefined || !spec) {
      const key = `${row.venue}/${row.instrument}: ${why}`;
      refused.set(key, (refused.get(key) ?? 0) + 1);
      continue;
    }
    fills.push({ venue, instrument: spec.id, side: row.side === 'BUY' ? Side.BUY : Side.SELL, qty: row.qty, price: row.price, fee: row.fee, tradeId, receiveTsUs: row.tsUs });
  }
  return { fills, problems: [...refused].map(([key, n]) => `${n} fill(s) of ${key}`) };
}

/** Throws when the database cannot be read (the caller decides what that means for trading). */
export async function loadPositionRecovery(url: string): Promise<RecoveredFill[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined); // a server going away mid-query fails the query, which throws
  try {
    await client.connect();
    return await loadAllFills(client);
  } finally {
    await client.end().catch(() => undefined); // closing after the work is done or failed: nothing is left to lose, and the failure that matters is already reported
  }
}

export interface RestoredPosition {
  venue: number;
  instrument: number;
  /** Decimal text at the ledger's scales (Ledger.snapshot). */
  qty: string;
  avgPrice: string;
  realisedPnl: string;
}

/** Books the plan's fills; returns how many were booked, the markets left open, and fills the ledger refused. */
export function applyRebuildPlan(ledger: Ledger, plan: PositionRebuildPlan): { booked: number; positions: RestoredPosition[]; problems: string[] } {
  let booked = 0;
  const problems: string[] = [];
  for (const fill of plan.fills) {
    try {
      if (ledger.postFill(fill) !== null) booked++;
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const positions = ledger.bookedPositions().filter((p) => p.qty !== 0n).map((p) => ledger.snapshot(p.venue, p.instrument));
  return { booked, positions, problems };
}

export interface PositionRecoveryReport {
  /** database: rebuilt from it; unavailable: could not be read (intents refused until it is); none: no database. */
  source: 'database' | 'unavailable' | 'none';
  /** Markets left open by the database's fills. */
  positions: RestoredPosition[];
  /** Fills booked from the database. */
  fills: number;
  problems: string[];
  error: string | null;
  attempts: number;
  tookMs: number;
}
