import { describe, expect, it } from 'vitest';
import { OrderType, Side, TimeInForce } from '../../src/domain/messages.js';
import { instrumentSpecsFromConfig } from '../../src/domain/instrument-config.js';
import type { RecoveredFill, RecoveredOrder } from '../../src/persistence/recovery.js';
import { clientOrderId, orderIdFor } from '../../actors/order-manager/client-order-id.js';
import { mergeDatabaseOrders, type DatabaseNaming } from '../../actors/order-manager/database-recovery.js';
import type { JournalLine } from '../../actors/order-manager/order-journal.js';
import { applyOrderEvent, createOrder, statusOf } from '../../actors/order-manager/order-lifecycle.js';

const specs = instrumentSpecsFromConfig([{ id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tick_size: 0.01, step_size: 0.00001, min_qty: 0.00001, min_price: 0.01, max_qty: 9000, min_notional: 5 }]);
const naming: DatabaseNaming = { namespace: 'bot4', venueIds: new Map([['venue-a', 1], ['venue-b', 2]]), instruments: new Map([...specs.values()].map((s) => [s.symbol, s])) };

function row(strategy: number, intentId: number, patch: Partial<RecoveredOrder> = {}): RecoveredOrder {
  return {
    orderId: orderIdFor(strategy, intentId), seq: 1, clientOrderId: clientOrderId('bot4', strategy, intentId), venue: 'venue-b', instrument: 'BTCUSDT',
    strategy: 'mm', side: 'SELL', orderType: 'LIMIT_MAKER', timeInForce: 'GTC', reduceOnly: true, price: 61_000.5, qty: 0.003, status: 'ACCEPTED',
    cumQty: 0, avgPrice: 0, venueOrderId: '4711', rejectReason: null, createdUs: 1_000, tsUs: 2_000, ...patch,
  };
}

const fill = (orderId: number, tradeId: number, qty: number, price: number): RecoveredFill => ({
  venue: 'venue-b', tradeId: String(tradeId), orderId, instrument: 'BTCUSDT', side: 'SELL', price, qty, fee: 0.01, liquidity: 'MAKER', tsUs: 3_000 + tradeId,
});

/** A journal line as the order manager writes it: the order taken through the lifecycle. */
function journalLine(strategy: number, intentId: number, events: Parameters<typeof applyOrderEvent>[1][]): JournalLine {
  let snapshot = createOrder({ orderId: orderIdFor(strategy, intentId), clientOrderId: clientOrderId('bot4', strategy, intentId), strategy, intentId, venue: 2, instrument: 1, side: Side.SELL, type: OrderType.LIMIT_MAKER, price: 61_000.5, qty: 0.003, stepSize: 0.00001 });
  for (const e of events) snapshot = applyOrderEvent(snapshot, e).snapshot;
  return { v: 1, status: statusOf(snapshot), order: snapshot.context, timeInForce: TimeInForce.GTC, reduceOnly: 1, expectedPrice: 61_000, attempts: 2 };
}

describe('merging the database open orders into the journal', () => {
  it('adopts an order the journal lacks, with every field, its strategy, the venue ack and its recorded fills', () => {
    const r = row(3, 17, { status: 'PARTIALLY_FILLED', cumQty: 0.001 });
    const merge = mergeDatabaseOrders(new Map(), [r], [fill(r.orderId, 900, 0.001, 61_000.5)], naming);
    expect(merge).toMatchObject({ adopted: [r.clientOrderId], updated: [], problems: [] });
    const line = merge.lines.get(r.orderId)!;
    expect(line).toMatchObject({ status: 'PARTIALLY_FILLED', timeInForce: TimeInForce.GTC, reduceOnly: 1, expectedPrice: 61_000.5, attempts: 1 });
    expect(line.order).toMatchObject({
      strategy: 3, intentId: 17, venue: 2, instrument: 1, side: Side.SELL, type: OrderType.LIMIT_MAKER, price: 61_000.5, qty: 0.003,
      venueOrderId: 4711, acknowledged: true, cumQty: 0.001, leavesQty: 0.002, avgPrice: 61_000.5,
    });
    expect(line.order.fills.map((f) => f.tradeId)).toEqual([900]);
  });

  it('a submit the venue never acknowledged comes back SUBMITTED, a cancel in progress PENDING_CANCEL', () => {
    const a = row(1, 1, { status: 'PENDING_NEW', venueOrderId: null });
    const b = row(1, 2, { status: 'PENDING_CANCEL' });
    const merge = mergeDatabaseOrders(new Map(), [a, b], [], naming);
    expect(merge.lines.get(a.orderId)?.status).toBe('SUBMITTED');
    expect(merge.lines.get(b.orderId)?.status).toBe('PENDING_CANCEL');
  });

  it('keeps the journal when it is as far along or further (it is written first; the database trails it)', () => {
    const filled = journalLine(3, 17, [{ type: 'SUBMIT', tsUs: 1 }, { type: 'ACCEPT', venueOrderId: 4711 }, { type: 'FILL', tradeId: 1, qty: 0.003, price: 61_000.5, fee: 0, tsUs: 2 }]);
    const accepted = journalLine(3, 18, [{ type: 'SUBMIT', tsUs: 1 }, { type: 'ACCEPT', venueOrderId: 4712 }]);
    const journal = new Map([[filled.order.orderId, filled], [accepted.order.orderId, accepted]]);
    const merge = mergeDatabaseOrders(journal, [row(3, 17), row(3, 18)], [], naming);
    expect(merge).toMatchObject({ adopted: [], updated: [], problems: [] });
    expect(merge.lines.get(filled.order.orderId)).toBe(filled);
    expect(merge.lines.get(accepted.order.orderId)).toBe(accepted);
  });

  it('takes the database where the journal holds an older state (behind in status or in fills)', () => {
    const submitted = journalLine(3, 17, [{ type: 'SUBMIT', tsUs: 1 }]);
    const accepted = journalLine(3, 18, [{ type: 'SUBMIT', tsUs: 1 }, { type: 'ACCEPT', venueOrderId: 4712 }]);
    const journal = new Map([[submitted.order.orderId, submitted], [accepted.order.orderId, accepted]]);
    const r18 = row(3, 18, { status: 'PARTIALLY_FILLED', cumQty: 0.001 });
    const merge = mergeDatabaseOrders(journal, [row(3, 17), r18], [fill(r18.orderId, 5, 0.001, 61_000.5)], naming);
    expect(merge.updated).toEqual([submitted.order.clientOrderId, accepted.order.clientOrderId]);
    expect(merge.lines.get(submitted.order.orderId)).toMatchObject({ status: 'ACCEPTED', attempts: 2, expectedPrice: 61_000 });
    expect(merge.lines.get(r18.orderId)).toMatchObject({ status: 'PARTIALLY_FILLED', order: { cumQty: 0.001 } });
  });

  it('names the rows it cannot take and takes the rest', () => {
    const rows = [row(1, 1, { venue: 'venue-z' }), row(1, 2, { instrument: 'DOGEUSDT' }), row(1, 3, { clientOrderId: 'other-1-3' }), row(1, 4, { orderId: 99 }), row(1, 5)];
    const merge = mergeDatabaseOrders(new Map(), rows, [], naming);
    expect(merge.adopted).toEqual([clientOrderId('bot4', 1, 5)]);
    expect(merge.problems).toHaveLength(4);
    expect(merge.problems.join('\n')).toMatch(/venue "venue-z" is not in venue_names \(venue-a, venue-b\)/);
    expect(merge.problems.join('\n')).toMatch(/instrument "DOGEUSDT" is not in the instruments list/);
    expect(merge.problems.join('\n')).toMatch(/not of namespace bot4/);
    expect(merge.problems.join('\n')).toMatch(/order id 99 does not match its client id/);
  });
});
