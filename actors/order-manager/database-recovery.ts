/**
 * Crash recovery of open orders from the database (docs/persistence.md, "Crash recovery"): at start,
 * after the journal is replayed and before any intent is taken, the order manager reads the orders the
 * database holds open (and their fills) and adopts every one the journal lacks, or holds in an older
 * state. Adopted orders then go through the venue reconciliation like every other record, so what the
 * venue says now settles them.
 *
 * `mergeDatabaseOrders` is the pure part (journal lines + rows -> journal lines); `recoverOpenOrders`
 * does the I/O. The journal wins whenever it is at least as far along: it is written before every
 * command, while the database trails it through the recorder.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { ActorClock } from '../../src/runtime/actor-definition.js';
import { OrderType, Side, TimeInForce } from '../../src/domain/messages.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import { describeError } from '../../src/persistence/db-errors.js';
import { loadFillsOfOrders, loadOpenOrders, type RecoveredFill, type RecoveredOrder } from '../../src/persistence/recovery.js';
import { orderIdFor, parseClientOrderId } from './client-order-id.js';
import type { JournalLine } from './order-journal.js';
import { OPEN_STATUSES, applyOrderEvent, createOrder, statusOf, type OrderEvent, type OrderSnapshot, type OrderStatus } from './order-lifecycle.js';

export interface DatabaseNaming {
  namespace: string;
  /** Venue name (the database's) -> venue id (the hot path's). */
  venueIds: ReadonlyMap<string, number>;
  /** Instrument symbol -> spec. */
  instruments: ReadonlyMap<string, InstrumentSpec>;
}

export interface DatabaseOrderMerge {
  /** The journal's lines with the database's orders merged in. */
  lines: Map<number, JournalLine>;
  /** Client ids of orders the journal did not hold. */
  adopted: string[];
  /** Client ids of orders the journal held in an older state. */
  updated: string[];
  /** Rows that could not be taken, and why (a venue or instrument this config does not know, a foreign id). */
  problems: string[];
}

/** How far an open order has come; a terminal state is further than every open one. */
const PROGRESS: Record<OrderStatus, number> = {
  INITIALIZED: 0, SUBMITTED: 1, ACCEPTED: 2, PARTIALLY_FILLED: 3, PENDING_CANCEL: 4,
  FILLED: 5, CANCELED: 5, REJECTED: 5, EXPIRED: 5, DENIED: 5,
};

const ORDER_TYPES: Record<RecoveredOrder['orderType'], OrderType> = { LIMIT: OrderType.LIMIT, MARKET: OrderType.MARKET, LIMIT_MAKER: OrderType.LIMIT_MAKER };
const TIMES_IN_FORCE: Record<RecoveredOrder['timeInForce'], TimeInForce> = { GTC: TimeInForce.GTC, IOC: TimeInForce.IOC, FOK: TimeInForce.FOK };

export function mergeDatabaseOrders(journal: ReadonlyMap<number, JournalLine>, orders: readonly RecoveredOrder[], fills: readonly RecoveredFill[], naming: DatabaseNaming): DatabaseOrderMerge {
  const lines = new Map(journal);
  const merge: DatabaseOrderMerge = { lines, adopted: [], updated: [], problems: [] };
  const fillsByOrder = new Map<number, RecoveredFill[]>();
  for (const f of fills) fillsByOrder.set(f.orderId, [...(fillsByOrder.get(f.orderId) ?? []), f]);
  for (const row of orders) {
    const built = lineFromDatabase(row, fillsByOrder.get(row.orderId) ?? [], naming);
    if (typeof built === 'string') {
      merge.problems.push(`order ${row.clientOrderId}: ${built}`);
      continue;
    }
    const held = journal.get(row.orderId);
    if (held === undefined) {
      lines.set(row.orderId, built);
      merge.adopted.push(row.clientOrderId);
    } else if (isBehind(held, built)) {
      lines.set(row.orderId, { ...built, attempts: Math.max(held.attempts, built.attempts), expectedPrice: held.expectedPrice });
      merge.updated.push(row.clientOrderId);
    }
  }
  return merge;
}

/** The journal's line is older than the database's: still open there, and behind in state or in fills. */
function isBehind(held: JournalLine, fromDatabase: JournalLine): boolean {
  if (!OPEN_STATUSES.has(held.status) && held.status !== 'INITIALIZED') return false;
  const known = new Set(held.order.fills.map((f) => f.tradeId));
  const moreFills = fromDatabase.order.fills.some((f) => !known.has(f.tradeId));
  return moreFills || PROGRESS[fromDatabase.status] > PROGRESS[held.status];
}

/** Rebuilds the order through the lifecycle itself (submit, the venue's ack, each recorded fill, a cancel in progress). */
export function lineFromDatabase(row: RecoveredOrder, fills: readonly RecoveredFill[], naming: DatabaseNaming): JournalLine | string {
  const venue = naming.venueIds.get(row.venue);
  if (venue === undefined) return `venue "${row.venue}" is not in venue_names (${[...naming.venueIds.keys()].join(', ') || 'empty'})`;
  const spec = naming.instruments.get(row.instrument);
  if (!spec) return `instrument "${row.instrument}" is not in the instruments list`;
  const parts = parseClientOrderId(row.clientOrderId, naming.namespace);
  if (!parts) return `client id is not of namespace ${naming.namespace}`;
  if (orderIdFor(parts.strategy, parts.intentId) !== row.orderId) return `order id ${row.orderId} does not match its client id`;
  let snapshot: OrderSnapshot;
  try {
    snapshot = createOrder({
      orderId: row.orderId, clientOrderId: row.clientOrderId, strategy: parts.strategy, intentId: parts.intentId, venue, instrument: spec.id,
      side: row.side === 'BUY' ? Side.BUY : Side.SELL, type: ORDER_TYPES[row.orderType], price: row.price, qty: row.qty, stepSize: spec.stepSize,
    });
  } catch (error) {
    return (error as Error).message;
  }
  const events: OrderEvent[] = [{ type: 'SUBMIT', tsUs: row.createdUs }];
  const venueOrderId = row.venueOrderId !== null && /^[0-9]{1,15}$/.test(row.venueOrderId) ? Number(row.venueOrderId) : 0;
  if (row.status !== 'PENDING_NEW' || venueOrderId > 0) events.push({ type: 'ACCEPT', venueOrderId });
  for (const f of fills) events.push({ type: 'FILL', tradeId: Number(f.tradeId), qty: f.qty, price: f.price, fee: f.fee, tsUs: f.tsUs });
  if (row.status === 'PENDING_CANCEL') events.push({ type: 'CANCEL_REQUEST' });
  for (const event of events) {
    const step = applyOrderEvent(snapshot, event);
    if (!step.outcome.ok) return step.outcome.error;
    snapshot = step.snapshot;
  }
  return {
    v: 1,
    status: statusOf(snapshot),
    order: snapshot.context,
    timeInForce: TIMES_IN_FORCE[row.timeInForce],
    reduceOnly: row.reduceOnly ? 1 : 0,
    expectedPrice: row.price,
    attempts: 1,
  };
}

/** What an order came back as: enough to see that its strategy and fields were restored. */
export interface RestoredOrderSummary {
  clientOrderId: string;
  strategy: number;
  intentId: number;
  venue: number;
  instrument: number;
  side: 'BUY' | 'SELL';
  status: OrderStatus;
  price: number;
  qty: number;
  cumQty: number;
  timeInForce: number;
  reduceOnly: number;
}

export function restoredOrderSummary(line: JournalLine): RestoredOrderSummary {
  const o = line.order;
  return {
    clientOrderId: o.clientOrderId, strategy: o.strategy, intentId: o.intentId, venue: o.venue, instrument: o.instrument, side: o.side === Side.BUY ? 'BUY' : 'SELL',
    status: line.status, price: o.price, qty: o.qty, cumQty: o.cumQty, timeInForce: line.timeInForce, reduceOnly: line.reduceOnly,
  };
}

/** Status keeps the first orders restored, not an unbounded list. */
const REPORTED_ORDERS = 50;

export interface OrderRecoveryReport {
  /** database: read and merged; unavailable: the database could not be read; none: no database configured. */
  source: 'database' | 'unavailable' | 'none';
  /** Orders taken from the database (adopted + updated). */
  restoredOrders: number;
  adopted: string[];
  updated: string[];
  /** The restored orders as they came back (the first 50). */
  orders: RestoredOrderSummary[];
  /** Open orders the database listed. */
  databaseOpenOrders: number;
  problems: string[];
  error: string | null;
  tookMs: number;
}

export interface OrderRecovery {
  lines: Map<number, JournalLine>;
  report: OrderRecoveryReport;
}

export async function recoverOpenOrders(url: string | undefined, journal: Map<number, JournalLine>, naming: DatabaseNaming, log: Logger, clock: ActorClock): Promise<OrderRecovery> {
  const started = clock.now();
  const report = (source: OrderRecoveryReport['source'], rest: Partial<OrderRecoveryReport> = {}): OrderRecoveryReport => ({
    source, restoredOrders: 0, adopted: [], updated: [], orders: [], databaseOpenOrders: 0, problems: [], error: null, tookMs: clock.now() - started, ...rest,
  });
  if (url === undefined) return { lines: journal, report: report('none') };
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined); // a server going away mid-query fails the query, handled below
  try {
    await client.connect();
    const orders = await loadOpenOrders(client);
    const fills = await loadFillsOfOrders(client, orders.map((o) => o.orderId));
    const merge = mergeDatabaseOrders(journal, orders, fills, naming);
    for (const problem of merge.problems) log.error(`database recovery: ${problem}: not adopted (venue reconciliation still finds it if it is open)`);
    const restored = merge.adopted.length + merge.updated.length;
    const idOf = new Map(orders.map((o) => [o.clientOrderId, o.orderId]));
    const summaries = [...merge.adopted, ...merge.updated].slice(0, REPORTED_ORDERS).map((id) => restoredOrderSummary(merge.lines.get(idOf.get(id)!)!));
    log.info({ adopted: merge.adopted, updated: merge.updated }, `database recovery: ${orders.length} open order(s) in the database, ${merge.adopted.length} adopted (not in the journal), ${merge.updated.length} newer than the journal`);
    return {
      lines: merge.lines,
      report: report('database', { restoredOrders: restored, adopted: merge.adopted, updated: merge.updated, orders: summaries, databaseOpenOrders: orders.length, problems: merge.problems }),
    };
  } catch (error) {
    const why = describeError(error);
    log.error({ err: error }, `database recovery FAILED (${why}): open orders come from the journal and the venues' reconciliation only; no intent is taken on a venue before it is reconciled`);
    return { lines: journal, report: report('unavailable', { error: why }) };
  } finally {
    await client.end().catch(() => undefined); // closing after the work is done or failed: nothing is left to lose, and the failure that matters is already reported
  }
}
