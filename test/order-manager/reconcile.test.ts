import { describe, expect, it } from 'vitest';
import { OrderType, Side, TimeInForce } from '../../src/domain/messages.js';
import { clientOrderId } from '../../actors/order-manager/client-order-id.js';
import { adoptedOrderTerms, differencesOf, fillKey, reconcile, type OwnOrderView, type VenueFill, type VenueOpenOrder } from '../../actors/order-manager/reconcile.js';

const NS = 'b4';
const own = (intent: number, patch: Partial<OwnOrderView> = {}): OwnOrderView => ({
  orderId: intent,
  clientOrderId: clientOrderId(NS, 1, intent),
  instrument: 1,
  side: Side.BUY,
  status: 'ACCEPTED',
  qty: 1,
  cumQty: 0,
  price: 100,
  tradeIds: [],
  ...patch,
});
const venueOpen = (clientId: string, patch: Partial<VenueOpenOrder> = {}): VenueOpenOrder => ({
  clientOrderId: clientId,
  venueOrderId: 5000,
  instrument: 1,
  side: Side.BUY,
  qty: 1,
  cumQty: 0,
  price: 100,
  type: OrderType.LIMIT,
  timeInForce: TimeInForce.GTC,
  reduceOnly: 0,
  ...patch,
});
const venueFill = (tradeId: number, clientId: string, qty: number): VenueFill => ({
  tradeId,
  clientOrderId: clientId,
  venueOrderId: 5000,
  instrument: 1,
  side: Side.BUY,
  qty,
  price: 100,
  fee: 0.01,
  exchangeTsMs: 1,
});

describe('reconciliation of own records vs the venue', () => {
  it('a known trade id on one symbol does not hide the same trade id on another (venues number trades per symbol)', () => {
    const btc = own(1, { status: 'PARTIALLY_FILLED', cumQty: 0.4, tradeIds: [11] });
    const eth = own(2, { instrument: 2 });
    const ethFill = { ...venueFill(11, eth.clientOrderId, 0.5), instrument: 2 };
    const plan = reconcile({ namespace: NS, ownOrders: [btc, eth], venueOpenOrders: [], venueRecentFills: [venueFill(11, btc.clientOrderId, 0.4), ethFill] });
    expect(plan.unknownFills).toEqual([{ fill: ethFill, owner: 'own', orderId: 2 }]);
  });

  it('matched: open on both sides with the same numbers -> clean', () => {
    const o = own(1, { status: 'PARTIALLY_FILLED', cumQty: 0.4, tradeIds: [11] });
    const plan = reconcile({ namespace: NS, ownOrders: [o], venueOpenOrders: [venueOpen(o.clientOrderId, { cumQty: 0.4 })], venueRecentFills: [venueFill(11, o.clientOrderId, 0.4)] });
    expect(plan.matched).toEqual([{ orderId: 1, clientOrderId: o.clientOrderId, venueOrderId: 5000 }]);
    expect(plan.clean).toBe(true);
  });

  it('missing on venue: closed while we were away -> query, or mark filled when the unknown fills complete it', () => {
    const canceledAway = own(1);
    const filledAway = own(2, { status: 'PARTIALLY_FILLED', cumQty: 0.3, tradeIds: [20] });
    const plan = reconcile({
      namespace: NS,
      ownOrders: [canceledAway, filledAway, own(3, { status: 'FILLED', cumQty: 1 })],
      venueOpenOrders: [],
      venueRecentFills: [venueFill(20, filledAway.clientOrderId, 0.3), venueFill(21, filledAway.clientOrderId, 0.7)],
    });
    expect(plan.missingOnVenue).toEqual([
      { orderId: 1, clientOrderId: canceledAway.clientOrderId, ourStatus: 'ACCEPTED', action: 'QUERY_ORDER' },
      { orderId: 2, clientOrderId: filledAway.clientOrderId, ourStatus: 'PARTIALLY_FILLED', action: 'MARK_FILLED' },
    ]);
    expect(plan.unknownFills).toEqual([{ fill: venueFill(21, filledAway.clientOrderId, 0.7), owner: 'own', orderId: 2 }]);
    expect(plan.clean).toBe(false);
  });

  it('unknown on venue: our namespace without a record is adopted as ours, anything else as external', () => {
    const orphanId = clientOrderId(NS, 4, 77);
    const plan = reconcile({
      namespace: NS,
      ownOrders: [],
      venueOpenOrders: [venueOpen(orphanId), venueOpen('web_manual_1'), venueOpen(clientOrderId('otherbot', 4, 77))],
      venueRecentFills: [],
    });
    expect(plan.adoptOwn).toEqual([{ ...venueOpen(orphanId), strategy: 4, intentId: 77 }]);
    expect(plan.adoptExternal.map((v) => v.clientOrderId)).toEqual(['web_manual_1', clientOrderId('otherbot', 4, 77)]);
  });

  it('fills we did not know about are listed once each, with their owner', () => {
    const o = own(1, { status: 'PARTIALLY_FILLED', cumQty: 0.2, tradeIds: [1] });
    const plan = reconcile({
      namespace: NS,
      ownOrders: [o],
      venueOpenOrders: [venueOpen(o.clientOrderId, { cumQty: 0.5 })],
      venueRecentFills: [
        venueFill(1, o.clientOrderId, 0.2),
        venueFill(2, o.clientOrderId, 0.3),
        venueFill(2, o.clientOrderId, 0.3), // delivered twice by the venue's paging
        venueFill(3, clientOrderId(NS, 9, 9), 1),
        venueFill(4, 'external-x', 1),
      ],
    });
    expect(plan.unknownFills.map((u) => [u.fill.tradeId, u.owner, u.orderId])).toEqual([
      [2, 'own', 1],
      [3, 'orphan', null],
      [4, 'external', null],
    ]);
    // The unknown fill explains the venue's larger cumQty: after applying it the order matches.
    expect(plan.matched.map((m) => m.orderId)).toEqual([1]);
    expect(plan.quantityMismatches).toEqual([]);
  });

  it('quantities that disagree even after the unknown fills -> query', () => {
    const o = own(1, { qty: 1, cumQty: 0.2 });
    const plan = reconcile({ namespace: NS, ownOrders: [o], venueOpenOrders: [venueOpen(o.clientOrderId, { qty: 2, cumQty: 0.6, side: Side.SELL })], venueRecentFills: [] });
    expect(plan.quantityMismatches).toEqual([
      { orderId: 1, clientOrderId: o.clientOrderId, field: 'side', ours: Side.BUY, venue: Side.SELL, action: 'QUERY_ORDER' },
      { orderId: 1, clientOrderId: o.clientOrderId, field: 'qty', ours: 1, venue: 2, action: 'QUERY_ORDER' },
      { orderId: 1, clientOrderId: o.clientOrderId, field: 'cumQty', ours: 0.2, venue: 0.6, action: 'QUERY_ORDER' },
    ]);
    expect(plan.matched).toEqual([]);
  });

  it('venue lists open an order we hold as closed or never sent -> status conflict', () => {
    const closed = own(1, { status: 'CANCELED' });
    const unsent = own(2, { status: 'INITIALIZED' });
    const plan = reconcile({ namespace: NS, ownOrders: [closed, unsent], venueOpenOrders: [venueOpen(closed.clientOrderId), venueOpen(unsent.clientOrderId)], venueRecentFills: [] });
    expect(plan.statusConflicts.map((c) => [c.orderId, c.ourStatus, c.action])).toEqual([
      [1, 'CANCELED', 'ADOPT_VENUE_OPEN'],
      [2, 'INITIALIZED', 'ADOPT_VENUE_OPEN'],
    ]);
    expect(plan.adoptOwn).toEqual([]);
  });

  it('refuses ambiguous input with a clear error', () => {
    expect(() => reconcile({ namespace: NS, ownOrders: [own(1), own(1)], venueOpenOrders: [], venueRecentFills: [] })).toThrow(/two own orders share clientOrderId/);
    expect(() => reconcile({ namespace: NS, ownOrders: [], venueOpenOrders: [venueOpen('x'), venueOpen('x')], venueRecentFills: [] })).toThrow(/twice as open/);
  });
});

describe('continuous reconciliation: adopted terms, fills booked once, differences', () => {
  it('adoptedOrderTerms: the venue type and time in force stay; reduce-only when the venue says so or the order is our flatten', () => {
    const flatten = venueOpen(clientOrderId(NS, 0, 3), { type: OrderType.MARKET, timeInForce: TimeInForce.IOC, reduceOnly: 0 });
    expect(adoptedOrderTerms(flatten, 0)).toEqual({ type: OrderType.MARKET, timeInForce: TimeInForce.IOC, reduceOnly: 1 });
    const flagged = venueOpen(clientOrderId(NS, 4, 1), { type: OrderType.LIMIT, timeInForce: TimeInForce.FOK, reduceOnly: 1 });
    expect(adoptedOrderTerms(flagged, 4)).toEqual({ type: OrderType.LIMIT, timeInForce: TimeInForce.FOK, reduceOnly: 1 });
    expect(adoptedOrderTerms(venueOpen(clientOrderId(NS, 4, 2), { type: OrderType.LIMIT_MAKER }), 4)).toEqual({ type: OrderType.LIMIT_MAKER, timeInForce: TimeInForce.GTC, reduceOnly: 0 });
  });

  it('a fill booked earlier without an order record is not unknown again on a re-check', () => {
    const orphan = venueFill(70, clientOrderId(NS, 9, 9), 0.2);
    const external = venueFill(71, 'web_manual_1', 0.3);
    const first = reconcile({ namespace: NS, ownOrders: [], venueOpenOrders: [], venueRecentFills: [orphan, external] });
    expect(first.unknownFills.map((u) => [u.fill.tradeId, u.owner])).toEqual([[70, 'orphan'], [71, 'external']]);
    const again = reconcile({ namespace: NS, ownOrders: [], venueOpenOrders: [], venueRecentFills: [orphan, external], bookedWithoutRecord: new Set([fillKey(1, 70), fillKey(1, 71)]) });
    expect(again.unknownFills).toEqual([]);
    expect(again.clean).toBe(true);
  });

  it('differencesOf: one entry per difference with what is done; external orders already tracked are not new', () => {
    const missing = own(1);
    const conflict = own(2, { status: 'CANCELED' });
    const mismatch = own(3);
    const adoptId = clientOrderId(NS, 4, 5);
    const plan = reconcile({
      namespace: NS,
      ownOrders: [missing, conflict, mismatch],
      venueOpenOrders: [venueOpen(conflict.clientOrderId), venueOpen(mismatch.clientOrderId, { qty: 2 }), venueOpen(adoptId), venueOpen('web_old'), venueOpen('web_new')],
      venueRecentFills: [venueFill(80, missing.clientOrderId, 1)],
    });
    const diffs = differencesOf(plan, new Set(['web_old']));
    expect(diffs.map((d) => [d.kind, d.clientOrderId])).toEqual([
      ['missingOnVenue', missing.clientOrderId],
      ['adoptOwn', adoptId],
      ['adoptExternal', 'web_new'],
      ['unknownFill', missing.clientOrderId],
      ['quantityMismatch', mismatch.clientOrderId],
      ['statusConflict', conflict.clientOrderId],
    ]);
    expect(diffs[0]!.detail).toBe('we hold it ACCEPTED, the venue does not list it open: its missed fills complete it');
    expect(diffs[3]!.detail).toBe('trade 80 (1 at 100) was never applied here (own): booked once');
    expect(differencesOf(reconcile({ namespace: NS, ownOrders: [], venueOpenOrders: [], venueRecentFills: [] }))).toEqual([]);
  });
});
