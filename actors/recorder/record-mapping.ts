/**
 * Hot messages (numeric ids, enum codes) -> database records (names). Pure functions: the actor
 * decodes a frame, these build the record, the batch writer validates and queues it.
 */
import {
  ExecStatus,
  Liquidity,
  OrderType,
  Side,
  TimeInForce,
  TripSource,
  rejectReasonName,
  tradingStateName,
  type BookTop,
  type ExecutionReport,
  type Fill,
  type Trade,
  type TradingStateChange,
} from '../../src/domain/messages.js';
import type { RecordOf } from '../../src/persistence/records.js';

export interface NameTables {
  venueNames: ReadonlyMap<number, string>;
  instrumentNames: ReadonlyMap<number, string>;
}

/** A message that names a venue or instrument the config does not list. */
export class UnmappedIdError extends Error {
  override readonly name = 'UnmappedIdError';
}

export function venueName(tables: NameTables, id: number, what: string): string {
  const name = tables.venueNames.get(id);
  if (name === undefined) throw new UnmappedIdError(`${what}: venue id ${id} is not in the recorder's venues (${[...tables.venueNames.keys()].join(', ')})`);
  return name;
}

export function instrumentName(tables: NameTables, id: number, what: string): string {
  const name = tables.instrumentNames.get(id);
  if (name === undefined) throw new UnmappedIdError(`${what}: instrument id ${id} is not in the recorder's instruments (${[...tables.instrumentNames.keys()].join(', ')})`);
  return name;
}

const invert = <T extends Record<string, number>>(table: T): Map<number, keyof T & string> =>
  new Map(Object.entries(table).map(([name, code]) => [code, name as keyof T & string]));

const SIDES = invert(Side);
const LIQUIDITY = invert(Liquidity);
const ORDER_TYPES = invert(OrderType);
const TIME_IN_FORCE = invert(TimeInForce);
const EXEC_STATUSES = invert(ExecStatus);

/** The kill switch's own names for who moved the state (actors/kill-switch), so rows and state file agree. */
export const TRIP_SOURCE_NAMES: ReadonlyMap<number, string> = new Map([
  [TripSource.ADMIN, 'admin'],
  [TripSource.GPIO_BUTTON, 'gpio-button'],
  [TripSource.GPIO_TAMPER, 'gpio-tamper'],
  [TripSource.RISK_PANIC, 'risk-panic'],
  [TripSource.DEAD_MAN, 'dead-man'],
  [TripSource.STARTUP_LATCH, 'startup-latch'],
  [TripSource.SHUTDOWN, 'shutdown'],
  [TripSource.SUPERVISOR, 'supervisor'],
]);

function codeName<N extends string>(table: ReadonlyMap<number, N>, code: number, what: string): N {
  const name = table.get(code);
  if (name === undefined) throw new RangeError(`${what}: unknown code ${code}`);
  return name;
}

export const sideName = (code: number): 'BUY' | 'SELL' => codeName(SIDES, code, 'side');
export const liquidityName = (code: number): 'MAKER' | 'TAKER' => codeName(LIQUIDITY, code, 'liquidity');
export const orderTypeName = (code: number): RecordOf<'order_update'>['orderType'] => codeName(ORDER_TYPES, code, 'order type');
export const timeInForceName = (code: number): RecordOf<'order_update'>['timeInForce'] => codeName(TIME_IN_FORCE, code, 'time in force');
export const execStatusName = (code: number): RecordOf<'order_update'>['status'] => codeName(EXEC_STATUSES, code, 'execution status');

export function tradeRecord(tables: NameTables, t: Trade): RecordOf<'trade'> {
  return {
    kind: 'trade',
    venue: venueName(tables, t.venue, 'Trade'),
    instrument: instrumentName(tables, t.instrument, 'Trade'),
    tradeId: String(t.tradeId),
    tsUs: t.exchangeTsMs * 1000,
    price: t.price,
    qty: t.qty,
    aggressor: sideName(t.aggressor),
    receivedUs: t.receiveTsUs,
  };
}

export function bookTopRecord(tables: NameTables, b: BookTop): RecordOf<'book_top'> {
  return {
    kind: 'book_top',
    venue: venueName(tables, b.venue, 'BookTop'),
    instrument: instrumentName(tables, b.instrument, 'BookTop'),
    updateId: b.updateId,
    tsUs: b.exchangeTsMs * 1000,
    bidPrice: b.bidPrice,
    bidQty: b.bidQty,
    askPrice: b.askPrice,
    askQty: b.askQty,
    receivedUs: b.receiveTsUs,
  };
}

export function fillRecord(tables: NameTables, f: Fill): RecordOf<'fill'> {
  return {
    kind: 'fill',
    venue: venueName(tables, f.venue, 'Fill'),
    tradeId: String(f.tradeId),
    orderId: f.orderId,
    instrument: instrumentName(tables, f.instrument, 'Fill'),
    side: sideName(f.side),
    price: f.price,
    qty: f.qty,
    fee: f.fee,
    liquidity: liquidityName(f.liquidity),
    tsUs: f.exchangeTsMs * 1000,
  };
}

export function killSwitchRecord(change: TradingStateChange, reason: string): RecordOf<'kill_switch'> {
  return {
    kind: 'kill_switch',
    seq: change.seq,
    state: tradingStateName(change.state) as RecordOf<'kill_switch'>['state'],
    previous: tradingStateName(change.previous) as RecordOf<'kill_switch'>['previous'],
    source: TRIP_SOURCE_NAMES.get(change.source) ?? `source-${change.source}`,
    reason,
    tsUs: change.tsUs,
  };
}

/** The venue's word on an order, in the database's terms (the order's fixed fields come from elsewhere). */
export interface ReportState {
  status: RecordOf<'order_update'>['status'];
  cumQty: number;
  avgPrice: number;
  venueOrderId: string | null;
  rejectReason: string | null;
  tsUs: number;
}

export function reportState(r: ExecutionReport): ReportState {
  const status = execStatusName(r.status);
  return {
    status,
    cumQty: r.cumQty,
    avgPrice: r.avgPrice,
    venueOrderId: r.venueOrderId > 0 ? String(r.venueOrderId) : null,
    rejectReason: status === 'REJECTED' ? rejectReasonName(r.rejectReason) : null,
    // the venue's time when it sent one, else when we received it
    tsUs: r.exchangeTsMs > 0 ? r.exchangeTsMs * 1000 : r.receiveTsUs,
  };
}
