import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { orderIdFor } from '../../actors/order-manager/client-order-id.js';
import { ccxtBinanceOptions } from '../../actors/venue-sim/ccxt-connection.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET } from '../../actors/venue-sim/options.js';
import { ExecStatus, OrderAction, OrderType, Side, TimeInForce, type OrderCommand } from '../../src/domain/messages.js';
import { BTC, VENUE_ID, startExchangeSystem, waitFor, type ExchangeSystem } from './harness.js';

/**
 * REST polling as the fallback for the user-data stream: with `user_stream: false` the
 * actor never opens the stream, and what happens to its order on the venue without a
 * reply to one of its own calls (another account filling it in two parts, the order being
 * cancelled from outside) reaches it only by polling: each change reported once, each
 * trade one Fill, nothing repeated by later polls.
 */
let system: ExchangeSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

const TAKER = { name: 'taker', apiKey: 'takerAccountKey1', secret: 'takerAccountSecret1', balances: { USDT: '100000' } };
const POLL_MS = 200;

type Report = { orderId: number; status: number; cumQty: number; leavesQty: number; lastQty: number; venueOrderId: number };
type FillFrame = { orderId: number; qty: number; price: number; tradeId: number; side: number };

describe('exchange actor with the user-data stream off', () => {
  it('learns partial fills and an outside cancel by REST polling, each exactly once', async () => {
    system = await startExchangeSystem({
      venue: { market: { kind: 'none' }, accounts: [{ apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET, balances: { USDT: '100000', BTC: '1' } }, TAKER] },
      config: { user_stream: false, order_poll_ms: POLL_MS },
    });
    const s = system;
    const endpoints = { httpUrl: s.venue.httpUrl, wsUrl: s.venue.wsUrl };
    const taker = new ccxt.binance(ccxtBinanceOptions(endpoints, TAKER));
    const ourAccountElsewhere = new ccxt.binance(ccxtBinanceOptions(endpoints, { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET }));
    await Promise.all([taker.loadMarkets(), ourAccountElsewhere.loadMarkets()]);

    const reports = async (orderId: number): Promise<Report[]> =>
      (await s.received()).filter((f) => f.kind === 'ExecutionReport' && f.message.orderId === orderId).map((f) => f.message as unknown as Report);
    const fills = async (orderId: number): Promise<FillFrame[]> =>
      (await s.received()).filter((f) => f.kind === 'Fill' && f.message.orderId === orderId).map((f) => f.message as unknown as FillFrame);

    const order: OrderCommand = {
      action: OrderAction.SUBMIT, orderId: orderIdFor(1, 501), venue: VENUE_ID, instrument: BTC, side: Side.SELL,
      type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, reduceOnly: 0, price: 60_000, qty: 0.003, createdTsUs: 1,
    };
    expect(await s.sender.invoke('command', { peer: 'exchange', message: order })).toBe(true);
    await waitFor(() => reports(order.orderId), (r) => r.some((x) => x.status === ExecStatus.ACCEPTED), 'the ack');

    await taker.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 60_000);
    const first = await waitFor(() => reports(order.orderId), (r) => r.some((x) => x.status === ExecStatus.PARTIALLY_FILLED), 'the first partial fill');
    expect(first.find((x) => x.status === ExecStatus.PARTIALLY_FILLED)).toMatchObject({ cumQty: 0.001, leavesQty: 0.002 });
    await waitFor(() => fills(order.orderId), (f) => f.length === 1, 'the first Fill');

    await taker.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 60_000);
    await waitFor(() => reports(order.orderId), (r) => r.some((x) => x.status === ExecStatus.PARTIALLY_FILLED && Math.abs(x.cumQty - 0.002) < 1e-12), 'the second partial fill');
    await waitFor(() => fills(order.orderId), (f) => f.length === 2, 'the second Fill');

    // Several more polls see the same state: nothing is reported again.
    const pollsSoFar = s.tap.count('GET /api/v3/myTrades');
    await waitFor(async () => s.tap.count('GET /api/v3/myTrades'), (n) => n >= pollsSoFar + 3, 'three more polls');
    const afterPolls = await reports(order.orderId);
    expect(afterPolls.map((r) => [r.status, r.cumQty])).toEqual([[ExecStatus.ACCEPTED, 0], [ExecStatus.PARTIALLY_FILLED, 0.001], [ExecStatus.PARTIALLY_FILLED, 0.002]]);
    const twoFills = await fills(order.orderId);
    expect(twoFills.map((f) => [f.qty, f.price, f.side])).toEqual([[0.001, 60_000, Side.SELL], [0.001, 60_000, Side.SELL]]);
    expect(new Set(twoFills.map((f) => f.tradeId)).size).toBe(2);

    // Cancelled on the venue by someone else holding our keys (a web UI, another script).
    const [open] = await ourAccountElsewhere.fetchOpenOrders('BTC/USDT');
    await ourAccountElsewhere.cancelOrder(open!.id!, 'BTC/USDT');
    const final = await waitFor(() => reports(order.orderId), (r) => r.some((x) => x.status === ExecStatus.CANCELED), 'the cancel');
    expect(final.filter((x) => x.status === ExecStatus.CANCELED)).toEqual([expect.objectContaining({ cumQty: 0.002 })]);

    const health = (await s.health()) as unknown as { userStream: { up: boolean; disabled?: boolean }; orders: { open: number } };
    expect(health.userStream).toEqual({ up: false, disabled: true });
    expect(health.orders.open).toBe(0);
    expect(s.venue.connectionCount('user')).toBe(0);
    expect(s.tap.count('GET /api/v3/order')).toBeGreaterThanOrEqual(3);
  });
});
