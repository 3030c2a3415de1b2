import ccxt from 'ccxt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/server.js';
import { hmacHex } from '../../actors/venue-sim/signing.js';
import { CcxtClients } from './ccxt-clients.js';
import { websocketText } from '../../src/runtime/websocket-text.js';

const ignoreCcxtRejection = (): void => undefined;
beforeAll(() => {
  process.on('unhandledRejection', ignoreCcxtRejection);
});
afterAll(() => {
  process.off('unhandledRejection', ignoreCcxtRejection);
});

async function raw(venue: RunningVenue, method: string, pathAndQuery: string, init: { body?: string; apiKey?: string } = {}) {
  const response = await fetch(`${venue.httpUrl}${pathAndQuery}`, {
    method,
    headers: {
      ...(init.apiKey !== undefined ? { 'X-MBX-APIKEY': init.apiKey } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  return { status: response.status, body: (await response.json()) as { code?: number; msg?: string } };
}

function signed(venue: RunningVenue, params: string): string {
  const query = `${params}${params ? '&' : ''}timestamp=${Date.now()}`;
  return `${query}&signature=${hmacHex(venue.accounts[0]!.secret, query)}`;
}

describe('venue emulator faults', () => {
  let venue: RunningVenue;
  const clients = new CcxtClients();

  afterEach(async () => {
    await clients.closeAll();
    await venue.close();
  });

  it('429 and 418 become DDoSProtection; the venue recovers when cleared', async () => {
    venue = await startVenueEmulator({ market: { kind: 'none' } });
    const exchange = clients.rest(venue);
    await exchange.loadMarkets();
    venue.faults.rejectRequests(429, 1);
    await expect(exchange.fetchOrderBook('BTC/USDT')).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    expect((await exchange.fetchOrderBook('BTC/USDT')).bids).toEqual([]);
    venue.faults.rejectRequests(418);
    const banned = await raw(venue, 'GET', '/api/v3/time');
    expect(banned.status).toBe(418);
    expect(banned.body.code).toBe(-1003);
    await expect(exchange.fetchTime()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    venue.faults.clear();
    expect(await exchange.fetchTime()).toBeGreaterThan(0);
  });

  it('a venue clock ahead of the client gives -1021, which ccxt raises as InvalidNonce', async () => {
    venue = await startVenueEmulator({ market: { kind: 'none' }, faults: { clockOffsetMs: 30_000 } });
    const exchange = clients.rest(venue);
    await exchange.loadMarkets();
    await expect(exchange.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    venue.faults.setClockOffset(-30_000); // now the client is ahead
    await expect(exchange.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    venue.faults.setClockOffset(0);
    await expect(exchange.fetchBalance()).resolves.toBeDefined();
  });

  it('a skipped depth update id makes watchOrderBook raise ChecksumError', async () => {
    venue = await startVenueEmulator({ market: { kind: 'simulated', seed: 21, stepMs: 40 } });
    const exchange = clients.ws(venue);
    await exchange.loadMarkets();
    await exchange.watchOrderBook('BTC/USDT');
    await exchange.watchOrderBook('BTC/USDT');
    venue.faults.skipDepthUpdate('BTCUSDT');
    const failure = await (async () => {
      for (let i = 0; i < 100; i++) await exchange.watchOrderBook('BTC/USDT');
      return undefined;
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ccxt.ChecksumError);
  });

  it('a silent feed sends nothing while the socket stays open, then resumes', async () => {
    venue = await startVenueEmulator({ market: { kind: 'simulated', seed: 22, stepMs: 20 } });
    const socket = new WebSocket(`${venue.wsUrl}/stream`);
    const messages: string[] = [];
    socket.on('message', (data) => messages.push(websocketText(data)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@trade', 'btcusdt@depth@100ms'], id: 1 }));
    await waitFor(() => messages.length > 3);
    expect(JSON.parse(messages[0]!)).toEqual({ result: null, id: 1 });
    venue.faults.silenceFeed();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const countAtSilence = messages.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(messages.length).toBe(countAtSilence);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    const pong = new Promise((resolve) => socket.once('pong', resolve));
    socket.ping();
    await pong;
    venue.faults.resumeFeed();
    await waitFor(() => messages.length > countAtSilence);
    socket.close();
  });

  it('dropConnections closes the sockets abruptly; clients can reconnect', async () => {
    venue = await startVenueEmulator({ market: { kind: 'simulated', seed: 23, stepMs: 30 } });
    const socket = new WebSocket(`${venue.wsUrl}/stream/ws/0`);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    expect(venue.faults.dropConnections('market')).toBe(1);
    expect(await closed).toBe(1006);
    const exchange = clients.ws(venue);
    await exchange.loadMarkets();
    expect((await exchange.watchOrderBook('BTC/USDT')).asks.length).toBeGreaterThan(0);
  });

  it('adds latency to REST replies', async () => {
    venue = await startVenueEmulator({ market: { kind: 'none' }, faults: { latencyMs: 300 } });
    const started = performance.now();
    await raw(venue, 'GET', '/api/v3/ping');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('venue emulator bad input', () => {
  let venue: RunningVenue;
  beforeAll(async () => {
    venue = await startVenueEmulator({ market: { kind: 'none' } });
  });
  afterAll(async () => {
    await venue.close();
  });

  it('answers malformed, unsigned and unknown requests in Binance shape and keeps running', async () => {
    const key = venue.accounts[0]!.apiKey;
    const cases: [string, string, { body?: string; apiKey?: string }, number, number][] = [
      ['GET', '/api/v3/depth', {}, 400, -1102],
      ['GET', '/api/v3/depth?symbol=NOPE', {}, 400, -1121],
      ['GET', '/api/v3/depth?symbol=BTCUSDT&limit=x', {}, 400, -1100],
      ['GET', '/api/v3/depth?symbol=BTCUSDT&symbol=ETHUSDT', {}, 400, -1101],
      ['GET', '/api/v3/depth?symbol=BTCUSDT&bogus=1', {}, 400, -1104],
      ['GET', '/api/v3/account', {}, 401, -2014],
      ['GET', '/api/v3/account', { apiKey: 'bad key!' }, 401, -2014],
      ['GET', '/api/v3/account', { apiKey: 'unknownKey123' }, 401, -2015],
      ['GET', `/api/v3/account?timestamp=${Date.now()}`, { apiKey: key }, 400, -1102],
      ['GET', `/api/v3/account?timestamp=${Date.now()}&signature=abc`, { apiKey: key }, 400, -1022],
      ['GET', `/api/v3/account?${signed(venue, '')}`.replace(/timestamp=\d+/, 'timestamp=1'), { apiKey: key }, 400, -1022],
      ['POST', '/api/v3/order', { apiKey: key, body: signed(venue, 'symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1') }, 400, -1102],
      ['POST', '/api/v3/order', { apiKey: key, body: signed(venue, 'symbol=BTCUSDT&side=UP&type=LIMIT') }, 400, -1117],
      ['POST', '/api/v3/order', { apiKey: key, body: signed(venue, 'symbol=BTCUSDT&side=BUY&type=STOP') }, 400, -1116],
      ['POST', '/api/v3/order', { apiKey: key, body: signed(venue, 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&price=100.123456789&quantity=1') }, 400, -1111],
      ['POST', '/api/v3/order', { apiKey: key, body: signed(venue, 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&price=abc&quantity=1') }, 400, -1100],
      ['POST', '/api/v3/order', { apiKey: key, body: signed(venue, 'symbol=XYZ&side=BUY&type=MARKET&quantity=1') }, 400, -1121],
      ['DELETE', `/api/v3/order?${signed(venue, 'symbol=BTCUSDT')}`, { apiKey: key }, 400, -1102],
      ['GET', '/sapi/v1/capital/config/getall', {}, 404, -1000],
    ];
    for (const [method, path, init, status, code] of cases) {
      const response = await raw(venue, method, path, init);
      expect({ path, status: response.status, code: response.body.code }).toEqual({ path, status, code });
      expect(typeof response.body.msg).toBe('string');
    }
    const alive = await raw(venue, 'GET', '/api/v3/ping');
    expect(alive.status).toBe(200);
  });

  it('answers bad stream control messages without closing the socket', async () => {
    const socket = new WebSocket(`${venue.wsUrl}/stream`);
    const replies: unknown[] = [];
    socket.on('message', (data) => replies.push(JSON.parse(websocketText(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send('not json');
    socket.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['nosuch@trade'], id: 7 }));
    socket.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@trade'], id: 8 }));
    await waitFor(() => replies.length >= 3);
    expect(replies[0]).toMatchObject({ error: { code: 3 } });
    expect(replies[1]).toMatchObject({ error: { code: 2 }, id: 7 });
    expect(replies[2]).toEqual({ result: null, id: 8 });
    socket.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
