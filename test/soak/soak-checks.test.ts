import { describe, expect, it } from 'vitest';
import { CHECKS, runChecks, units, type SoakRecords } from '../../src/cli/soak-checks.js';

/**
 * A clean run: two venues, three orders (one a flatten after the final trip), three trades, all
 * booked by the order manager and the database, risk's positions the venues' net. Each row below
 * breaks it in one way and must be reported by exactly the check that owns that property.
 */
const T0 = 1_700_000_000_000;
const clean: SoakRecords = {
  venueOrders: [
    { venue: 1, symbol: 'BTCUSDT', orderId: 1, clientOrderId: 'bot4-1-1', timeMs: T0 + 100 },
    { venue: 2, symbol: 'BTCUSDT', orderId: 1, clientOrderId: 'bot4-2-1', timeMs: T0 + 200 },
    { venue: 1, symbol: 'BTCUSDT', orderId: 2, clientOrderId: 'bot4-0-1', timeMs: T0 + 5000 },
  ],
  venueTrades: [
    { venue: 1, symbol: 'BTCUSDT', tradeId: 1, orderId: 1, side: 'BUY', qty: 200_000n },
    { venue: 2, symbol: 'BTCUSDT', tradeId: 1, orderId: 1, side: 'SELL', qty: 100_000n },
    { venue: 1, symbol: 'BTCUSDT', tradeId: 2, orderId: 2, side: 'SELL', qty: 50_000n },
  ],
  venueOpenAtEnd: [],
  orderManagerFills: [
    { venue: 1, symbol: 'BTCUSDT', tradeId: 1 },
    { venue: 2, symbol: 'BTCUSDT', tradeId: 1 },
    { venue: 1, symbol: 'BTCUSDT', tradeId: 2 },
  ],
  botOpenAtEnd: [],
  riskPositions: [
    { venue: 1, symbol: 'BTCUSDT', qty: 150_000n },
    { venue: 2, symbol: 'BTCUSDT', qty: -100_000n },
  ],
  databaseOrders: ['bot4-1-1', 'bot4-2-1', 'bot4-0-1'],
  databaseFills: [
    { venue: 1, symbol: 'BTCUSDT', tradeId: 1 },
    { venue: 2, symbol: 'BTCUSDT', tradeId: 1 },
    { venue: 1, symbol: 'BTCUSDT', tradeId: 2 },
  ],
  halts: [
    { fromMs: T0 + 1000, toMs: T0 + 3000 },
    { fromMs: T0 + 4000, toMs: null },
  ],
  restartsAfterTrip: [{ atMs: T0 + 2000, state: 'HALTED' }],
};

const ETH_TRADE = { venue: 2, symbol: 'ETHUSDT', tradeId: 1, orderId: 3, side: 'BUY' as const, qty: 1_000_000n };

describe('soak end-of-run checks', () => {
  it('a clean run has no violation', () => {
    expect(runChecks(clean)).toEqual([]);
  });

  it.each<[string, (typeof CHECKS)[number], Partial<SoakRecords>, string]>([
    ['an intent sent twice to one venue', 'intent-sent-once', { venueOrders: [...clean.venueOrders, { venue: 1, symbol: 'BTCUSDT', orderId: 3, clientOrderId: 'bot4-1-1', timeMs: T0 + 150 }] }, 'bot4-1-1 has 2 venue orders'],
    ['one intent on two venues', 'intent-sent-once', { venueOrders: [...clean.venueOrders, { venue: 2, symbol: 'BTCUSDT', orderId: 9, clientOrderId: 'bot4-1-1', timeMs: T0 + 150 }] }, 'venue 1 BTCUSDT #1, venue 2 BTCUSDT #9'],
    ['a fill the order manager booked twice', 'fills-booked-once', { orderManagerFills: [...clean.orderManagerFills, { venue: 1, symbol: 'BTCUSDT', tradeId: 1 }] }, 'order manager booked trade 1/BTCUSDT/1 2 times'],
    ['a fill the database holds twice', 'fills-booked-once', { databaseFills: [...clean.databaseFills, { venue: 2, symbol: 'BTCUSDT', tradeId: 1 }] }, 'database booked trade 2/BTCUSDT/1 2 times'],
    ['a venue fill the order manager never booked', 'fills-booked-once', { orderManagerFills: clean.orderManagerFills.slice(1) }, 'order manager never booked venue trade 1/BTCUSDT/1'],
    ['a fill booked that the venue never made', 'fills-booked-once', { orderManagerFills: [...clean.orderManagerFills, { venue: 1, symbol: 'BTCUSDT', tradeId: 77 }] }, 'which the venue never made'],
    ['a position off by one step', 'positions-match-venue', { riskPositions: [{ venue: 1, symbol: 'BTCUSDT', qty: 150_001n }, clean.riskPositions[1]!] }, '1/BTCUSDT: risk holds 0.00150001, the venue\'s trades net to 0.0015'],
    ['a position risk does not hold at all', 'positions-match-venue', { riskPositions: [clean.riskPositions[0]!] }, '2/BTCUSDT: risk holds 0, the venue\'s trades net to -0.001'],
    ['a position risk holds that the venue never traded', 'positions-match-venue', { riskPositions: [...clean.riskPositions, { venue: 2, symbol: 'ETHUSDT', qty: 5n }] }, '2/ETHUSDT: risk holds 0.00000005'],
    ['a strategy order between a trip and its reset', 'no-order-after-trip', { venueOrders: [...clean.venueOrders, { venue: 1, symbol: 'BTCUSDT', orderId: 3, clientOrderId: 'bot4-1-2', timeMs: T0 + 1500 }], databaseOrders: [...clean.databaseOrders, 'bot4-1-2'] }, 'bot4-1-2 reached venue 1'],
    ['a strategy order after the final trip', 'no-order-after-trip', { venueOrders: [...clean.venueOrders, { venue: 2, symbol: 'BTCUSDT', orderId: 2, clientOrderId: 'bot4-2-2', timeMs: T0 + 9000 }], databaseOrders: [...clean.databaseOrders, 'bot4-2-2'] }, '5000 ms after the trip'],
    ['a restart after a trip that came back ACTIVE', 'halted-latch', { restartsAfterTrip: [{ atMs: T0 + 2000, state: 'ACTIVE' }] }, 'followed a trip but came back ACTIVE'],
    ['an order left open on a venue', 'nothing-stuck-open', { venueOpenAtEnd: [{ venue: 2, clientOrderId: 'bot4-2-1' }] }, 'bot4-2-1 still open on venue 2'],
    ['an order the order manager still holds open', 'nothing-stuck-open', { botOpenAtEnd: [{ venue: 1, clientOrderId: 'bot4-1-1' }] }, 'the order manager still holds bot4-1-1'],
    ['a venue order missing from the database', 'nothing-lost', { databaseOrders: ['bot4-1-1', 'bot4-0-1'] }, 'venue 2 order bot4-2-1 (#1) is not in the database'],
    ['a venue trade missing from the database', 'nothing-lost', { databaseFills: clean.databaseFills.slice(0, 2) }, 'venue trade 1/BTCUSDT/2 (order #2) is not in the database'],
    // Trade ids count per symbol on a venue: a BTC and an ETH trade may share an id and are two fills.
    [
      'two symbols\' trades with one id, the database keeping one',
      'nothing-lost',
      { venueTrades: [...clean.venueTrades, ETH_TRADE], orderManagerFills: [...clean.orderManagerFills, ETH_TRADE], riskPositions: [...clean.riskPositions, { venue: 2, symbol: 'ETHUSDT', qty: 1_000_000n }] },
      'venue trade 2/ETHUSDT/1 (order #3) is not in the database',
    ],
  ])('%s: reported by %s', (_what, check, change, detail) => {
    const violations = runChecks({ ...clean, ...change });
    expect(violations.length).toBeGreaterThan(0);
    expect(new Set(violations.map((v) => v.check))).toEqual(new Set([check]));
    expect(violations.map((v) => v.detail).join('\n')).toContain(detail);
  });

  it('a flatten order while HALTED is allowed; the same order from a strategy is not', () => {
    expect(runChecks({ ...clean, venueOrders: [...clean.venueOrders, { venue: 2, symbol: 'BTCUSDT', orderId: 5, clientOrderId: 'bot4-0-2', timeMs: T0 + 1500 }], databaseOrders: [...clean.databaseOrders, 'bot4-0-2'] })).toEqual([]);
  });

  it('amounts print as exact decimals', () => {
    expect([units(0n), units(150_000n), units(-100_000_000n), units(123_456_789n)]).toEqual(['0', '0.0015', '-1', '1.23456789']);
  });
});
