import { timestampUs, toSafeInteger, type Queryable } from './db.js';
import { OPEN_ORDER_STATUSES, type RecordOf } from './records.js';

export type RecoveredOrder = Omit<RecordOf<'order_update'>, 'kind'>;
export type RecoveredPosition = Omit<RecordOf<'position'>, 'kind'>;
export type KillSwitchLatch = Omit<RecordOf<'kill_switch'>, 'kind'>;
export type RecoveredFill = Omit<RecordOf<'fill'>, 'kind'>;

export interface RecoveredState {
  openOrders: RecoveredOrder[];
  positions: RecoveredPosition[];
  /** The newest kill switch transition, or null on a database that never saw one. */
  killSwitch: KillSwitchLatch | null;
}

// The rows as the queries below select them: bigints and timestamps leave as text (toSafeInteger
// checks them), every other column arrives in the type its record field has.
interface OrderRow {
  order_id: string;
  last_seq: RecoveredOrder['seq'];
  client_order_id: RecoveredOrder['clientOrderId'];
  venue: RecoveredOrder['venue'];
  instrument: RecoveredOrder['instrument'];
  strategy: RecoveredOrder['strategy'];
  side: RecoveredOrder['side'];
  order_type: RecoveredOrder['orderType'];
  time_in_force: RecoveredOrder['timeInForce'];
  reduce_only: RecoveredOrder['reduceOnly'];
  price: RecoveredOrder['price'];
  qty: RecoveredOrder['qty'];
  status: RecoveredOrder['status'];
  cum_qty: RecoveredOrder['cumQty'];
  avg_price: RecoveredOrder['avgPrice'];
  venue_order_id: RecoveredOrder['venueOrderId'];
  reject_reason: RecoveredOrder['rejectReason'];
  created_us: string;
  updated_us: string;
}

interface PositionRow {
  venue: RecoveredPosition['venue'];
  instrument: RecoveredPosition['instrument'];
  ts_us: string;
  qty: RecoveredPosition['qty'];
  avg_price: RecoveredPosition['avgPrice'];
  realized_pnl: RecoveredPosition['realizedPnl'];
}

interface FillRow {
  venue: RecoveredFill['venue'];
  trade_id: RecoveredFill['tradeId'];
  order_id: string;
  instrument: RecoveredFill['instrument'];
  side: RecoveredFill['side'];
  price: RecoveredFill['price'];
  qty: RecoveredFill['qty'];
  fee: RecoveredFill['fee'];
  liquidity: RecoveredFill['liquidity'];
  ts_us: string;
}

interface KillSwitchRow {
  seq: string;
  state: KillSwitchLatch['state'];
  previous: KillSwitchLatch['previous'];
  source: KillSwitchLatch['source'];
  reason: KillSwitchLatch['reason'];
  ts_us: string;
}

/** Orders the venue may still be working: what the order manager reconciles at start. */
export async function loadOpenOrders(db: Queryable): Promise<RecoveredOrder[]> {
  const result = await db.query<OrderRow>(
    `SELECT order_id::text AS order_id, last_seq, client_order_id, venue, instrument, strategy, side, order_type,
            time_in_force, reduce_only, price, qty, status, cum_qty, avg_price, venue_order_id, reject_reason,
            ${timestampUs('created_at')} AS created_us, ${timestampUs('updated_at')} AS updated_us
       FROM orders WHERE status = ANY($1::text[]) ORDER BY orders.order_id`,
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
  const result = await db.query<PositionRow>(
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

/** The fills of some orders (the order manager rebuilds an order it adopts from the database with them). */
export async function loadFillsOfOrders(db: Queryable, orderIds: readonly number[]): Promise<RecoveredFill[]> {
  if (orderIds.length === 0) return [];
  const result = await db.query<FillRow>(
    `SELECT venue, trade_id, order_id::text AS order_id, instrument, side, price, qty, fee, liquidity, ${timestampUs('ts')} AS ts_us
       FROM fills WHERE order_id = ANY($1::bigint[]) ORDER BY fills.order_id, ts, trade_id`,
    [orderIds.map(String)],
  );
  return result.rows.map(fillOfRow);
}

/** A `fills` row as loadFillsOfOrders and loadAllFills select it (order id and time as text). */
function fillOfRow(row: FillRow): RecoveredFill {
  return {
    venue: row.venue,
    tradeId: row.trade_id,
    orderId: toSafeInteger(row.order_id, 'fills.order_id'),
    instrument: row.instrument,
    side: row.side,
    price: row.price,
    qty: row.qty,
    fee: row.fee,
    liquidity: row.liquidity,
    tsUs: toSafeInteger(row.ts_us, 'fills.ts'),
  };
}

/**
 * Every fill, oldest first by venue time (the order the venue made them; a tie by trade id, numerically):
 * risk rebuilds its positions from them at start, and counts exactly these as booked (actors/risk/position-recovery.ts).
 */
export async function loadAllFills(db: Queryable): Promise<RecoveredFill[]> {
  const result = await db.query<FillRow>(
    `SELECT venue, trade_id, order_id::text AS order_id, instrument, side, price, qty, fee, liquidity, ${timestampUs('ts')} AS ts_us
       FROM fills ORDER BY fills.ts, fills.venue, fills.instrument, length(fills.trade_id), fills.trade_id`,
  );
  return result.rows.map(fillOfRow);
}

/**
 * The kill switch's latest transition by its own counter. A HALTED here must be restored before any
 * order is allowed; the kill switch continues counting from `seq` so its next row is not a duplicate key.
 * The counter is not per process: the kill switch carries it in its state file, and where that file is
 * lost it continues from this row (src/runtime/kill-switch-latch-recovery.ts), so the highest seq is the
 * newest transition across restarts.
 *
 * Every ORDER BY on a column this module also selects as `::text` (bigints leave as text, see
 * toSafeInteger) names the table: a bare name means the text output column, where '9' > '20'
 * (a chaos probe restored an old HALTED that way and flatten-on-halt sent an unrequested order).
 */
export async function loadKillSwitchLatch(db: Queryable): Promise<KillSwitchLatch | null> {
  const result = await db.query<KillSwitchRow>(
    `SELECT seq::text AS seq, state, previous, source, reason, ${timestampUs('ts')} AS ts_us
       FROM kill_switch_events ORDER BY kill_switch_events.seq DESC LIMIT 1`,
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
