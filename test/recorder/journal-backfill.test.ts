import { describe, expect, it } from 'vitest';
import { fillKey, journalledFills, missingFills, missingSubmits, submitOfJournalLine } from '../../actors/recorder/journal-backfill.js';
import type { JournalLine } from '../../actors/order-manager/order-journal.js';
import { applyOrderEvent, createOrder, statusOf, type OrderEvent } from '../../actors/order-manager/order-lifecycle.js';
import { Liquidity, OrderAction, OrderType, Side, TimeInForce } from '../../src/domain/messages.js';

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

type FillEvent = Extract<OrderEvent, { type: 'FILL' }>;
const TABLES = { venueNames: new Map([[2, 'venue-b']]), instrumentNames: new Map([[3, 'ETH/USDT'], [4, 'BTC/USDT']]) };

/** A journal line of order `orderId` (venue 2, SELL) on `instrument` after these fills were booked. */
const filled = (orderId: number, fills: Array<Partial<FillEvent> & { tradeId: number }>, instrument = 3, venue = 2): JournalLine => {
  const base = line(orderId, 1);
  let snapshot = createOrder({ ...base.order, instrument, venue });
  const events: OrderEvent[] = [{ type: 'SUBMIT', tsUs: 1 }, { type: 'ACCEPT', venueOrderId: 50 + orderId }];
  for (const f of fills) events.push({ type: 'FILL', qty: 0.1, price: 101.5, fee: 0.002, tsUs: 9_000_000 + f.tradeId, liquidity: Liquidity.TAKER, exchangeTsMs: 8_000 + f.tradeId, ...f });
  for (const event of events) snapshot = applyOrderEvent(snapshot, event).snapshot;
  return { ...base, status: statusOf(snapshot), order: snapshot.context };
};
const journalOf = (...lines: JournalLine[]) => new Map(lines.map((l) => [l.order.orderId, l]));

describe('journal backfill of fills (pure)', () => {
  it('rebuilds the row the Fill frame would have written: venue time, liquidity, the order\'s side and instrument', () => {
    const { rows, notRebuildable } = journalledFills(journalOf(filled(9, [{ tradeId: 41, liquidity: Liquidity.MAKER, fee: -0.001 }])), TABLES);
    expect(notRebuildable).toEqual([]);
    expect([...rows.entries()]).toEqual([
      ['venue-b/ETH/USDT/41', { kind: 'fill', venue: 'venue-b', tradeId: '41', orderId: 9, instrument: 'ETH/USDT', side: 'SELL', price: 101.5, qty: 0.1, fee: -0.001, liquidity: 'MAKER', tsUs: 8_041_000 }],
    ]);
  });

  it.each([
    { name: 'all in the database', journal: [filled(1, [{ tradeId: 1 }, { tradeId: 2 }])], inDb: ['venue-b/ETH/USDT/1', 'venue-b/ETH/USDT/2'], want: [] },
    { name: 'the ones the database lacks, oldest venue time first', journal: [filled(1, [{ tradeId: 7 }]), filled(2, [{ tradeId: 3 }, { tradeId: 5 }])], inDb: ['venue-b/ETH/USDT/5'], want: ['venue-b/ETH/USDT/3', 'venue-b/ETH/USDT/7'] },
    {
      // trade ids are unique per symbol: trade 1 of BTC/USDT is not trade 1 of ETH/USDT
      name: 'the same trade id on two symbols is two fills',
      journal: [filled(1, [{ tradeId: 1 }], 3), filled(2, [{ tradeId: 1 }], 4)],
      inDb: ['venue-b/ETH/USDT/1'],
      want: ['venue-b/BTC/USDT/1'],
    },
    { name: 'nothing from orders without fills', journal: [line(4, 1, 'ACCEPTED'), line(5, 0, 'DENIED')], inDb: [], want: [] },
  ])('$name', ({ journal, inDb, want }) => {
    expect(missingFills(journalledFills(journalOf(...journal), TABLES).rows, new Set(inDb)).map(fillKey)).toEqual(want);
  });

  it('names the fills it cannot rebuild: a journal line from before liquidity and venue time were kept, an id the config does not name', () => {
    const old = filled(6, [{ tradeId: 11 }]);
    const { liquidity: _liquidity, exchangeTsMs: _exchangeTsMs, ...oldFill } = old.order.fills[0]!;
    const { rows, notRebuildable } = journalledFills(journalOf({ ...old, order: { ...old.order, fills: [oldFill] } }, filled(8, [{ tradeId: 12 }], 3, 9)), TABLES);
    expect(rows.size).toBe(0);
    expect(notRebuildable).toEqual([
      'fill 11 of order 6: the journal line lacks its liquidity or venue time (written before they were journalled)',
      expect.stringMatching(/^fill 12 of order 8: the journal: venue id 9 is not in the recorder's venues/),
    ]);
  });
});
