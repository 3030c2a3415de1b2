import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/server.js';
import type { SimulatedMarket } from '../../actors/venue-sim/simulated-market.js';
import { CcxtClients, watchUntil } from './ccxt-clients.js';

// ccxt may reject a ws-api future nobody awaits (spec section 3); it must not fail the run
const ignoreCcxtRejection = (): void => undefined;
beforeAll(() => {
  process.on('unhandledRejection', ignoreCcxtRejection);
});
afterAll(() => {
  process.off('unhandledRejection', ignoreCcxtRejection);
});

describe('venue emulator with ccxt.pro WebSocket', () => {
  let venue: RunningVenue;
  const clients = new CcxtClients();

  afterEach(async () => {
    await clients.closeAll();
    await venue.close();
  });

  it('watchOrderBook builds the same book the venue published', async () => {
    venue = await startVenueEmulator({ market: { kind: 'simulated', seed: 5, stepMs: 150 } });
    const exchange = clients.ws(venue);
    await exchange.loadMarkets();
    const source = venue.venue.source('BTCUSDT') as SimulatedMarket;
    let compared = 0;
    await watchUntil(
      () => exchange.watchOrderBook('BTC/USDT'),
      (book) => {
        const published = source.depthSnapshot(1000);
        if (book.nonce !== published.lastUpdateId) return false; // the venue stepped meanwhile
        expect(book.bids.map(([p, q]) => [p, q])).toEqual(published.bids.map(([p, q]) => [Number(p), Number(q)]));
        expect(book.asks.map(([p, q]) => [p, q])).toEqual(published.asks.map(([p, q]) => [Number(p), Number(q)]));
        return ++compared >= 5;
      },
    );
    expect(compared).toBe(5);
  });

  it('watchTrades, watchTicker (mini and full) deliver the market', async () => {
    venue = await startVenueEmulator({ market: { kind: 'simulated', seed: 6, stepMs: 40 }, tickerIntervalMs: 100 });
    const exchange = clients.ws(venue);
    await exchange.loadMarkets();
    const trades = await exchange.watchTrades('BTC/USDT');
    expect(trades.length).toBeGreaterThan(0);
    expect(trades[0]?.price).toBeGreaterThan(0);
    expect(['buy', 'sell']).toContain(trades[0]?.side);
    const mini = await exchange.watchTicker('BTC/USDT');
    expect(mini.last).toBeGreaterThan(0);
    const full = await exchange.watchTicker('BTC/USDT', { name: 'ticker' });
    expect(full.bid).toBeGreaterThan(0);
    expect(full.bid).toBeLessThan(full.ask!);
  });

  it('delivers partial fills from another user through watchOrders', async () => {
    venue = await startVenueEmulator({
      market: { kind: 'none' },
      accounts: [
        { name: 'buyer', apiKey: 'buyerKey01', secret: 'buyerSecret', balances: { USDT: '100000' } },
        { name: 'seller', apiKey: 'sellerKey01', secret: 'sellerSecret', balances: { BTC: '5' } },
      ],
    });
    const buyer = clients.ws(venue, 0);
    const seller = clients.rest(venue, 1);
    await Promise.all([buyer.loadMarkets(), seller.loadMarkets()]);
    const firstUpdate = buyer.watchOrders('BTC/USDT');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the user-data subscription is in place
    const placed = await buyer.createOrder('BTC/USDT', 'limit', 'buy', 1, 50000);
    expect((await firstUpdate).map((o) => o.status)).toContain('open');
    // watch first, then act: ccxt only resolves watches that are already waiting
    const partialUpdate = watchUntil(() => buyer.watchOrders('BTC/USDT'), (orders) => orders.some((o) => o.id === placed.id && o.filled === 0.4));
    await seller.createOrder('BTC/USDT', 'limit', 'sell', 0.4, 50000);
    const partial = await partialUpdate;
    expect(partial.find((o) => o.id === placed.id)?.status).toBe('open');
    const closedUpdate = watchUntil(() => buyer.watchOrders('BTC/USDT'), (orders) => orders.some((o) => o.id === placed.id && o.status === 'closed'));
    await seller.createOrder('BTC/USDT', 'market', 'sell', 0.6);
    const done = await closedUpdate;
    expect(done.find((o) => o.id === placed.id)?.filled).toBe(1);
    const balance = await buyer.fetchBalance();
    expect((balance as unknown as Record<string, Record<string, number>>).total?.BTC).toBeCloseTo(1 - 0.001, 8);
  });

  it('delivers partial fills of a resting order as the market trades through it (watchMyTrades)', async () => {
    venue = await startVenueEmulator({
      // a mid that does not move: sellers keep hitting the best bid, where our order waits
      market: { kind: 'simulated', seed: 8, stepMs: 30, tradesPerStep: 3, stepVolatility: 0, noiseVolatility: 0 },
      accounts: [{ apiKey: 'wsTestKey01', secret: 'wsTestSecret', balances: { USDT: '1000000' } }],
    });
    const exchange = clients.ws(venue);
    await exchange.loadMarkets();
    const source = venue.venue.source('BTCUSDT') as SimulatedMarket;
    const firstTrades = exchange.watchMyTrades('BTC/USDT');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const price = Number(source.bestBid()!.price) / 1e8;
    const placed = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 1, price);
    expect(placed.status).toBe('open');
    const seen: { order?: string; amount?: number; price?: number; takerOrMaker?: string }[] = [...(await firstTrades)];
    while (seen.filter((t) => t.order === placed.id).length < 2) seen.push(...(await exchange.watchMyTrades('BTC/USDT')));
    const fills = seen.filter((t) => t.order === placed.id);
    for (const fill of fills) {
      expect(fill.takerOrMaker).toBe('maker');
      expect(fill.price).toBeCloseTo(price, 8);
      expect(fill.amount).toBeLessThan(1);
    }
    const order = await exchange.fetchOrder(placed.id as string, 'BTC/USDT');
    expect(order.filled).toBeGreaterThan(0);
  });

  it('rejects a ws-api subscription signed with the wrong secret, and keeps serving', async () => {
    venue = await startVenueEmulator({ market: { kind: 'simulated', seed: 9, stepMs: 100 } });
    const bad = clients.ws(venue, 0, { secret: 'wrongSecret123' });
    await bad.loadMarkets();
    await expect(bad.watchOrders('BTC/USDT')).rejects.toThrow(/Signature for this request is not valid/);
    const good = clients.ws(venue);
    await good.loadMarkets();
    const book = await good.watchOrderBook('BTC/USDT');
    expect(book.bids.length).toBeGreaterThan(0);
  });
});
