/**
 * The order manager's records: one lifecycle snapshot per order plus what the lifecycle does
 * not hold (time in force, reduce-only, expected price, what is in flight at the venue),
 * journaled on every change. Also the net position per market that our own fills imply,
 * which the gate needs for "REDUCING: only orders that shrink a position".
 */
import { Side, type TimeInForce } from '../../src/domain/messages.js';
import { incrementCount, multipleOf } from '../../src/domain/instrument.js';
import { OPEN_STATUSES, applyOrderEvent, restoreOrder, statusOf, type OrderEvent, type OrderSnapshot, type OrderStatus, type OrderStep } from './order-lifecycle.js';
import type { JournalLine, OrderJournal } from './order-journal.js';

export type VenueOperation = 'submit' | 'cancel' | 'query';

export interface Inflight {
  op: VenueOperation;
  /** Why a query was sent: to learn a submit's fate, a cancel's fate, or reconcile a difference. */
  purpose: 'submit' | 'cancel' | 'reconcile';
  attempt: number;
  sentAtMs: number;
}

export interface PendingRetry {
  op: VenueOperation;
  purpose: Inflight['purpose'];
  attempt: number;
  atMs: number;
}

export interface ManagedOrder {
  snapshot: OrderSnapshot;
  timeInForce: TimeInForce;
  reduceOnly: number;
  expectedPrice: number;
  attempts: number;
  inflight: Inflight | null;
  retry: PendingRetry | null;
}

export const marketKeyOf = (venue: number, instrument: number): string => `${venue}:${instrument}`;

export class OrderStore {
  private readonly orders = new Map<number, ManagedOrder>();
  /** Signed net quantity per market from our own (non-duplicate) fills. */
  private readonly positions = new Map<string, number>();
  constructor(private readonly journal: OrderJournal, private readonly stepOf: (instrument: number) => number) {}

  get size(): number {
    return this.orders.size;
  }

  get(orderId: number): ManagedOrder | undefined {
    return this.orders.get(orderId);
  }

  values(): IterableIterator<ManagedOrder> {
    return this.orders.values();
  }

  /** Restores an order from its journal line (positions are rebuilt from its fills). */
  restore(line: JournalLine): ManagedOrder {
    const managed: ManagedOrder = {
      snapshot: restoreOrder(line.status, line.order),
      timeInForce: line.timeInForce as TimeInForce,
      reduceOnly: line.reduceOnly,
      expectedPrice: line.expectedPrice,
      attempts: line.attempts,
      inflight: null,
      retry: null,
    };
    this.orders.set(line.order.orderId, managed);
    for (const fill of line.order.fills) this.addToPosition(line.order.venue, line.order.instrument, line.order.side, fill.qty);
    return managed;
  }

  /** Adds a new order and journals it. */
  add(snapshot: OrderSnapshot, extra: Pick<ManagedOrder, 'timeInForce' | 'reduceOnly' | 'expectedPrice'>): ManagedOrder {
    const managed: ManagedOrder = { snapshot, ...extra, attempts: 0, inflight: null, retry: null };
    this.orders.set(snapshot.context.orderId, managed);
    this.persist(managed);
    return managed;
  }

  /** Applies a lifecycle event; journals and updates positions when something changed. */
  apply(managed: ManagedOrder, event: OrderEvent): OrderStep {
    const step = applyOrderEvent(managed.snapshot, event);
    managed.snapshot = step.snapshot;
    if (step.outcome.ok && !step.outcome.duplicate) {
      if (event.type === 'FILL') this.addToPosition(step.order.venue, step.order.instrument, step.order.side, event.qty);
      this.persist(managed);
    }
    return step;
  }

  /** Replaces the record (reconciliation adopting the venue's view); journals it. */
  force(managed: ManagedOrder, status: OrderStatus, patch: Partial<ManagedOrder['snapshot']['context']>): void {
    managed.snapshot = restoreOrder(status, { ...managed.snapshot.context, ...patch });
    this.persist(managed);
  }

  persist(managed: ManagedOrder): void {
    this.journal.append({
      v: 1,
      status: statusOf(managed.snapshot),
      order: managed.snapshot.context,
      timeInForce: managed.timeInForce,
      reduceOnly: managed.reduceOnly,
      expectedPrice: managed.expectedPrice,
      attempts: managed.attempts,
    });
  }

  position(venue: number, instrument: number): number {
    return this.positions.get(marketKeyOf(venue, instrument)) ?? 0;
  }

  /** Every market with a position our fills built (flat ones left out). */
  positionList(): { venue: number; instrument: number; qty: number }[] {
    const list: { venue: number; instrument: number; qty: number }[] = [];
    for (const [key, qty] of this.positions) {
      if (qty === 0) continue;
      const [venue, instrument] = key.split(':').map(Number) as [number, number];
      list.push({ venue, instrument, qty });
    }
    return list;
  }

  /** Remaining quantity of our open orders on one market, per side, leaving out `except`. */
  openQty(venue: number, instrument: number, except: number): { buy: number; sell: number } {
    let buy = 0;
    let sell = 0;
    for (const m of this.orders.values()) {
      const o = m.snapshot.context;
      if (o.orderId === except || o.venue !== venue || o.instrument !== instrument || !OPEN_STATUSES.has(statusOf(m.snapshot))) continue;
      if (o.side === Side.BUY) buy += o.leavesQty;
      else sell += o.leavesQty;
    }
    return { buy, sell };
  }

  open(venue?: number): ManagedOrder[] {
    const list: ManagedOrder[] = [];
    for (const m of this.orders.values()) {
      if (OPEN_STATUSES.has(statusOf(m.snapshot)) && (venue === undefined || m.snapshot.context.venue === venue)) list.push(m);
    }
    return list;
  }

  /** Drops the oldest finished orders beyond `keep` (Map order = creation order). */
  pruneFinished(keep: number): number {
    const finished: number[] = [];
    for (const [id, m] of this.orders) if (!OPEN_STATUSES.has(statusOf(m.snapshot)) && m.inflight === null && m.retry === null) finished.push(id);
    const drop = finished.slice(0, Math.max(0, finished.length - keep));
    for (const id of drop) this.orders.delete(id);
    return drop.length;
  }

  private addToPosition(venue: number, instrument: number, side: Side, qty: number): void {
    const key = marketKeyOf(venue, instrument);
    const step = this.stepOf(instrument);
    const steps = incrementCount(this.positions.get(key) ?? 0, step) + incrementCount(qty, step) * (side === Side.BUY ? 1 : -1);
    this.positions.set(key, multipleOf(steps, step));
  }
}

