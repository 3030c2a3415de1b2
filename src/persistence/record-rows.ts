import { usToTimestamp } from './db.js';
import type { PersistRecord, RecordKind, RecordOf } from './records.js';

/** How one record kind becomes rows of one table. */
interface TableMapping<K extends RecordKind> {
  table: string;
  columns: readonly string[];
  /**
   * The row's values in `columns` order, as JSON values: text, numbers, booleans, null, and for
   * jsonb columns the JSON value itself (json_populate_recordset reads each by its column's type).
   */
  row(record: RecordOf<K>): unknown[];
  /** Default: ON CONFLICT DO NOTHING, which any unique key satisfies. */
  onConflict?: string;
  /**
   * Booked data (what money or the trading state is reckoned from): its unique key, so that a row
   * ON CONFLICT DO NOTHING skips is counted and named rather than lost without a word. `columns` come
   * back through RETURNING (key columns are text or integers, which arrive as text or numbers, never
   * as dates), `of` spells the same values from the record.
   */
  booked?: { columns: readonly string[]; of(record: RecordOf<K>): ReadonlyArray<string | number> };
  /** When one batch holds several rows for one key (DO UPDATE cannot touch a row twice), which wins. */
  dedupe?: { key(record: RecordOf<K>): string; newer(a: RecordOf<K>, b: RecordOf<K>): boolean };
}

const orderEvents: TableMapping<'order_update'> = {
  table: 'order_events',
  columns: ['order_id', 'seq', 'status', 'cum_qty', 'avg_price', 'price', 'qty', 'venue_order_id', 'reject_reason', 'ts'],
  row: (r) => [r.orderId, r.seq, r.status, r.cumQty, r.avgPrice, r.price, r.qty, r.venueOrderId, r.rejectReason, usToTimestamp(r.tsUs)],
  booked: { columns: ['order_id', 'seq'], of: (r) => [r.orderId, r.seq] },
};

// an order event replayed late (lower seq) never overwrites a newer state
const orders: TableMapping<'order_update'> = {
  table: 'orders',
  columns: [
    'order_id', 'client_order_id', 'venue', 'instrument', 'strategy', 'side', 'order_type', 'time_in_force', 'reduce_only',
    'price', 'qty', 'status', 'cum_qty', 'avg_price', 'venue_order_id', 'reject_reason', 'last_seq', 'created_at', 'updated_at',
  ],
  row: (r) => [
    r.orderId, r.clientOrderId, r.venue, r.instrument, r.strategy, r.side, r.orderType, r.timeInForce, r.reduceOnly,
    r.price, r.qty, r.status, r.cumQty, r.avgPrice, r.venueOrderId, r.rejectReason, r.seq, usToTimestamp(r.createdUs), usToTimestamp(r.tsUs),
  ],
  onConflict: `ON CONFLICT (order_id) DO UPDATE SET
    price = EXCLUDED.price, qty = EXCLUDED.qty, status = EXCLUDED.status, cum_qty = EXCLUDED.cum_qty,
    avg_price = EXCLUDED.avg_price, venue_order_id = EXCLUDED.venue_order_id, reject_reason = EXCLUDED.reject_reason,
    last_seq = EXCLUDED.last_seq, updated_at = EXCLUDED.updated_at
    WHERE orders.last_seq < EXCLUDED.last_seq`,
  dedupe: { key: (r) => String(r.orderId), newer: (a, b) => a.seq > b.seq },
};

// audit entries are chained one by one under a table lock (appendAuditRecord), not multi-row inserted
const mappings: { [K in RecordKind]: Array<TableMapping<K>> } = {
  audit: [],
  order_update: [orderEvents, orders],
  fill: [{
    table: 'fills',
    columns: ['venue', 'trade_id', 'order_id', 'instrument', 'side', 'price', 'qty', 'fee', 'liquidity', 'ts'],
    row: (r) => [r.venue, r.tradeId, r.orderId, r.instrument, r.side, r.price, r.qty, r.fee, r.liquidity, usToTimestamp(r.tsUs)],
    // trade ids are unique per symbol, not per venue (sql/006_fills_per_symbol_key.sql)
    booked: { columns: ['venue', 'instrument', 'trade_id'], of: (r) => [r.venue, r.instrument, r.tradeId] },
  }],
  position: [{
    table: 'position_snapshots',
    columns: ['venue', 'instrument', 'ts', 'qty', 'avg_price', 'realized_pnl'],
    row: (r) => [r.venue, r.instrument, usToTimestamp(r.tsUs), r.qty, r.avgPrice, r.realizedPnl],
  }],
  balance: [{
    table: 'balances',
    columns: ['venue', 'asset', 'ts', 'free', 'locked'],
    row: (r) => [r.venue, r.asset, usToTimestamp(r.tsUs), r.free, r.locked],
  }],
  kill_switch: [{
    table: 'kill_switch_events',
    columns: ['seq', 'state', 'previous', 'source', 'reason', 'ts'],
    row: (r) => [r.seq, r.state, r.previous, r.source, r.reason, usToTimestamp(r.tsUs)],
    booked: { columns: ['seq'], of: (r) => [r.seq] },
  }],
  lifecycle: [{
    table: 'actor_lifecycle_events',
    columns: ['run_id', 'seq', 'ts', 'actor', 'event', 'detail'],
    row: (r) => [r.runId, r.seq, usToTimestamp(r.tsUs), r.actor, r.event, r.detail],
  }],
  trade: [{
    table: 'trades',
    columns: ['venue', 'instrument', 'trade_id', 'ts', 'price', 'qty', 'aggressor', 'received_at'],
    row: (r) => [r.venue, r.instrument, r.tradeId, usToTimestamp(r.tsUs), r.price, r.qty, r.aggressor, usToTimestamp(r.receivedUs)],
  }],
  book_top: [{
    table: 'book_tops',
    columns: ['venue', 'instrument', 'update_id', 'ts', 'bid_price', 'bid_qty', 'ask_price', 'ask_qty', 'received_at'],
    row: (r) => [r.venue, r.instrument, r.updateId, usToTimestamp(r.tsUs), r.bidPrice, r.bidQty, r.askPrice, r.askQty, usToTimestamp(r.receivedUs)],
  }],
  ohlcv: [{
    table: 'ohlcv',
    columns: ['venue', 'instrument', 'timeframe', 'ts', 'open', 'high', 'low', 'close', 'volume'],
    row: (r) => [r.venue, r.instrument, r.timeframe, usToTimestamp(r.tsUs), r.open, r.high, r.low, r.close, r.volume],
  }],
};

export interface InsertStatement {
  table: string;
  text: string;
  /** One parameter: the rows as a JSON array of objects keyed by column name. */
  values: [string];
  /** Rows this statement offers (after in-batch dedupe). */
  rows: number;
  /** Whether its row count measures new records (the first table of a kind) or derived state. */
  countsRecords: boolean;
  /** For booked tables: the key of every row offered, in order; the statement RETURNs the keys it wrote. */
  bookedKeys?: { columns: readonly string[]; offered: string[] };
}

/** `venue=binance instrument=ETH/USDT trade_id=6`: a key as a warning names it. */
export function describeKey(columns: readonly string[], values: ReadonlyArray<unknown>): string {
  return columns.map((column, i) => `${column}=${String(values[i])}`).join(' ');
}

/** One INSERT per table for a batch, in the batch's kind order. */
export function insertStatements(records: readonly PersistRecord[]): InsertStatement[] {
  const byKind = new Map<RecordKind, PersistRecord[]>();
  for (const record of records) {
    const list = byKind.get(record.kind);
    if (list) list.push(record);
    else byKind.set(record.kind, [record]);
  }
  const statements: InsertStatement[] = [];
  for (const [kind, group] of byKind) {
    (mappings[kind] as Array<TableMapping<RecordKind>>).forEach((mapping, index) => {
      const rows = mapping.dedupe ? newestPerKey(group, mapping.dedupe) : group;
      statements.push(buildInsert(mapping, rows, index === 0));
    });
  }
  return statements;
}

function newestPerKey(records: PersistRecord[], dedupe: NonNullable<TableMapping<RecordKind>['dedupe']>): PersistRecord[] {
  const newest = new Map<string, PersistRecord>();
  for (const record of records) {
    const key = dedupe.key(record);
    const held = newest.get(key);
    if (!held || dedupe.newer(record, held)) newest.set(key, record);
  }
  return [...newest.values()];
}

/**
 * `INSERT ... SELECT FROM json_populate_recordset(NULL::<table>, $1)`: the whole batch travels as one
 * JSON text parameter and the server types every value by the table's own row type. Against a multi-row
 * VALUES list (one bind parameter per value, at most 65535 per statement) it costs the server about 30 %
 * less CPU per row and the client less too (one native JSON.stringify instead of a parameter per value);
 * COPY FROM STDIN would cost the same on the server but cannot say ON CONFLICT (it needs a staging table
 * and a second INSERT) and the embedded database's socket does not speak it (docs/benchmarks.md).
 */
function buildInsert(mapping: TableMapping<RecordKind>, rows: PersistRecord[], countsRecords: boolean): InsertStatement {
  const columns = mapping.columns;
  const objects: Array<Record<string, unknown>> = [];
  for (const record of rows) {
    const values = mapping.row(record);
    const object: Record<string, unknown> = {};
    for (let col = 0; col < columns.length; col++) object[columns[col]!] = values[col] ?? null;
    objects.push(object);
  }
  const json = JSON.stringify(objects);
  const booked = mapping.booked;
  const returning = booked ? ` RETURNING ${booked.columns.join(', ')}` : '';
  const list = columns.join(', ');
  const text = `INSERT INTO ${mapping.table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${mapping.table}, $1) ${mapping.onConflict ?? 'ON CONFLICT DO NOTHING'}${returning}`;
  const bookedKeys = booked && { columns: booked.columns, offered: rows.map((record) => describeKey(booked.columns, booked.of(record))) };
  return { table: mapping.table, text, values: [json], rows: rows.length, countsRecords, ...(bookedKeys && { bookedKeys }) };
}
