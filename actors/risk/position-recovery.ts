/**
 * Crash recovery of risk's positions from the database (docs/persistence.md, "Crash recovery"): at
 * start risk reads the newest position snapshot of every market and seeds its ledger with it (qty,
 * average entry, realised PnL), so position limits, exposure and drawdown hold across a restart instead
 * of starting flat. It also reads the trade ids of the recent fills: the order manager's venue
 * reconciliation passes on fills it has no record of, and those already inside a snapshot must not
 * be booked twice.
 *
 * `planPositionRestore` is the pure part (rows -> what to seed), `loadPositionRecovery` the I/O.
 */
import pg from 'pg';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import type { Ledger } from './accounting.js';
import { loadFillKeysSince, loadLatestPositions, type RecoveredFillKey, type RecoveredPosition } from '../../src/persistence/recovery.js';

export interface PositionNaming {
  /** Venue name (the database's) -> venue id. */
  venueIds: ReadonlyMap<string, number>;
  /** Instrument symbol -> spec. */
  instruments: ReadonlyMap<string, InstrumentSpec>;
}

export interface RestoredPosition {
  venue: number;
  instrument: number;
  /** Decimal text as the snapshot holds it (numeric columns, docs/risk.md "Exact money"). */
  qty: string;
  avgPrice: string;
  realisedPnl: string;
  /** When the snapshot was taken (µs). */
  tsUs: number;
}

export interface PositionRestorePlan {
  positions: RestoredPosition[];
  /** Fills (venue id, instrument id, numeric trade id) that count as already booked. */
  bookedFills: Array<{ venue: number; instrument: number; tradeId: number }>;
  problems: string[];
}

export function planPositionRestore(rows: readonly RecoveredPosition[], fills: readonly RecoveredFillKey[], naming: PositionNaming): PositionRestorePlan {
  const plan: PositionRestorePlan = { positions: [], bookedFills: [], problems: [] };
  const ids = (venue: string, instrument: string): { venue: number; instrument: number } | string => {
    const v = naming.venueIds.get(venue);
    if (v === undefined) return `venue "${venue}" is not in venue_names (${[...naming.venueIds.keys()].join(', ') || 'empty'})`;
    const spec = naming.instruments.get(instrument);
    if (!spec) return `instrument "${instrument}" is not in the instruments list`;
    return { venue: v, instrument: spec.id };
  };
  for (const row of rows) {
    const at = ids(row.venue, row.instrument);
    if (typeof at === 'string') {
      plan.problems.push(`position ${row.venue}/${row.instrument} (qty ${row.qty}): ${at}`);
      continue;
    }
    // A flat market that never realised anything changes nothing.
    if (Number(row.qty) === 0 && Number(row.realizedPnl) === 0) continue;
    plan.positions.push({ ...at, qty: row.qty, avgPrice: row.avgPrice, realisedPnl: row.realizedPnl, tsUs: row.tsUs });
  }
  for (const fill of fills) {
    const at = ids(fill.venue, fill.instrument);
    const tradeId = Number(fill.tradeId);
    // Fills of markets this config does not trade cannot reach the ledger anyway.
    if (typeof at === 'string' || !Number.isSafeInteger(tradeId)) continue;
    plan.bookedFills.push({ ...at, tradeId });
  }
  return plan;
}

export interface LoadedPositions {
  positions: RecoveredPosition[];
  fills: RecoveredFillKey[];
}

/** Throws when the database cannot be read (the caller decides what that means for trading). */
export async function loadPositionRecovery(url: string, fillsSinceUs: number): Promise<LoadedPositions> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined); // a server going away mid-query fails the query, which throws
  try {
    await client.connect();
    const positions = await loadLatestPositions(client);
    const fills = await loadFillKeysSince(client, fillsSinceUs);
    return { positions, fills };
  } finally {
    await client.end().catch(() => undefined); // closing after the work is done or failed: nothing is left to lose, and the failure that matters is already reported
  }
}

/** Seeds the ledger with the plan; returns what was seeded. Markets the ledger already booked are skipped. */
export function applyRestorePlan(ledger: Ledger, plan: PositionRestorePlan): { seeded: RestoredPosition[]; skipped: string[] } {
  const seeded: RestoredPosition[] = [];
  const skipped: string[] = [];
  for (const p of plan.positions) {
    try {
      ledger.restorePosition(p.venue, p.instrument, p, p.tsUs);
      seeded.push(p);
    } catch (error) {
      skipped.push((error as Error).message);
    }
  }
  for (const f of plan.bookedFills) ledger.markFillPosted(f.venue, f.instrument, f.tradeId);
  return { seeded, skipped };
}

export interface PositionRecoveryReport {
  /** database: seeded from it; unavailable: could not be read (intents refused until it is); none: no database. */
  source: 'database' | 'unavailable' | 'none';
  positions: RestoredPosition[];
  /** Recent fills counted as already inside the restored positions. */
  bookedFills: number;
  problems: string[];
  error: string | null;
  attempts: number;
  tookMs: number;
}
