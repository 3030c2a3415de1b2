import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { OrderType, RejectReason, Side } from '../../src/domain/messages.js';
import { packageRoot } from '../../src/runtime/package-root.js';
import {
  LIFECYCLE_EVENTS,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  applyOrderEvent,
  createOrder,
  orderLifecycleMachine,
  renderTransitionTableMarkdown,
  restoreOrder,
  resumeStatus,
  type LifecycleEventKey,
  type NewOrder,
  type OrderEmitted,
  type OrderEvent,
  type OrderSnapshot,
} from '../../actors/order-manager/order-lifecycle.js';

const NEW: NewOrder = {
  orderId: 42,
  clientOrderId: 'b4-1-16',
  strategy: 1,
  intentId: 42,
  venue: 1,
  instrument: 1,
  side: Side.BUY,
  type: OrderType.LIMIT,
  price: 100,
  qty: 10,
  stepSize: 0.001,
};

let tradeSeq = 1;
const fill = (qty: number, price = 100, fee = 0.01): OrderEvent => ({ type: 'FILL', tradeId: tradeSeq++, qty, price, fee, tsUs: 1 });

/** An event of each table column, for an order of qty 10 with nothing filled yet. */
function eventFor(key: LifecycleEventKey): OrderEvent {
  switch (key) {
    case 'DENY':
      return { type: 'DENY', reason: RejectReason.MAX_POSITION };
    case 'SUBMIT':
      return { type: 'SUBMIT', tsUs: 5 };
    case 'ACCEPT':
      return { type: 'ACCEPT', venueOrderId: 777 };
    case 'PARTIAL_FILL':
      return fill(4);
    case 'FULL_FILL':
      return fill(10);
    case 'OVERFILL':
      return fill(12);
    case 'CANCEL_REQUEST':
      return { type: 'CANCEL_REQUEST' };
    case 'CANCEL_REJECTED':
      return { type: 'CANCEL_REJECTED', reason: RejectReason.UNKNOWN_ORDER };
    case 'CANCELED':
      return { type: 'CANCELED' };
    case 'REJECT':
      return { type: 'REJECT', reason: RejectReason.INSUFFICIENT_FUNDS };
    case 'EXPIRE':
      return { type: 'EXPIRE' };
  }
}

function run(events: OrderEvent[], start: OrderSnapshot = createOrder(NEW)): OrderSnapshot {
  let snap = start;
  for (const e of events) {
    const step = applyOrderEvent(snap, e);
    if (!step.outcome.ok) throw new Error(step.outcome.error);
    snap = step.snapshot;
  }
  return snap;
}

describe('order lifecycle transition table', () => {
  it('every (state, event) cell: valid cells reach their target, invalid cells produce an error result', () => {
    let tested = 0;
    for (const from of ORDER_STATUSES) {
      for (const key of LIFECYCLE_EVENTS) {
        // Each state restored with the same quantities (qty 10, nothing filled, acknowledged),
        // so that the fill sizes of eventFor() classify as their column in every row.
        const base = createOrder(NEW).context;
        const snap = restoreOrder(from, { ...base, acknowledged: true });
        const step = applyOrderEvent(snap, eventFor(key));
        const target = ORDER_TRANSITIONS[from][key];
        if (target === null) {
          expect(step.outcome, `${from} + ${key}`).toMatchObject({ ok: false, from, event: key });
          expect(step.outcome.ok === false && step.outcome.error).toContain(`not valid in state ${from}`);
          expect(step.status).toBe(from);
          expect(step.order.cumQty).toBe(0);
        } else {
          const expected = target === 'RESUME' ? resumeStatus(snap.context) : target;
          expect(step.outcome, `${from} + ${key}`).toMatchObject({ ok: true, from, to: expected, event: key });
          expect(step.status, `${from} + ${key}`).toBe(expected);
        }
        tested++;
      }
    }
    expect(tested).toBe(ORDER_STATUSES.length * LIFECYCLE_EVENTS.length);
  });

  it('happy path: submit, accept, partial fills with VWAP, full fill', () => {
    const s1 = run([{ type: 'SUBMIT', tsUs: 1 }, { type: 'ACCEPT', venueOrderId: 9 }, fill(3, 100)]);
    expect(s1.value).toBe('PARTIALLY_FILLED');
    expect(s1.context).toMatchObject({ cumQty: 3, leavesQty: 7, avgPrice: 100, venueOrderId: 9 });
    const s2 = run([fill(5, 102)], s1);
    expect(s2.context.cumQty).toBe(8);
    expect(s2.context.leavesQty).toBe(2);
    const s3 = run([fill(2, 101)], s2);
    expect(s3.value).toBe('FILLED');
    expect(s3.context.cumQty).toBe(10);
    expect(s3.context.leavesQty).toBe(0);
    expect(s3.context.avgPrice).toBeCloseTo((3 * 100 + 5 * 102 + 2 * 101) / 10, 12);
    expect(s3.context.fees).toBeCloseTo(0.03, 12);
  });

  it('counts quantity in whole steps: 0.1 + 0.2 fills an order of 0.3 exactly', () => {
    const s = run([{ type: 'SUBMIT', tsUs: 1 }, fill(0.1), fill(0.2)], createOrder({ ...NEW, qty: 0.3 }));
    expect(s.value).toBe('FILLED');
    expect(s.context.cumQty).toBe(0.3);
    expect(s.context.overfillQty).toBe(0);
  });

  it('accepts late fills after a cancel request and after CANCELED, updating cumulative quantities', () => {
    const pending = run([{ type: 'SUBMIT', tsUs: 1 }, { type: 'ACCEPT', venueOrderId: 9 }, fill(2), { type: 'CANCEL_REQUEST' }]);
    const lateWhilePending = applyOrderEvent(pending, fill(3, 104));
    expect(lateWhilePending.outcome).toMatchObject({ ok: true, to: 'PENDING_CANCEL', lateFill: true });
    expect(lateWhilePending.order.cumQty).toBe(5);
    expect(lateWhilePending.order.leavesQty).toBe(5);
    const canceled = run([{ type: 'CANCELED' }], lateWhilePending.snapshot);
    expect(canceled.context.leavesQty).toBe(0);
    const lateAfterCancel = applyOrderEvent(canceled, fill(1, 99));
    expect(lateAfterCancel.outcome).toMatchObject({ ok: true, from: 'CANCELED', to: 'CANCELED', lateFill: true });
    expect(lateAfterCancel.order.cumQty).toBe(6);
    expect(lateAfterCancel.order.lateFillQty).toBe(4);
    expect(lateAfterCancel.order.leavesQty).toBe(0);
    expect(lateAfterCancel.order.avgPrice).toBeCloseTo((2 * 100 + 3 * 104 + 1 * 99) / 6, 12);
    expect(lateAfterCancel.order.fills.map((f) => f.late)).toEqual([false, true, true]);
    // Late fills that complete the quantity: the venue traded it all, whatever the cancel said.
    const completed = applyOrderEvent(lateAfterCancel.snapshot, fill(4));
    expect(completed.status).toBe('FILLED');
  });

  it('counts late fills in whole steps too: 0.1 + 0.2 late is 0.3, not 0.30000000000000004', () => {
    const pending = run([{ type: 'SUBMIT', tsUs: 1 }, { type: 'ACCEPT', venueOrderId: 9 }, { type: 'CANCEL_REQUEST' }], createOrder({ ...NEW, qty: 1 }));
    const first = applyOrderEvent(pending, fill(0.1));
    const second = applyOrderEvent(first.snapshot, fill(0.2));
    expect(second.order.lateFillQty).toBe(0.3);
  });

  it('flags an overfill and keeps recording it', () => {
    const s = run([{ type: 'SUBMIT', tsUs: 1 }, fill(6)]);
    const over = applyOrderEvent(s, fill(6));
    expect(over.outcome).toMatchObject({ ok: true, to: 'FILLED', event: 'OVERFILL', overfill: true });
    expect(over.order.overfillQty).toBe(2);
    expect(over.order.cumQty).toBe(12);
    expect(over.order.leavesQty).toBe(0);
    const again = applyOrderEvent(over.snapshot, fill(1));
    expect(again.outcome).toMatchObject({ ok: true, event: 'OVERFILL', overfill: true });
    expect(again.order.overfillQty).toBe(3);
  });

  it('a fill delivered twice (same trade id) is recorded once', () => {
    const dup: OrderEvent = { type: 'FILL', tradeId: 999_999, qty: 4, price: 100, fee: 0, tsUs: 1 };
    const s = run([{ type: 'SUBMIT', tsUs: 1 }, dup]);
    const again = applyOrderEvent(s, dup);
    expect(again.outcome).toMatchObject({ ok: true, duplicate: true, to: 'PARTIALLY_FILLED' });
    expect(again.order.cumQty).toBe(4);
    expect(again.order.fills).toHaveLength(1);
  });

  it('a malformed fill is an error result, not a state change', () => {
    const s = run([{ type: 'SUBMIT', tsUs: 1 }]);
    const bad = applyOrderEvent(s, { type: 'FILL', tradeId: 1, qty: 0, price: 100, fee: 0, tsUs: 1 });
    expect(bad.outcome).toMatchObject({ ok: false, event: 'INVALID_FILL' });
    expect(bad.status).toBe('SUBMITTED');
  });

  it('a rejected cancel resumes the open state the quantities describe', () => {
    const unacked = run([{ type: 'SUBMIT', tsUs: 1 }, { type: 'CANCEL_REQUEST' }, { type: 'CANCEL_REJECTED', reason: RejectReason.UNKNOWN_ORDER }]);
    expect(unacked.value).toBe('SUBMITTED');
    const acked = run([{ type: 'SUBMIT', tsUs: 1 }, { type: 'ACCEPT', venueOrderId: 1 }, { type: 'CANCEL_REQUEST' }, { type: 'CANCEL_REJECTED', reason: RejectReason.UNKNOWN_ORDER }]);
    expect(acked.value).toBe('ACCEPTED');
    const partly = run([{ type: 'SUBMIT', tsUs: 1 }, { type: 'CANCEL_REQUEST' }, fill(1), { type: 'CANCEL_REJECTED', reason: RejectReason.UNKNOWN_ORDER }]);
    expect(partly.value).toBe('PARTIALLY_FILLED');
  });

  it('records deny and reject reasons', () => {
    expect(run([{ type: 'DENY', reason: RejectReason.PRICE_BAND }]).context.rejectReason).toBe(RejectReason.PRICE_BAND);
    const rejected = run([{ type: 'SUBMIT', tsUs: 1 }, { type: 'REJECT', reason: RejectReason.INSUFFICIENT_FUNDS }]);
    expect(rejected.value).toBe('REJECTED');
    expect(rejected.context.rejectReason).toBe(RejectReason.INSUFFICIENT_FUNDS);
  });

  it('an actor running the machine emits invalid transitions, overfills and late fills', () => {
    const seen: OrderEmitted['type'][] = [];
    const actor = createActor(orderLifecycleMachine, { input: NEW });
    actor.on('*', (e) => seen.push(e.type));
    actor.start();
    actor.send({ type: 'ACCEPT', venueOrderId: 1 }); // before SUBMIT: invalid
    actor.send({ type: 'SUBMIT', tsUs: 1 });
    actor.send({ type: 'CANCEL_REQUEST' });
    actor.send(fill(11));
    actor.stop();
    expect(seen).toEqual(['order.invalidTransition', 'order.overfill', 'order.lateFill']);
  });

  it('refuses a malformed new order with a message naming the field', () => {
    expect(() => createOrder({ ...NEW, qty: -1 })).toThrow(/qty must be a finite number > 0/);
    expect(() => createOrder({ ...NEW, stepSize: 0 })).toThrow(/stepSize/);
    expect(() => createOrder({ ...NEW, side: 9 as Side })).toThrow(/side/);
  });

  it('docs/trading-logic.md shows the current table', () => {
    const doc = readFileSync(join(packageRoot(), 'docs', 'trading-logic.md'), 'utf8');
    expect(doc).toContain(renderTransitionTableMarkdown());
  });
});
