import { afterEach, describe, expect, it } from 'vitest';
import { startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/index.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_BALANCES } from '../../actors/venue-sim/options.js';
import { OrderAction, OrderType, Side, TimeInForce, TradingState } from '../../src/domain/messages.js';
import { startActor, type ActorHandle } from '../../src/runtime/actor-handle.js';
import { TradingGateWriter, createTradingGate } from '../../src/runtime/trading-gate.js';
import { buildWiring } from '../../src/runtime/wiring.js';
import { CcxtClients } from '../venue-sim/ccxt-clients.js';

/**
 * The exchange actor answers the order manager's venue.reconcile with the emulator's own
 * view: our open orders and someone else's, and the account's trades with their client ids.
 */
const handles: ActorHandle[] = [];
const venues: RunningVenue[] = [];
const clients = new CcxtClients();
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.stop(5000)));
  await clients.closeAll();
  await Promise.all(venues.splice(0).map((v) => v.close()));
});

const omUrl = new URL('../fixtures/actors/pipeline-double.js', import.meta.url).href;

async function waitFor<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('exchange actor: venue.reconcile', () => {
  it('answers with every open order on the venue and our trades, client ids included', async () => {
    const venue = await startVenueEmulator({
      market: { kind: 'none' },
      accounts: [
        { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET, balances: { ...DEFAULT_BALANCES } },
        { apiKey: 'otherTraderKey', secret: 'otherTraderSecret', balances: { ...DEFAULT_BALANCES } },
      ],
    });
    venues.push(venue);
    const gate = createTradingGate();
    const writer = new TradingGateWriter(gate);
    writer.set(TradingState.ACTIVE);
    writer.renewLease(3_600_000);
    const wiring = buildWiring(
      [
        { name: 'exchange', path: 'root/exchange', sends: ['order-manager'], ringBytes: 1 << 18, fullPolicy: 'drop-newest' },
        { name: 'order-manager', path: 'root/order-manager', sends: ['exchange'], ringBytes: 1 << 14, fullPolicy: 'fail' },
      ],
      gate,
    );
    const om = await startActor({ path: 'root/order-manager', name: 'order-manager', kind: 'pipeline-double', moduleUrl: omUrl, config: {}, logLevel: 'silent' }, wiring.get('order-manager')!);
    handles.push(om);
    const exchange = await startActor(
      {
        path: 'root/exchange', name: 'exchange', kind: 'exchange', waitStrategy: 'park', startTimeoutMs: 30_000, heartbeatTimeoutMs: 10_000, logLevel: 'silent',
        config: { venue_id: 1, emulator: { http_url: venue.httpUrl, ws_url: venue.wsUrl }, instruments: [{ id: 7, symbol: 'BTC/USDT' }], user_stream: false },
      },
      wiring.get('exchange')!,
    );
    handles.push(exchange);

    // Ours: a resting buy (strategy 3, intent 1) and a buy that trades against another account.
    const submit = (intentId: number, price: number, qty: number) =>
      om.invoke('send', { peer: 'exchange', kind: 'OrderCommand', message: { action: OrderAction.SUBMIT, orderId: 3 * 2 ** 32 + intentId, venue: 1, instrument: 7, side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, price, qty, createdTsUs: 1 } });
    const other = clients.rest(venue, 1);
    await other.createOrder('BTC/USDT', 'limit', 'sell', 0.01, 30_000);
    await submit(1, 20_000, 0.01);
    await submit(2, 30_000, 0.01);
    // Someone else on our own account (a human on the venue UI).
    const same = clients.rest(venue, 0);
    await same.createOrder('BTC/USDT', 'limit', 'buy', 0.02, 10_000, { clientOrderId: 'web_manual_1' });
    await waitFor('both reports at the order manager', () => om.invoke('received', {}) as Promise<{ kind: string }[]>, (x) => x.filter((r) => r.kind === 'ExecutionReport').length >= 2);

    await om.invoke('send', { peer: 'exchange', kind: 'Control', message: { type: 'venue.reconcile', requestId: 'r1', sinceMs: 0 } });
    const received = await waitFor('the final snapshot chunk', () => om.invoke('received', {}) as Promise<{ kind: string; message: Record<string, any> }[]>, (x) => x.some((r) => r.kind === 'Control' && r.message.type === 'venue.snapshot' && r.message.final));
    const snapshot = received.find((r) => r.kind === 'Control' && r.message.type === 'venue.snapshot')!.message;
    expect(snapshot).toMatchObject({ requestId: 'r1', venue: 1, chunk: 0, final: true });
    expect(snapshot.openOrders.map((o: { clientOrderId: string }) => o.clientOrderId).sort()).toEqual(['bot4-3-1', 'web_manual_1']);
    expect(snapshot.openOrders.find((o: { clientOrderId: string }) => o.clientOrderId === 'bot4-3-1')).toMatchObject({ instrument: 7, side: Side.BUY, qty: 0.01, cumQty: 0, price: 20_000, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, reduceOnly: 0 });
    // The balances of the instruments' assets: 0.01 BTC bought for 300 USDT (fees aside).
    expect(snapshot.balances.map((b: { asset: string }) => b.asset)).toEqual(['BTC', 'USDT']);
    const total = (asset: string) => snapshot.balances.find((b: { asset: string }) => b.asset === asset).total as number;
    expect(total('BTC')).toBeGreaterThan(1.009);
    expect(total('BTC')).toBeLessThanOrEqual(1.01);
    expect(total('USDT')).toBeLessThanOrEqual(100_000 - 300);
    expect(total('USDT')).toBeGreaterThan(100_000 - 301);
    expect(snapshot.fills).toHaveLength(1);
    expect(snapshot.fills[0]).toMatchObject({ clientOrderId: 'bot4-3-2', instrument: 7, side: Side.BUY, qty: 0.01, price: 30_000 });

    // A malformed request is refused with a reason; the actor carries on.
    await om.invoke('send', { peer: 'exchange', kind: 'Control', message: { type: 'venue.reconcile', requestId: '' } });
    await om.invoke('send', { peer: 'exchange', kind: 'Control', message: { type: 'venue.reconcile', requestId: 'r2', sinceMs: Date.now() + 60_000 } });
    const again = await waitFor('the second answer', () => om.invoke('received', {}) as Promise<{ kind: string; message: Record<string, any> }[]>, (x) => x.some((r) => r.kind === 'Control' && r.message.requestId === 'r2'));
    expect(again.find((r) => r.message.requestId === 'r2')!.message.fills).toEqual([]);

    // A cancel-all confirmation asks for open orders only: the same open orders, no trades read.
    await om.invoke('send', { peer: 'exchange', kind: 'Control', message: { type: 'venue.reconcile', requestId: 'r3', sinceMs: 0, openOrdersOnly: true } });
    const third = await waitFor('the open-orders-only answer', () => om.invoke('received', {}) as Promise<{ kind: string; message: Record<string, any> }[]>, (x) => x.some((r) => r.kind === 'Control' && r.message.requestId === 'r3'));
    const openOnly = third.find((r) => r.message.requestId === 'r3')!.message;
    expect(openOnly.openOrders.map((o: { clientOrderId: string }) => o.clientOrderId).sort()).toEqual(['bot4-3-1', 'web_manual_1']);
    expect(openOnly.fills).toEqual([]);
  });

  it('a user-data stream back after a dropped connection sends venue.stream-gap to the order manager', async () => {
    const venue = await startVenueEmulator({ market: { kind: 'none' } });
    venues.push(venue);
    const gate = createTradingGate();
    const writer = new TradingGateWriter(gate);
    writer.set(TradingState.ACTIVE);
    writer.renewLease(3_600_000);
    const wiring = buildWiring(
      [
        { name: 'exchange', path: 'root/exchange', sends: ['order-manager'], ringBytes: 1 << 18, fullPolicy: 'drop-newest' },
        { name: 'order-manager', path: 'root/order-manager', sends: ['exchange'], ringBytes: 1 << 14, fullPolicy: 'fail' },
      ],
      gate,
    );
    const om = await startActor({ path: 'root/order-manager', name: 'order-manager', kind: 'pipeline-double', moduleUrl: omUrl, config: {}, logLevel: 'silent' }, wiring.get('order-manager')!);
    handles.push(om);
    const exchange = await startActor(
      {
        path: 'root/exchange', name: 'exchange', kind: 'exchange', waitStrategy: 'park', startTimeoutMs: 30_000, heartbeatTimeoutMs: 10_000, logLevel: 'silent',
        config: { venue_id: 1, emulator: { http_url: venue.httpUrl, ws_url: venue.wsUrl }, instruments: [{ id: 7, symbol: 'BTC/USDT' }], reconnect: { min_ms: 50, max_ms: 200, jitter: 0 } },
      },
      wiring.get('exchange')!,
    );
    handles.push(exchange);
    let intentId = 0;
    const submit = () =>
      om.invoke('send', { peer: 'exchange', kind: 'OrderCommand', message: { action: OrderAction.SUBMIT, orderId: 3 * 2 ** 32 + ++intentId, venue: 1, instrument: 7, side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, price: 10_000 + intentId, qty: 0.001, createdTsUs: 1 } });
    const gaps = async () => ((await om.invoke('received', {})) as { kind: string; message: Record<string, any> }[]).filter((r) => r.kind === 'Control' && r.message.type === 'venue.stream-gap');
    const health = async () => (await exchange.invoke('health', {})) as { userStream: { up: boolean; failures: number } };
    // The stream delivers (an order event): up, and no gap yet.
    await submit();
    await waitFor('the user stream delivering', health, (h) => h.userStream.up && venue.connectionCount('user') > 0);
    expect(await gaps()).toEqual([]);
    venue.faults.dropConnections('user');
    await waitFor('the user stream down', health, (h) => h.userStream.failures > 0);
    // A watch resolves on data: order events bring it back (more than one if the first comes before the resubscription).
    const notices = await waitFor('venue.stream-gap at the order manager', async () => {
      if ((await gaps()).length === 0) await submit();
      return gaps();
    }, (x) => x.length > 0);
    expect(notices[0]!.message).toMatchObject({ type: 'venue.stream-gap', venue: 1 });
    expect(notices[0]!.message.detail).toMatch(/delivering again/);
  });
});
