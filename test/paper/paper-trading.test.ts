import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER, PaperRig, findNode as find, positionQty, venueNetQty, venueOpen, type TreeNode as Node } from './paper-rig.js';

/**
 * Issue 6's acceptance, end to end, as a user runs it: the real `bot4 start` process (kill
 * switch, risk, two exchange actors, the order manager and three strategies on worker
 * threads) trading against two venue emulators that this test runs (paper-rig.ts). One
 * process serves the four steps, in order.
 */
let rig: PaperRig;
const status = () => rig.status();
const until = <T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs?: number) => rig.until(what, probe, ok, timeoutMs);

beforeAll(async () => {
  rig = await PaperRig.start();
}, 90_000);

afterAll(async () => {
  await rig?.close();
}, 60_000);

describe('paper trading: bot4 start against two emulated venues', () => {
  it('tick -> strategy -> risk -> order manager -> exchange -> emulator -> fill -> position, seen in status', async () => {
    const [a, b] = rig.venues;
    // B trades 20 bps above A: the arbitrage buys on A and sells on B at once (its 0.004 BTC on B).
    const traded = await until('positions on both venues', status, (s) => positionQty(s, 1) !== 0 && positionQty(s, 2) !== 0, 45_000);
    expect(traded.trading.state).toBe('ACTIVE');
    expect(Number(traded.pnl!.fees)).toBeGreaterThan(0);
    // The position in status is the venue's own account of our trades.
    await until('status positions to equal the venues\' trade lists', async () => {
      const s = await status();
      return { status: [positionQty(s, 1), positionQty(s, 2)], venues: [await venueNetQty(a), await venueNetQty(b)] };
    }, (x) => x.status[0] === x.venues[0] && x.status[1] === x.venues[1]);
    // The market makers' quotes rest on both venues, and the order manager knows them.
    const quoting = await until('quotes resting on both venues', status, (s) => [1, 2].every((v) => s.openOrders!.some((o) => o.venue === v && o.status === 'ACCEPTED')));
    expect(quoting.unavailable).toEqual([]);
  }, 60_000);

  it('a strategy killed: its earlier quotes are cancelled and its intent ids never repeat', async () => {
    const before = (await status()).openOrders!.filter((o) => o.venue === 1 && o.clientOrderId.startsWith('bot4-1-')).map((o) => o.clientOrderId);
    expect(before.length).toBeGreaterThan(0);
    expect((await rig.admin.request('actor.kill', { path: 'root/strategies/mm-a' })).ok).toBe(true);
    await until('mm-a running again', () => rig.admin.call<Node>('tree'), (t) => find(t, 'root/strategies/mm-a')?.restarts === 1 && find(t, 'root/strategies/mm-a')?.status === 'running');
    // Ids of the new incarnation start after the reserved block (intent_id_block 1000).
    const after = await until(
      "the old quotes gone from venue A and the new incarnation's quoting",
      async () => ({ open: await venueOpen(rig.venues[0]), status: await status() }),
      (x) => before.every((id) => !x.open.includes(id)) && x.status.openOrders!.some((o) => o.venue === 1 && o.strategy === 1 && o.intentId > 1000),
    );
    expect(after.status.openOrders!.filter((o) => o.strategy === 1).every((o) => o.intentId > 1000)).toBe(true);
  }, 45_000);

  it('order manager killed mid-flight: after its restart no order is duplicated or lost, and its books match the venues\'', async () => {
    const killed = await rig.admin.request('actor.kill', { path: 'root/execution/order-manager' });
    expect(killed.ok).toBe(true);
    await until('the order manager running again', () => rig.admin.call<Node>('tree'), (t) => find(t, 'root/execution/order-manager')?.status === 'running' && find(t, 'root/execution/order-manager')?.restarts === 1);
    await until(
      'reconciliation with both venues',
      () => rig.admin.call<{ snapshot: { reconciliation: Record<string, string> } }>('actor.get', { path: 'root/execution/order-manager' }),
      (d) => Object.values(d.snapshot.reconciliation).every((s) => s === 'reconciled'),
    );
    // The market makers quote on both venues again before the books are frozen: comparing two
    // empty books would prove nothing.
    await until("the market makers' quotes accepted on both venues", status, (s) => [1, 2].every((v) => s.openOrders!.some((o) => o.venue === v && o.status === 'ACCEPTED')));
    // Freeze new orders (open ones stay) so the books can be compared at rest.
    await rig.admin.call('mode.set', { mode: 'paused' });
    try {
      const compared = await until(
        "the order manager's open orders to equal each venue's",
        async () => {
          const s = await status();
          const settled = s.openOrders!.every((o) => o.inflight === null && (o.status === 'ACCEPTED' || o.status === 'PARTIALLY_FILLED'));
          const ours = [1, 2].map((venue) => s.openOrders!.filter((o) => o.venue === venue).map((o) => o.clientOrderId).sort());
          return { settled, ours, venues: [await venueOpen(rig.venues[0]), await venueOpen(rig.venues[1])] };
        },
        (x) => x.settled && JSON.stringify(x.ours) === JSON.stringify(x.venues),
      );
      expect(compared.venues.flat().length).toBeGreaterThan(0);
      for (const v of rig.venues) {
        const duplicated = [...v.accepted].filter(([, ids]) => ids.size > 1);
        expect(duplicated).toEqual([]);
        expect(v.accepted.size).toBeGreaterThan(0);
      }
    } finally {
      // Later steps need an ACTIVE bot even when this one fails.
      await rig.admin.call('mode.set', { mode: 'active' });
    }
  }, 60_000);

  it('kill switch tripped with orders resting: all cancelled on both venues, no new order after', async () => {
    await until('orders resting on both venues', async () => Promise.all(rig.venues.map(venueOpen)), (open) => open.every((ids) => ids.length > 0));
    const tripped = await rig.admin.call<{ state: string }>('killswitch.trip', { reason: 'paper e2e: trip with orders resting' });
    expect(tripped.state).toBe('HALTED');
    await until('no open order on either venue', async () => Promise.all(rig.venues.map(venueOpen)), (open) => open.every((ids) => ids.length === 0));
    const submitted = rig.venues.map((v) => v.requests.get(ORDER) ?? 0);
    // The strategies keep deciding on every book for a while; nothing may reach a venue.
    await new Promise((r) => setTimeout(r, 2500));
    expect(rig.venues.map((v) => v.requests.get(ORDER) ?? 0)).toEqual(submitted);
    expect(await Promise.all(rig.venues.map(venueOpen))).toEqual([[], []]);
    const s = await status();
    expect(s.trading.state).toBe('HALTED');
    expect(s.openOrders).toEqual([]);
  }, 45_000);
});
