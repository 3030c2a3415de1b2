import { describe, expect, it } from 'vitest';
import { missingSubmits, submitOfJournalLine } from '../../actors/recorder/journal-backfill.js';
import type { JournalLine } from '../../actors/order-manager/order-journal.js';
import { createOrder, statusOf } from '../../actors/order-manager/order-lifecycle.js';
import { OrderAction, OrderType, Side, TimeInForce } from '../../src/domain/messages.js';

const line = (orderId: number, attempts: number, status?: JournalLine['status']): JournalLine => {
  const snapshot = createOrder({ orderId, clientOrderId: `bot4-1-${orderId}`, strategy: 1, intentId: orderId, venue: 2, instrument: 3, side: Side.SELL, type: OrderType.LIMIT, price: 101.25, qty: 0.5, stepSize: 0.001 });
  return { v: 1, status: status ?? statusOf(snapshot), order: { ...snapshot.context, submittedTsUs: 1_000 + orderId }, timeInForce: TimeInForce.IOC, reduceOnly: 1, expectedPrice: 101, attempts };
};

describe('journal backfill (pure)', () => {
  it('rebuilds the SUBMIT with the journalled fixed fields', () => {
    expect(submitOfJournalLine(line(9, 1, 'SUBMITTED'))).toEqual({
      action: OrderAction.SUBMIT, orderId: 9, venue: 2, instrument: 3, side: Side.SELL, type: OrderType.LIMIT,
      timeInForce: TimeInForce.IOC, reduceOnly: 1, price: 101.25, qty: 0.5, createdTsUs: 1_009,
    });
  });

  it.each([
    { name: 'all in the database', journal: [line(1, 1, 'CANCELED'), line(2, 1, 'FILLED')], inDb: [1, 2], want: [] },
    { name: 'the ones the database lacks, lowest id first', journal: [line(7, 1, 'ACCEPTED'), line(3, 2, 'SUBMITTED'), line(5, 1, 'CANCELED')], inDb: [5], want: [3, 7] },
    { name: 'not an order denied before any attempt (no SUBMIT left)', journal: [line(4, 0, 'DENIED'), line(6, 1, 'REJECTED')], inDb: [], want: [6] },
    { name: 'nothing from an empty journal', journal: [], inDb: [1], want: [] },
  ])('$name', ({ journal, inDb, want }) => {
    const lines = new Map(journal.map((l) => [l.order.orderId, l]));
    expect(missingSubmits(lines, new Set(inDb)).map((c) => c.orderId)).toEqual(want);
  });
});
