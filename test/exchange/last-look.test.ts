import ccxt, { type Exchange } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { GateClosed, lastLookFetch, withLastLook } from '../../actors/exchange/last-look.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, ccxtBinanceOptions, startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/index.js';
import { RejectReason } from '../../src/domain/messages.js';

let venue: RunningVenue | undefined;
let client: Exchange | undefined;
afterEach(async () => {
  await client?.close();
  await venue?.close();
  client = venue = undefined;
});

describe("the gate's last look as an order's HTTP request leaves", () => {
  it('refuses inside the submit context without sending; lets other requests through', async () => {
    const sent: string[] = [];
    const f = lastLookFetch(async (url) => {
      sent.push(url);
      return new Response('{}');
    });
    await expect(withLastLook(() => RejectReason.TRADING_HALTED, () => f('http://venue/order', { method: 'POST' }))).rejects.toBeInstanceOf(GateClosed);
    await withLastLook(() => RejectReason.NONE, () => f('http://venue/order', { method: 'POST' }));
    await f('http://venue/depth', { method: 'GET' });
    expect(sent).toEqual(['http://venue/order', 'http://venue/depth']);
  });

  it("closes the window in ccxt's rate limiter: orders queued there when the gate closes never leave", async () => {
    venue = await startVenueEmulator({ market: { kind: 'none' } });
    client = new ccxt.pro.binance({ ...ccxtBinanceOptions(venue, { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET }), enableRateLimit: true });
    client.fetchImplementation = lastLookFetch();
    await client.loadMarkets();
    // One request per 400 ms: the second and third submits wait in ccxt's limiter.
    client.rateLimit = 400;
    client.tokenBucket = { delay: 0.001, capacity: 1, cost: 1, maxCapacity: 1000, refillRate: 1 / 400 };
    let open = true;
    const check = () => (open ? RejectReason.NONE : RejectReason.TRADING_HALTED);
    const submit = (n: number) =>
      withLastLook(check, () => client!.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 10_000 + n, { clientOrderId: `lastlook-${n}` }));
    const results = Promise.allSettled([submit(1), submit(2), submit(3)]);
    await new Promise((r) => setTimeout(r, 100)); // the first has left; the others are queued in ccxt
    open = false; // the trip
    const settled = await results;
    const refused = settled.filter((s) => s.status === 'rejected').map((s) => s.reason);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const reason of refused) expect(reason).toBeInstanceOf(GateClosed);
    const leftBeforeTrip = settled.filter((s) => s.status === 'fulfilled').length;
    const atVenue = await client.fetchOpenOrders('BTC/USDT');
    expect(atVenue.length).toBe(leftBeforeTrip);
    expect(atVenue.map((o) => o.clientOrderId)).not.toContain('lastlook-3');
  });
});
