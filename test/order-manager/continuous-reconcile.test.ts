import { afterEach, describe, expect, it } from 'vitest';
import { OrderAction, OrderType, RejectReason, Side, TimeInForce, TradingState } from '../../src/domain/messages.js';
import { gateRefusal as exchangeGateRefusal } from '../../actors/exchange/order-gate.js';
import { gateRefusal } from '../../actors/order-manager/order-gate.js';
import { FLATTEN_STRATEGY_ID, orderIdFor } from '../../actors/order-manager/client-order-id.js';
import { OrderManagerRig, waitFor } from './harness.js';

/**
 * Reconciliation after start: the venue-double plays a user-data stream that is down (`silent`:
 * what happens at the venue on its own is not reported) and the exchange actor's
 * `venue.stream-gap` notice when it is back; the periodic re-check runs on a short interval.
 */
let rig: OrderManagerRig | undefined;
afterEach(async () => {
  await rig?.down();
  rig = undefined;
});

type Status = Record<string, any>;
const openOrder = (s: Status, orderId: number) => (s.openOrders as { orderId: number }[]).find((o) => o.orderId === orderId) as Record<string, any> | undefined;
const fillsAtRisk = async (r: OrderManagerRig) => (await r.atRisk()).filter((x) => x.kind === 'Fill').map((x) => x.message);

async function accepted(r: OrderManagerRig, fields: Partial<Record<string, number>> = {}): Promise<number> {
  const { orderId } = await r.intent(fields);
  await waitFor(`order ${orderId} accepted`, () => r.status(), (s) => openOrder(s, orderId)?.status === 'ACCEPTED');
  return orderId;
}

describe('order manager: reconciliation after a user-stream gap', () => {
  it('an order filled and a fill missed while the stream was down are found by the next reconciliation and booked once', async () => {
    rig = await new OrderManagerRig({ reconcile_every_ms: 0 }).up();
    const filledAway = await accepted(rig, { qty: 0.5 });
    const partlyAway = await accepted(rig, { qty: 0.4, price: 99 });
    await rig.exchangeA.invoke('behave', { silent: true, balances: [{ asset: 'BTC', total: 1.2 }, { asset: 'USDT', total: 9000 }] });
    const t1 = (await rig.exchangeA.invoke('fill', { orderId: filledAway, qty: 0.5, price: 100, fee: 0.05 })) as number;
    const t2 = (await rig.exchangeA.invoke('fill', { orderId: partlyAway, qty: 0.1, price: 99 })) as number;
    // Nothing reached the order manager: it still holds both as they were.
    const before = await rig.status();
    // Status quantities are decimal text at the instrument's step (order-figures.ts).
    expect(openOrder(before, filledAway)).toMatchObject({ status: 'ACCEPTED', cumQty: '0.000' });
    expect(openOrder(before, partlyAway)).toMatchObject({ status: 'ACCEPTED', cumQty: '0.000' });
    expect(await fillsAtRisk(rig)).toEqual([]);

    await rig.exchangeA.invoke('behave', { silent: false });
    await rig.exchangeA.invoke('streamGap', {});
    const after = await waitFor('both missed fills applied', () => rig!.status(), (s) => openOrder(s, filledAway) === undefined && openOrder(s, partlyAway)?.cumQty === '0.100');
    expect(openOrder(after, partlyAway)).toMatchObject({ status: 'PARTIALLY_FILLED', cumQty: '0.100' });
    expect(after.recentFills.map((f: { tradeId: number }) => f.tradeId).sort()).toEqual([t1, t2].sort());
    expect(after.counters.reconciles).toMatchObject({ start: 2, 'stream-gap': 1 });
    expect(after.counters.reconcileDifferences).toEqual({ missingOnVenue: 1, unknownFill: 2 });
    expect(after.reconciliation['1']).toMatchObject({ status: 'reconciled', trigger: 'stream-gap', holdsTrading: false });
    const fills = await fillsAtRisk(rig);
    expect(fills.map((f) => [f.orderId, f.tradeId, f.qty])).toEqual([[filledAway, t1, 0.5], [partlyAway, t2, 0.1]]);
    const differences = rig.events.filter((e) => e.topic === 'orders.reconcile-difference').map((e) => e.data);
    expect(differences.map((d) => [d.venue, d.trigger, d.kind, d.clientOrderId])).toEqual([
      [1, 'stream-gap', 'missingOnVenue', `bot4-3-${filledAway % 2 ** 32}`],
      [1, 'stream-gap', 'unknownFill', `bot4-3-${filledAway % 2 ** 32}`],
      [1, 'stream-gap', 'unknownFill', `bot4-3-${partlyAway % 2 ** 32}`],
    ]);
    // The balances went to risk behind the fills, on the same ring.
    const atRisk = await rig.atRisk();
    const isBalances = (x: (typeof atRisk)[number]) => x.kind === 'Control' && (x.message as Record<string, unknown>).type === 'venue.balances' && x.message.venue === 1;
    const balances = atRisk.map((x, i) => (isBalances(x) ? i : -1)).reduce((a, b) => Math.max(a, b), -1);
    expect(balances).toBeGreaterThan(atRisk.findIndex((x) => x.kind === 'Fill' && x.message.tradeId === t2));
    expect(atRisk[balances]!.message).toMatchObject({ venue: 1, balances: [{ asset: 'BTC', total: 1.2 }, { asset: 'USDT', total: 9000 }] });

    // Another gap, nothing new: nothing is booked twice.
    await rig.exchangeA.invoke('streamGap', {});
    await waitFor('the second stream-gap reconciliation', () => rig!.status(), (s) => s.counters.reconciles['stream-gap'] === 2 && s.reconciliation['1'].status === 'reconciled');
    expect(await fillsAtRisk(rig)).toHaveLength(2);
    expect((await rig.status()).counters.reconcileDifferences).toEqual({ missingOnVenue: 1, unknownFill: 2 });
  });

  it('intents wait while a stream-gap reconciliation runs, then go', async () => {
    const r = (rig = await new OrderManagerRig({ reconcile_every_ms: 0 }).up());
    await r.exchangeA.invoke('behave', { holdReconcile: true });
    await r.exchangeA.invoke('streamGap', {});
    await waitFor('the stream-gap request at the venue', () => r.exchangeA.invoke('reconcileRequests', {}) as Promise<number>, (n) => n >= 2);
    const { orderId } = await r.intent();
    await waitFor('the intent held', () => r.status(), (s) => s.heldIntents === 1);
    expect((await r.commands()).filter((c) => c.orderId === orderId)).toEqual([]);
    await r.exchangeA.invoke('releaseReconcile', {});
    await waitFor('the intent sent after the reconciliation', () => r.status(), (s) => openOrder(s, orderId)?.status === 'ACCEPTED');
    expect((await r.commands()).filter((c) => c.orderId === orderId && c.action === OrderAction.SUBMIT)).toHaveLength(1);
  });

  it('an order of ours adopted after a gap keeps its type, time in force and reduce-only flag', async () => {
    rig = await new OrderManagerRig({ reconcile_every_ms: 0 }).up();
    const flattenId = orderIdFor(FLATTEN_STRATEGY_ID, 7);
    const flaggedId = orderIdFor(3, 900);
    // Sent before a crash and never journaled: the venue has them, the order manager does not.
    await rig.exchangeA.invoke('place', { orderId: flattenId, instrument: 1, side: Side.SELL, qty: 0.3, price: 90, type: OrderType.LIMIT, timeInForce: TimeInForce.IOC, reduceOnly: 0 });
    await rig.exchangeA.invoke('place', { orderId: flaggedId, instrument: 1, side: Side.SELL, qty: 0.2, price: 110, type: OrderType.LIMIT_MAKER, timeInForce: TimeInForce.GTC, reduceOnly: 1 });
    await rig.exchangeA.invoke('streamGap', {});
    const s = await waitFor('both adopted', () => rig!.status(), (x) => openOrder(x, flattenId) !== undefined && openOrder(x, flaggedId) !== undefined);
    expect(openOrder(s, flattenId)).toMatchObject({ status: 'ACCEPTED', type: OrderType.LIMIT, timeInForce: TimeInForce.IOC, reduceOnly: 1 });
    expect(openOrder(s, flaggedId)).toMatchObject({ status: 'ACCEPTED', type: OrderType.LIMIT_MAKER, timeInForce: TimeInForce.GTC, reduceOnly: 1 });
    expect(s.counters.reconcileDifferences).toEqual({ adoptOwn: 2 });
    // The gates read the record: under REDUCING, and HALTED with the flatten permit, a submit of
    // these orders is judged as the reduce-only orders they are (a plain adoption was refused).
    const position = 0.5;
    const flatten = openOrder(s, flattenId)!;
    expect(gateRefusal(TradingState.REDUCING, { side: Side.SELL, qty: Number(flatten.qty), reduceOnly: flatten.reduceOnly }, position, 0, 0)).toBe(RejectReason.NONE);
    expect(gateRefusal(TradingState.HALTED, { side: Side.SELL, qty: Number(flatten.qty), reduceOnly: flatten.reduceOnly, flatten: true }, position, 0, 0, true)).toBe(RejectReason.NONE);
    expect(exchangeGateRefusal(TradingState.HALTED, { action: OrderAction.SUBMIT, reduceOnly: flatten.reduceOnly, orderId: flattenId }, true)).toBe(RejectReason.NONE);
    expect(exchangeGateRefusal(TradingState.REDUCING, { action: OrderAction.SUBMIT, reduceOnly: openOrder(s, flaggedId)!.reduceOnly, orderId: flaggedId })).toBe(RejectReason.NONE);
  });
});

describe('order manager: periodic reconciliation', () => {
  it('finds an order cancelled and a fill made at the venue while the stream was silent, resolves them, books the fill once', async () => {
    rig = await new OrderManagerRig({ reconcile_every_ms: 300 }).up();
    const cancelled = await accepted(rig, { qty: 0.5 });
    const partly = await accepted(rig, { qty: 0.4, price: 99 });
    await rig.exchangeA.invoke('behave', { silent: true });
    await rig.exchangeA.invoke('cancel', { orderId: cancelled });
    const trade = (await rig.exchangeA.invoke('fill', { orderId: partly, qty: 0.1, price: 99 })) as number;
    const s = await waitFor('the periodic re-check resolved both', () => rig!.status(), (x) => openOrder(x, cancelled) === undefined && openOrder(x, partly)?.cumQty === '0.100');
    expect(s.counters.reconcileDifferences).toMatchObject({ missingOnVenue: 1, unknownFill: 1 });
    expect(s.counters.reconciles.periodic).toBeGreaterThanOrEqual(1);
    const cancelReports = await rig.reportsFor(cancelled);
    expect(cancelReports.at(-1)).toMatchObject({ status: 4 });
    const differences = rig.events.filter((e) => e.topic === 'orders.reconcile-difference').map((e) => e.data);
    expect(differences.filter((d) => d.trigger === 'periodic').map((d) => d.kind).sort()).toEqual(['missingOnVenue', 'unknownFill']);
    // More re-checks come and go: the fill stays booked once, nothing new is a difference.
    const rounds = s.counters.reconciles.periodic as number;
    await waitFor('three more periodic re-checks', () => rig!.status(), (x) => x.counters.reconciles.periodic >= rounds + 3);
    expect((await fillsAtRisk(rig)).filter((f) => f.tradeId === trade)).toHaveLength(1);
    expect((await rig.status()).counters.reconcileDifferences).toEqual({ missingOnVenue: 1, unknownFill: 1 });
    // Trading never waited for a re-check.
    expect((await rig.status()).heldIntents).toBe(0);
  });
});
