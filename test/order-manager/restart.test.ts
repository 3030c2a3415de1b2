import { appendFileSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { OrderAction, Side } from '../../src/domain/messages.js';
import { OrderManagerRig, waitFor, type Command } from './harness.js';

const rigs: OrderManagerRig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.down()));
});

const submitsPerOrder = (commands: Command[]): Map<number, number> => {
  const counts = new Map<number, number>();
  for (const c of commands) if (c.action === OrderAction.SUBMIT) counts.set(c.orderId, (counts.get(c.orderId) ?? 0) + 1);
  return counts;
};

describe('order manager: killed mid-flight and restarted', () => {
  it('no order is duplicated or lost: journal replay plus reconciliation against the venue', async () => {
    const r = new OrderManagerRig();
    rigs.push(r);
    await r.up();
    const sent: number[] = [];
    for (let i = 0; i < 20; i++) sent.push((await r.intent({ qty: 0.01 * (i + 1), price: 100 + i })).orderId);
    await waitFor('some orders at the venue', () => r.commands(), (c) => c.length >= 5);
    await r.om.kill(); // mid-flight: some intents are still in its ring
    // The venue keeps trading while the order manager is down: a fill it must learn about.
    const firstOrder = sent[0]!;
    await r.exchangeA.invoke('fill', { orderId: firstOrder, qty: 0.01, price: 100 });
    // Someone else's order on the same account, and intents queued while it is down,
    // including one that repeats an intent already sent (redelivery).
    await r.exchangeA.invoke('external', { clientOrderId: 'web_manual_1', instrument: 1, side: Side.SELL, qty: 0.2, price: 150 });
    for (let i = 0; i < 10; i++) sent.push((await r.intent({ qty: 0.001 * (i + 1), price: 90 })).orderId);
    await r.risk.invoke('send', { peer: 'order-manager', kind: 'OrderIntent', message: { strategy: 3, intentId: 2, venue: 1, instrument: 1, side: Side.BUY, type: 1, timeInForce: 1, reduceOnly: 0, price: 101, qty: 0.02, expectedPrice: 101, createdTsUs: 1 } });

    await r.startOrderManager();
    const status = await waitFor('every intent open or filled at the venue', () => r.status(), (s) => s.openOrders.length === sent.length - 1 && s.counters.fills + s.recentFills.length >= 1);
    const orders = (await r.exchangeA.invoke('orders', {})) as { orderId: number }[];
    expect(orders.filter((o) => o.orderId !== 0).map((o) => o.orderId).sort((x, y) => x - y)).toEqual([...sent].sort((x, y) => x - y));
    const submits = submitsPerOrder(await r.commands());
    expect([...submits.keys()].sort((x, y) => x - y)).toEqual([...sent].sort((x, y) => x - y));
    expect([...submits.values()].every((n) => n === 1)).toBe(true);
    expect(status.reconciliation['1']).toMatchObject({ status: 'reconciled', summary: { adoptedExternal: 1 } });
    expect(status.externalOrders.map((o: { clientOrderId: string }) => o.clientOrderId)).toEqual(['web_manual_1']);
    expect(status.journal.replayedOrders).toBeGreaterThan(0);
    // The fill that happened while it was down (queued in the ring, and listed again in the
    // venue's snapshot) reached risk exactly once.
    const fills = (await r.atRisk()).filter((x) => x.kind === 'Fill' && x.message.orderId === firstOrder);
    expect(fills).toHaveLength(1);
  });

  it('a journal line cut short by a crash is skipped and reported, the rest replayed', async () => {
    const r = new OrderManagerRig();
    rigs.push(r);
    await r.up();
    const { orderId } = await r.intent();
    await waitFor('the order acknowledged', () => r.status(), (s) => s.openOrders.some((o: { status: string }) => o.status === 'ACCEPTED'));
    await r.om.kill();
    appendFileSync(r.journal, '{"v":1,"status":"ACC');
    await r.startOrderManager();
    const status = await r.status();
    expect(status.journal.skippedLines).toBe(1);
    expect(status.journal.problems[0]).toMatch(/not valid JSON/);
    expect(status.openOrders.map((o: { orderId: number }) => o.orderId)).toEqual([orderId]);
    expect(status.reconciliation['1'].summary).toMatchObject({ matched: 1 });
    // The compacted journal is whole again.
    expect(() => readFileSync(r.journal, 'utf8').trim().split('\n').forEach((l) => JSON.parse(l))).not.toThrow();
  });

  it('fills.replay from risk after a restart: every fill the order manager holds, once each, to risk only', async () => {
    const r = new OrderManagerRig();
    rigs.push(r);
    await r.up();
    const a = (await r.intent({ qty: 0.5, price: 100 })).orderId;
    const b = (await r.intent({ qty: 0.2, price: 101, side: Side.SELL })).orderId;
    await waitFor('both orders acknowledged', () => r.status(), (s) => s.openOrders.filter((o: { status: string }) => o.status === 'ACCEPTED').length === 2);
    const t1 = (await r.exchangeA.invoke('fill', { orderId: a, qty: 0.1, price: 100 })) as number;
    const t2 = (await r.exchangeA.invoke('fill', { orderId: b, qty: 0.2, price: 101, fee: 0.02 })) as number;
    await waitFor('both fills booked', () => r.status(), (s) => s.counters.fills === 2);
    await r.om.kill();
    // Filled while the order manager was down: its restart learns of it from the ring or the venue.
    const t3 = (await r.exchangeA.invoke('fill', { orderId: a, qty: 0.4, price: 99 })) as number;
    await r.startOrderManager();
    await r.risk.invoke('clear', {});
    await r.risk.invoke('send', { peer: 'order-manager', kind: 'Control', message: { type: 'fills.replay' } });
    const received = await waitFor('the final fills.known', () => r.atRisk(), (x) => x.some((m) => m.kind === 'Control' && (m.message as unknown as { type: string; final: boolean }).final));
    const known = received.filter((m) => m.kind === 'Control').flatMap((m) => (m.message as unknown as { fills: Array<Record<string, number>> }).fills);
    expect(known.map((f) => [f.orderId, f.tradeId, f.side, f.qty, f.price, f.fee]).sort((x, y) => x[1]! - y[1]!)).toEqual([
      [a, t1, Side.BUY, 0.1, 100, 0], [b, t2, Side.SELL, 0.2, 101, 0.02], [a, t3, Side.BUY, 0.4, 99, 0],
    ]);
    expect((await r.status()).counters).toMatchObject({ fillReplays: 1, fillsReplayed: 3 });
    // Only risk may ask: the fills go to risk alone.
    await r.ks.invoke('send', { peer: 'order-manager', kind: 'Control', message: { type: 'fills.replay' } });
    await r.risk.invoke('send', { peer: 'order-manager', kind: 'Control', message: { type: 'fills.replay', since: 0 } });
    await waitFor('both refused', () => r.status(), (s) => s.counters.badControl === 2);
    expect((await r.status()).counters.fillReplays).toBe(1);
  });
});
