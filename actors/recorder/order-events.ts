/**
 * Turns the order path's messages into order_update records. An ExecutionReport says only what the
 * venue did (status, quantities); the order's fixed fields (type, time in force, limit price, size,
 * reduce-only) come from its SUBMIT command, or, after a restart, from the open orders in the database.
 * Each order's events are numbered 0 (the submit), 1, 2, …: the number continues from the database's
 * last_seq after a restart, and a report that repeats the last state (a frame redelivered after a
 * crash) is recognised and not numbered again.
 */
import { OrderAction, type ExecutionReport, type OrderCommand } from '../../src/domain/messages.js';
import type { RecoveredOrder } from '../../src/persistence/recovery.js';
import type { RecordOf } from '../../src/persistence/records.js';
import { clientOrderIdForOrderId, orderIdParts } from '../order-manager/client-order-id.js';
import { instrumentName, orderTypeName, reportState, sideName, timeInForceName, venueName, type NameTables } from './record-mapping.js';

type OrderUpdate = RecordOf<'order_update'>;

export interface OrderNaming extends NameTables {
  strategyNames: ReadonlyMap<number, string>;
  clientIdNamespace: string;
}

export type OrderEventOutcome =
  | { kind: 'record'; record: OrderUpdate }
  /** The same state as the order's last event: a redelivered frame. */
  | { kind: 'duplicate' }
  /** A report for an order whose SUBMIT the recorder never saw and the database does not hold. */
  | { kind: 'unmatched'; reason: string };

const FINISHED = new Set<OrderUpdate['status']>(['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);

export class OrderEvents {
  private readonly orders = new Map<number, OrderUpdate>();
  /** Finished orders, oldest first, kept so a late duplicate report is still recognised. */
  private readonly finished: number[] = [];

  constructor(
    private readonly naming: OrderNaming,
    private readonly keepFinished = 10_000,
  ) {}

  get openCount(): number {
    return this.orders.size - this.finished.length;
  }

  /** Open orders read back from the database at start. */
  restore(orders: readonly RecoveredOrder[]): void {
    for (const order of orders) this.orders.set(order.orderId, { kind: 'order_update', ...order });
  }

  /** A SUBMIT command creates the order (event 0, PENDING_NEW); other actions change nothing by themselves. */
  command(c: OrderCommand): OrderEventOutcome | null {
    if (c.action !== OrderAction.SUBMIT) return null;
    if (this.orders.has(c.orderId)) return { kind: 'duplicate' };
    const { strategy } = orderIdParts(c.orderId);
    const record: OrderUpdate = {
      kind: 'order_update',
      orderId: c.orderId,
      seq: 0,
      clientOrderId: clientOrderIdForOrderId(this.naming.clientIdNamespace, c.orderId),
      venue: venueName(this.naming, c.venue, 'OrderCommand'),
      instrument: instrumentName(this.naming, c.instrument, 'OrderCommand'),
      strategy: this.naming.strategyNames.get(strategy) ?? null,
      side: sideName(c.side),
      orderType: orderTypeName(c.type),
      timeInForce: timeInForceName(c.timeInForce),
      reduceOnly: c.reduceOnly === 1,
      price: c.price,
      qty: c.qty,
      status: 'PENDING_NEW',
      cumQty: 0,
      avgPrice: 0,
      venueOrderId: null,
      rejectReason: null,
      createdUs: c.createdTsUs,
      tsUs: c.createdTsUs,
    };
    this.orders.set(c.orderId, record);
    return { kind: 'record', record };
  }

  report(r: ExecutionReport): OrderEventOutcome {
    const last = this.orders.get(r.orderId);
    if (!last) {
      return { kind: 'unmatched', reason: `ExecutionReport for order ${r.orderId}: no SUBMIT seen and not open in the database, so its type, price and size are unknown` };
    }
    const state = reportState(r);
    if (state.status === last.status && state.cumQty === last.cumQty && state.venueOrderId === (last.venueOrderId ?? state.venueOrderId)) {
      return { kind: 'duplicate' };
    }
    const record: OrderUpdate = {
      ...last,
      seq: last.seq + 1,
      status: state.status,
      cumQty: state.cumQty,
      avgPrice: state.avgPrice,
      venueOrderId: state.venueOrderId ?? last.venueOrderId,
      rejectReason: state.rejectReason,
      tsUs: Math.max(state.tsUs, last.createdUs),
    };
    const wasFinished = FINISHED.has(last.status);
    this.orders.set(r.orderId, record);
    if (FINISHED.has(record.status) && !wasFinished) this.noteFinished(r.orderId);
    return { kind: 'record', record };
  }

  private noteFinished(orderId: number): void {
    this.finished.push(orderId);
    while (this.finished.length > this.keepFinished) this.orders.delete(this.finished.shift()!);
  }
}
