import { afterEach, describe, expect, it } from 'vitest';
import { ExecStatus, OrderAction, RejectReason, Side, TradingState, TripSource } from '../../src/domain/messages.js';
import { OrderManagerRig, waitFor } from './harness.js';

const rigs: OrderManagerRig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.down()));
});

async function rig(config: Record<string, unknown> = {}): Promise<OrderManagerRig> {
  const r = new OrderManagerRig(config);
  rigs.push(r);
  return r.up();
}

const submitsOf = (commands: { action: number; orderId: number }[], orderId?: number) =>
  commands.filter((c) => c.action === OrderAction.SUBMIT && (orderId === undefined || c.orderId === orderId)).length;

describe('order manager actor: orders through real rings', () => {
  it('submits an approved intent once, follows acks and partial fills, and passes reports and fills on', async () => {
    const r = await rig();
    const { orderId } = await r.intent({ qty: 1, price: 100 });
    await waitFor('the SUBMIT at exchange-a', () => r.commands(), (c) => submitsOf(c, orderId) === 1);
    await r.exchangeA.invoke('fill', { orderId, qty: 0.4, price: 100, fee: 0.01 });
    await r.exchangeA.invoke('fill', { orderId, qty: 0.6, price: 101, fee: 0.01 });
    const status = await waitFor('the order to be gone from the open list', () => r.status(), (s) => s.openOrders.length === 0 && s.counters.fills === 2);
    expect(status.recentFills.map((f: { qty: number }) => f.qty)).toEqual([0.4, 0.6]);
    const received = await r.atRisk();
    expect(received.filter((x) => x.kind === 'Fill').map((x) => x.message.price)).toEqual([100, 101]);
    const statuses = (await r.reportsFor(orderId)).map((m) => m.status);
    expect(statuses).toEqual([ExecStatus.ACCEPTED, ExecStatus.PARTIALLY_FILLED, ExecStatus.FILLED]);
    // The duplicate intent (same strategy and intentId) never becomes a second order.
    await r.intent({ intentId: orderId % 2 ** 32, qty: 1, price: 100 });
    await waitFor('the duplicate to be counted', () => r.status(), (s) => s.counters.duplicateIntents === 1);
    expect(submitsOf(await r.commands(), orderId)).toBe(1);
    // Every change was journaled before its command left.
    const { journal } = await r.status();
    expect(journal.written).toBeGreaterThanOrEqual(4);
  });

  it('refuses to trade until reconciled: an intent waits for the venue\'s snapshot, then goes', async () => {
    const r = new OrderManagerRig({ hold_intents_ms: 60_000, reconcile_timeout_ms: 60_000 }, { hold_reconcile: true });
    rigs.push(r);
    await r.up({ waitReconciled: false });
    await waitFor('the reconcile request at venue 1', () => r.exchangeA.invoke('reconcileRequests', {}) as Promise<number>, (n) => n >= 1);
    const held = await r.intent({ qty: 1, price: 100 });
    await waitFor('the intent held', () => r.status(), (s) => s.heldIntents === 1 && s.reconciliation['1'].status !== 'reconciled');
    expect(submitsOf(await r.commands())).toBe(0);
    await r.exchangeA.invoke('releaseReconcile', {});
    await waitFor('its SUBMIT once venue 1 is reconciled', () => r.commands(), (c) => submitsOf(c, held.orderId) === 1);
    expect((await r.status()).heldIntents).toBe(0);
  });

  it('an intent held longer than hold_intents_ms for a venue that never answers is refused NOT_RECONCILED, never sent', async () => {
    const r = new OrderManagerRig({ hold_intents_ms: 300, reconcile_timeout_ms: 60_000 }, { hold_reconcile: true });
    rigs.push(r);
    await r.up({ waitReconciled: false });
    const held = await r.intent({ qty: 1, price: 100 });
    const refused = await waitFor('the refusal of the held intent', () => r.reportsFor(held.orderId), (reports) => reports.length > 0);
    expect(refused).toEqual([expect.objectContaining({ status: ExecStatus.REJECTED, rejectReason: RejectReason.NOT_RECONCILED })]);
    await r.exchangeA.invoke('releaseReconcile', {});
    await r.waitReconciled();
    expect(submitsOf(await r.commands(), held.orderId)).toBe(0);
  });

  it('HALTED: no SUBMIT leaves, CANCEL_ALL goes to every venue, open orders are confirmed cancelled', async () => {
    const r = await rig();
    const a = await r.intent({ venue: 1 });
    const b = await r.intent({ venue: 2, instrument: 2, qty: 0.1, price: 2000 });
    await waitFor('both orders acknowledged', () => r.status(), (s) => s.openOrders.filter((o: { status: string }) => o.status === 'ACCEPTED').length === 2);
    r.setGate(TradingState.HALTED);
    await r.ks.invoke('send', { peer: 'order-manager', kind: 'TradingStateChange', message: { state: TradingState.HALTED, previous: TradingState.ACTIVE, source: TripSource.ADMIN, seq: 7, tsUs: 1 } });
    const status = await waitFor('cancel-all confirmed', () => r.status(), (s) => s.allCancelled !== null);
    expect(status.allCancelled).toMatchObject({ trigger: 'halt', seq: 7, cancelledOrders: 2, done: true, venues: { 1: { state: 'confirmed' }, 2: { state: 'confirmed' } } });
    expect(r.events.some((e) => e.topic === 'orders.all-cancelled')).toBe(true);
    for (const exchange of [r.exchangeA, r.exchangeB]) expect((await r.commands(exchange)).some((c) => c.action === OrderAction.CANCEL_ALL)).toBe(true);
    expect((await r.reportsFor(a.orderId)).at(-1)!.status).toBe(ExecStatus.CANCELED);
    expect((await r.reportsFor(b.orderId)).at(-1)!.status).toBe(ExecStatus.CANCELED);

    const submitsBefore = submitsOf(await r.commands()) + submitsOf(await r.commands(r.exchangeB));
    const late = await r.intent({ venue: 1 });
    const report = await waitFor('the denial', () => r.reportsFor(late.orderId), (x) => x.length > 0);
    expect(report[0]).toMatchObject({ status: ExecStatus.REJECTED, rejectReason: RejectReason.TRADING_HALTED });
    expect(submitsOf(await r.commands()) + submitsOf(await r.commands(r.exchangeB))).toBe(submitsBefore);
  });

  it('PAUSED denies; REDUCING passes an order that shrinks the position and denies one that grows it', async () => {
    const r = await rig();
    const long = await r.intent({ qty: 1, side: Side.BUY });
    await waitFor('the buy acknowledged', () => r.commands(), (c) => submitsOf(c, long.orderId) === 1);
    await r.exchangeA.invoke('fill', { orderId: long.orderId, qty: 1, price: 100 });
    await waitFor('the position', () => r.status(), (s) => s.positions['1:1'] === 1);

    r.setGate(TradingState.PAUSED);
    const paused = await r.intent({ side: Side.SELL, qty: 0.5, reduceOnly: 1 });
    expect((await waitFor('denial', () => r.reportsFor(paused.orderId), (x) => x.length > 0))[0]).toMatchObject({ rejectReason: RejectReason.TRADING_PAUSED });

    r.setGate(TradingState.REDUCING);
    const grows = await r.intent({ side: Side.BUY, qty: 0.5, reduceOnly: 1 });
    const unflagged = await r.intent({ side: Side.SELL, qty: 0.5, reduceOnly: 0 });
    const flips = await r.intent({ side: Side.SELL, qty: 1.5, reduceOnly: 1 });
    const shrinks = await r.intent({ side: Side.SELL, qty: 0.5, reduceOnly: 1 });
    for (const denied of [grows, unflagged, flips]) {
      expect((await waitFor('denial', () => r.reportsFor(denied.orderId), (x) => x.length > 0))[0]).toMatchObject({ status: ExecStatus.REJECTED, rejectReason: RejectReason.NOT_REDUCING });
    }
    await waitFor('the reducing sell at the venue', () => r.commands(), (c) => submitsOf(c, shrinks.orderId) === 1);
    const commands = await r.commands();
    for (const denied of [paused, grows, unflagged, flips]) expect(submitsOf(commands, denied.orderId)).toBe(0);
  });

  it('a SUBMITTED order without an ack is queried before anything is decided; one the venue never saw is sent again', async () => {
    const r = await rig();
    await r.exchangeA.invoke('behave', { ack: false });
    const silent = await r.intent();
    await waitFor('a QUERY after the ack timeout', () => r.commands(), (c) => c.some((x) => x.action === OrderAction.QUERY && x.orderId === silent.orderId));
    await waitFor('the order accepted from the query answer', () => r.status(), (s) => s.openOrders.some((o: { orderId: number; status: string }) => o.orderId === silent.orderId && o.status === 'ACCEPTED'));
    expect(submitsOf(await r.commands(), silent.orderId)).toBe(1);

    await r.exchangeA.invoke('behave', { ack: true, loseSubmits: 1 });
    const lost = await r.intent();
    await waitFor('a second SUBMIT after the venue said it never saw it', () => r.commands(), (c) => submitsOf(c, lost.orderId) === 2);
    await waitFor('the resubmitted order accepted', () => r.status(), (s) => s.openOrders.some((o: { orderId: number; status: string }) => o.orderId === lost.orderId && o.status === 'ACCEPTED'));
    const orders = (await r.exchangeA.invoke('orders', {})) as { orderId: number }[];
    expect(orders.filter((o) => o.orderId === lost.orderId)).toHaveLength(1);
  });

  it('retries only errors that are safe to retry', async () => {
    const r = await rig();
    await r.exchangeA.invoke('behave', { rejectSubmits: { reason: RejectReason.RATE_LIMITED, count: 1 } });
    const limited = await r.intent();
    await waitFor('the retried submit accepted', () => r.status(), (s) => s.openOrders.some((o: { orderId: number; status: string }) => o.orderId === limited.orderId && o.status === 'ACCEPTED'));
    expect(submitsOf(await r.commands(), limited.orderId)).toBe(2);
    // The strategy never saw the transient refusal; risk got a venue.error notice for it.
    expect((await r.reportsFor(limited.orderId)).map((m) => m.status)).toEqual([ExecStatus.ACCEPTED]);
    expect((await r.atRisk()).some((x) => x.kind === 'Control' && (x.message as unknown as { type: string }).type === 'venue.error')).toBe(true);

    await r.exchangeA.invoke('behave', { rejectSubmits: { reason: RejectReason.INSUFFICIENT_FUNDS, count: 1 } });
    const broke = await r.intent();
    const reports = await waitFor('the final reject', () => r.reportsFor(broke.orderId), (x) => x.length > 0);
    expect(reports[0]).toMatchObject({ status: ExecStatus.REJECTED, rejectReason: RejectReason.INSUFFICIENT_FUNDS });
    await new Promise((res) => setTimeout(res, 300));
    expect(submitsOf(await r.commands(), broke.orderId)).toBe(1);
  });

  it('bad frames are counted and the actor keeps handling good ones', async () => {
    const r = await rig();
    await r.risk.invoke('send', { peer: 'order-manager', raw: { type: 4242, version: 1, bytes: [1, 2, 3] } });
    await r.risk.invoke('send', { peer: 'order-manager', kind: 'Control', message: { type: 'venue.snapshot', requestId: 'x' } });
    const ok = await r.intent();
    await waitFor('the good intent submitted', () => r.commands(), (c) => submitsOf(c, ok.orderId) === 1);
    expect(r.om.stats().decodeErrors).toBe(1);
    expect((await r.status()).counters.badControl).toBe(1);
    expect(r.om.isAlive()).toBe(true);
  });

  it('refuses a config naming the bad field', async () => {
    const r = new OrderManagerRig({ venues: { '1': 'nowhere' } });
    rigs.push(r);
    await expect(r.up()).rejects.toThrow(/venues.1 names "nowhere"/);
  });
});
