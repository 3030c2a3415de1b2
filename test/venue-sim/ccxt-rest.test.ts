import ccxt from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/server.js';
import { CcxtClients } from './ccxt-clients.js';

/** ccxt's balance map of one kind ('free' | 'used' | 'total'), typed loosely as ccxt returns it. */
const amounts = (balance: object, kind: 'free' | 'used' | 'total'): Record<string, number> =>
  (balance as Record<string, Record<string, number>>)[kind] ?? {};

describe('venue emulator with ccxt REST', () => {
  let venue: RunningVenue;
  const clients = new CcxtClients();

  beforeEach(async () => {
    venue = await startVenueEmulator({ market: { kind: 'simulated', seed: 11, stepMs: 50 } });
  });
  afterEach(async () => {
    await clients.closeAll();
    await venue.close();
  });

  it('binds to 127.0.0.1 and loads markets with their real filters in one call', async () => {
    expect(venue.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const exchange = clients.rest(venue);
    const markets = await exchange.loadMarkets();
    const btc = markets['BTC/USDT'];
    expect(btc?.precision).toMatchObject({ amount: 0.00001, price: 0.01 });
    expect(btc?.limits.cost?.min).toBe(5);
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
  });

  it('serves order book, ticker and balance', async () => {
    const exchange = clients.rest(venue);
    await exchange.loadMarkets();
    const book = await exchange.fetchOrderBook('BTC/USDT', 10);
    expect(book.bids.length).toBeGreaterThan(0);
    expect(book.asks.length).toBeGreaterThan(0);
    expect(book.bids[0]![0]!).toBeLessThan(book.asks[0]![0]!);
    expect(typeof book.nonce).toBe('number');
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the market print some trades
    const ticker = await exchange.fetchTicker('BTC/USDT');
    expect(ticker.last).toBeGreaterThan(0);
    expect(ticker.bid).toBeLessThan(ticker.ask!);
    const balance = await exchange.fetchBalance();
    expect(amounts(balance, 'total')).toMatchObject({ USDT: 100000, BTC: 1, ETH: 10 });
  });

  it('creates, queries and cancels limit orders; fills market orders; lists trades', async () => {
    const exchange = clients.rest(venue);
    await exchange.loadMarkets();
    const limit = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 40000);
    expect(limit.status).toBe('open');
    expect((await exchange.fetchOrder(limit.id as string, 'BTC/USDT')).status).toBe('open');
    expect((await exchange.fetchOpenOrders('BTC/USDT')).map((o) => o.id)).toEqual([limit.id]);
    expect(amounts(await exchange.fetchBalance(), 'used').USDT).toBeCloseTo(400, 6);
    const cancelled = await exchange.cancelOrder(limit.id as string, 'BTC/USDT');
    expect(cancelled.status).toBe('canceled');
    expect((await exchange.fetchOrder(limit.id as string, 'BTC/USDT')).status).toBe('canceled');

    const market = await exchange.createOrder('BTC/USDT', 'market', 'buy', 0.01);
    expect(market.status).toBe('closed');
    expect(market.filled).toBeCloseTo(0.01, 8);
    expect(market.fee?.currency).toBe('BTC');
    const sold = await exchange.createOrder('BTC/USDT', 'market', 'sell', 0.005);
    expect(sold.status).toBe('closed');
    const trades = await exchange.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => t.order)).toEqual(expect.arrayContaining([market.id, sold.id]));
    expect(trades.every((t) => t.takerOrMaker === 'taker')).toBe(true);
    const balance = await exchange.fetchBalance();
    expect(amounts(balance, 'total').BTC).toBeCloseTo(1 + 0.01 * 0.999 - 0.005, 8);

    await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 40000);
    await exchange.createOrder('BTC/USDT', 'limit', 'sell', 0.01, 90000);
    const all = await exchange.cancelAllOrders('BTC/USDT');
    expect(all).toHaveLength(2);
    expect(await exchange.fetchOpenOrders('BTC/USDT')).toHaveLength(0);
  });

  it('maps venue rejections to the ccxt exceptions Binance gets', async () => {
    const exchange = clients.rest(venue);
    await exchange.loadMarkets();
    await expect(exchange.createOrder('BTC/USDT', 'limit', 'buy', 10, 60000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    await expect(exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 60000, { postOnly: true, price: 999999 })).rejects.toBeInstanceOf(ccxt.OrderImmediatelyFillable);
    await expect(exchange.fetchOrder('424242', 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(exchange.cancelOrder('424242', 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    const wrongSecret = clients.rest(venue, 0, { secret: 'not-the-secret' });
    wrongSecret.markets = exchange.markets;
    await expect(wrongSecret.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
  });
});
