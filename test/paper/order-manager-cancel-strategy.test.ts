import { afterEach, describe, expect, it } from 'vitest';
import { ExecStatus, OrderAction } from '../../src/domain/messages.js';
import { OrderManagerRig, waitFor } from '../order-manager/harness.js';

/**
 * `order.cancel-strategy`: a restarted strategy asks the order manager to cancel what its
 * earlier incarnations left open (intentId below its first new id), on every venue; the
 * strategy's newer orders and other strategies' orders stay.
 */
const rigs: OrderManagerRig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.down()));
});

const cancelsOf = (commands: { action: number; orderId: number }[]) => commands.filter((c) => c.action === OrderAction.CANCEL).map((c) => c.orderId).sort();

describe('order manager: order.cancel-strategy', () => {
  it('cancels the strategy\'s older open orders on every venue and nothing else', async () => {
    const r = new OrderManagerRig();
    rigs.push(r);
    await r.up();
    const oldA = await r.intent({ strategy: 3, intentId: 1, venue: 1 });
    const oldB = await r.intent({ strategy: 3, intentId: 2, venue: 2, instrument: 2, qty: 0.1, price: 2000 });
    const newer = await r.intent({ strategy: 3, intentId: 1001, venue: 1 });
    const other = await r.intent({ strategy: 5, intentId: 1, venue: 1 });
    await waitFor('four orders acknowledged', () => r.status(), (s) => s.openOrders.filter((o: { status: string }) => o.status === 'ACCEPTED').length === 4);

    await r.risk.invoke('send', { peer: 'order-manager', kind: 'Control', message: { type: 'order.cancel-strategy', strategy: 3, belowIntentId: 1001 } });
    const status = await waitFor('the old orders cancelled', () => r.status(), (s) => s.openOrders.length === 2);
    expect(status.openOrders.map((o: { orderId: number }) => o.orderId).sort()).toEqual([newer.orderId, other.orderId].sort());
    expect(status.counters.strategyRestartCancels).toBe(2);
    expect(status.strategyRestarts).toEqual({ 3: 1001 });
    expect(cancelsOf(await r.commands(r.exchangeA))).toEqual([oldA.orderId]);
    expect(cancelsOf(await r.commands(r.exchangeB))).toEqual([oldB.orderId]);
    expect((await r.reportsFor(oldA.orderId)).at(-1)!.status).toBe(ExecStatus.CANCELED);
  });

  it('names a malformed request and keeps working', async () => {
    const r = new OrderManagerRig();
    rigs.push(r);
    await r.up();
    await r.risk.invoke('send', { peer: 'order-manager', kind: 'Control', message: { type: 'order.cancel-strategy', strategy: 3, belowIntentId: 0 } });
    await waitFor('the bad request counted', () => r.status(), (s) => s.counters.badControl === 1);
    const { orderId } = await r.intent({ strategy: 3, intentId: 7 });
    await waitFor('a later intent submitted', () => r.commands(), (c) => c.some((x) => x.action === OrderAction.SUBMIT && x.orderId === orderId));
  });
});
