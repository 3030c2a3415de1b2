import { timestampUs, toSafeInteger, type Queryable } from './db.js';
import { OPEN_ORDER_STATUSES, type RecordOf } from './records.js';

export type RecoveredOrder = Omit<RecordOf<'order_update'>, 'kind'>;
export type RecoveredPosition = Omit<RecordOf<'position'>, 'kind'>;
export type KillSwitchLatch = Omit<RecordOf<'kill_switch'>, 'kind'>;

export interface RecoveredState {
  openOrders: RecoveredOrder[];
  positions: RecoveredPosition[];
  /** The newest kill switch transition, or null on a database that never saw one. */
  killSwitch: KillSwitchLatch | null;
}

/** Orders the venue may still be working: what the order manager reconciles at start. */
export async function loadOpenOrders(db: Queryable): Promise<RecoveredOrder[]> {
  const result = await db.query(
    `SELECT order_id::text AS order_id, last_seq, client_order_id, venue, instrument, strategy, side, order_type,
            time_in_force, reduce_only, price, qty, status, cum_qty, avg_price, venue_order_id, reject_reason,
            ${timestampUs('created_at')} AS created_us, ${timestampUs('updated_at')} AS updated_us
       FROM orders WHERE status = ANY($1::text[]) ORDER BY order_id`,
    [OPEN_ORDER_STATUSES],
  );
  return result.rows.map((row) => ({
    orderId: toSafeInteger(row.order_id, 'orders.order_id'),
    seq: row.last_seq,
    clientOrderId: row.client_order_id,
    venue: row.venue,
    instrument: row.instrument,
    strategy: row.strategy,
    side: row.side,
    orderType: row.order_type,
    timeInForce: row.time_in_force,
    reduceOnly: row.reduce_only,
    price: row.price,
    qty: row.qty,
    status: row.status,
    cumQty: row.cum_qty,
    avgPrice: row.avg_price,
    venueOrderId: row.venue_order_id,
    rejectReason: row.reject_reason,
    createdUs: toSafeInteger(row.created_us, 'orders.created_at'),
    tsUs: toSafeInteger(row.updated_us, 'orders.updated_at'),
  }));
}

/** The newest snapshot of every (venue, instrument), flat ones included (a flat position is a fact too). */
export async function loadLatestPositions(db: Queryable): Promise<RecoveredPosition[]> {
  const result = await db.query(
    `SELECT DISTINCT ON (venue, instrument) venue, instrument, ${timestampUs('ts')} AS ts_us, qty, avg_price, realized_pnl
       FROM position_snapshots ORDER BY venue, instrument, ts DESC`,
  );
  return result.rows.map((row) => ({
    venue: row.venue,
    instrument: row.instrument,
    tsUs: toSafeInteger(row.ts_us, 'position_snapshots.ts'),
    qty: row.qty,
    avgPrice: row.avg_price,
    realizedPnl: row.realized_pnl,
  }));
}

/**
 * The kill switch's latest transition by its own counter. A HALTED here must be restored before any
 * order is allowed; the kill switch continues counting from `seq` so its next row is not a duplicate key.
 */
export async function loadKillSwitchLatch(db: Queryable): Promise<KillSwitchLatch | null> {
  const result = await db.query(
    `SELECT seq::text AS seq, state, previous, source, reason, ${timestampUs('ts')} AS ts_us
       FROM kill_switch_events ORDER BY seq DESC LIMIT 1`,
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    seq: toSafeInteger(row.seq, 'kill_switch_events.seq'),
    state: row.state,
    previous: row.previous,
    source: row.source,
    reason: row.reason,
    tsUs: toSafeInteger(row.ts_us, 'kill_switch_events.ts'),
  };
}

export async function loadRecoveredState(db: Queryable): Promise<RecoveredState> {
  // one after the other: against the embedded database the pool has a single connection anyway
  const openOrders = await loadOpenOrders(db);
  const positions = await loadLatestPositions(db);
  const killSwitch = await loadKillSwitchLatch(db);
  return { openOrders, positions, killSwitch };
}
