import { z } from 'zod';

/**
 * What the recorder hands to the batch writer: one record per row-to-be, validated on the way in and
 * again when read back from the spool. Every kind has a natural key (see recordKey) backed by a unique
 * constraint, which is what makes replaying a spool harmless.
 *
 * Times are microseconds since the epoch (`*Us`): venue times converted from ms, local times from
 * src/runtime/clock.ts. Venue and instrument are names (the numeric ids of the hot path are per-run).
 */
const name = z.string().min(1);
const id = z.int().nonnegative();
const micros = z.number().nonnegative();
const side = z.enum(['BUY', 'SELL']);
const tradingState = z.enum(['ACTIVE', 'REDUCING', 'PAUSED', 'HALTED']);

export const ORDER_STATUSES = ['PENDING_NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'] as const;
export const OPEN_ORDER_STATUSES = ['PENDING_NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL'] as const;

const orderUpdate = z.object({
  kind: z.literal('order_update'),
  orderId: id,
  /** Per-order event counter, 0 for the creation. */
  seq: id,
  clientOrderId: name,
  venue: name,
  instrument: name,
  strategy: name.nullable(),
  side,
  orderType: z.enum(['LIMIT', 'MARKET', 'LIMIT_MAKER']),
  timeInForce: z.enum(['GTC', 'IOC', 'FOK']),
  reduceOnly: z.boolean(),
  price: z.number(),
  qty: z.number().positive(),
  status: z.enum(ORDER_STATUSES),
  cumQty: z.number().nonnegative(),
  avgPrice: z.number().nonnegative(),
  venueOrderId: name.nullable(),
  rejectReason: name.nullable(),
  createdUs: micros,
  tsUs: micros,
});

const fill = z.object({
  kind: z.literal('fill'),
  venue: name,
  tradeId: name,
  orderId: id,
  instrument: name,
  side,
  price: z.number().positive(),
  qty: z.number().positive(),
  fee: z.number(),
  liquidity: z.enum(['MAKER', 'TAKER']),
  tsUs: micros,
});

/**
 * An exact figure as decimal text ("-0.50000", "20.01333333"), written to a numeric column as it is.
 * A number (a record spooled before snapshots were exact) is taken as its shortest decimal text.
 */
const decimalText = z.union([z.string().regex(/^-?[0-9]+(\.[0-9]+)?$/, 'must be decimal text such as -12.50'), z.number().finite().transform((n) => String(n))]);

const position = z.object({
  kind: z.literal('position'),
  venue: name,
  instrument: name,
  tsUs: micros,
  qty: decimalText,
  avgPrice: decimalText,
  realizedPnl: decimalText,
});

const balance = z.object({
  kind: z.literal('balance'),
  venue: name,
  asset: name,
  tsUs: micros,
  free: z.number(),
  locked: z.number(),
});

const killSwitch = z.object({
  kind: z.literal('kill_switch'),
  seq: id,
  state: tradingState,
  previous: tradingState,
  source: name,
  reason: z.string(),
  tsUs: micros,
});

const lifecycle = z.object({
  kind: z.literal('lifecycle'),
  runId: name,
  seq: id,
  tsUs: micros,
  actor: name,
  event: name,
  detail: z.record(z.string(), z.json()),
});

const trade = z.object({
  kind: z.literal('trade'),
  venue: name,
  instrument: name,
  tradeId: name,
  tsUs: micros,
  price: z.number().positive(),
  qty: z.number().positive(),
  aggressor: side,
  receivedUs: micros,
});

const bookTop = z.object({
  kind: z.literal('book_top'),
  venue: name,
  instrument: name,
  updateId: id,
  tsUs: micros,
  bidPrice: z.number(),
  bidQty: z.number(),
  askPrice: z.number(),
  askQty: z.number(),
  receivedUs: micros,
});

const ohlcv = z.object({
  kind: z.literal('ohlcv'),
  venue: name,
  instrument: name,
  timeframe: z.string().regex(/^[0-9]+[smhdw]$/),
  tsUs: micros,
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number().nonnegative(),
});

/**
 * One audit log entry (src/persistence/audit.ts chains it). `key` is the producer's name for the entry
 * (e.g. `<actor>:<counter>`): an entry whose key is already in the log is not appended again.
 */
const audit = z.object({
  kind: z.literal('audit'),
  key: name,
  actor: name,
  action: name,
  detail: z.record(z.string(), z.json()),
  atUs: micros,
});

export const persistRecordSchema = z.discriminatedUnion('kind', [orderUpdate, fill, position, balance, killSwitch, lifecycle, trade, bookTop, ohlcv, audit]);

export type PersistRecord = z.infer<typeof persistRecordSchema>;
export type RecordKind = PersistRecord['kind'];
export type RecordOf<K extends RecordKind> = Extract<PersistRecord, { kind: K }>;

/** Validates untrusted input (a caller's object, a spool line) into a record, or throws naming the fields. */
export function parsePersistRecord(input: unknown, where: string): PersistRecord {
  const result = persistRecordSchema.safeParse(input);
  if (!result.success) throw new TypeError(`${where}: invalid record\n${z.prettifyError(result.error)}`);
  return result.data;
}

/** The record's natural key, the same columns as its table's unique constraint. */
export function recordKey(record: PersistRecord): string {
  switch (record.kind) {
    case 'order_update':
      return `order_update:${record.orderId}:${record.seq}`;
    case 'fill':
      return `fill:${record.venue}:${record.instrument}:${record.tradeId}`;
    case 'position':
      return `position:${record.venue}:${record.instrument}:${record.tsUs}`;
    case 'balance':
      return `balance:${record.venue}:${record.asset}:${record.tsUs}`;
    case 'kill_switch':
      return `kill_switch:${record.seq}`;
    case 'lifecycle':
      return `lifecycle:${record.runId}:${record.seq}:${record.tsUs}`;
    case 'trade':
      return `trade:${record.venue}:${record.instrument}:${record.tradeId}:${record.tsUs}`;
    case 'book_top':
      return `book_top:${record.venue}:${record.instrument}:${record.updateId}:${record.tsUs}`;
    case 'ohlcv':
      return `ohlcv:${record.venue}:${record.instrument}:${record.timeframe}:${record.tsUs}`;
    case 'audit':
      return `audit:${record.key}`;
  }
}
