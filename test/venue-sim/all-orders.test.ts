import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/index.js';

/** GET /api/v3/allOrders (added for bot4 soak): every order of the account on a symbol, open or closed, paged by orderId. */
let venue: RunningVenue;

async function signed(method: 'GET' | 'POST' | 'DELETE', path: string, params: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const query = new URLSearchParams({ ...params, timestamp: String(Date.now()) }).toString();
  const signature = createHmac('sha256', DEFAULT_API_SECRET).update(query).digest('hex');
  const response = await fetch(`${venue.httpUrl}/api/v3/${path}?${query}&signature=${signature}`, { method, headers: { 'X-MBX-APIKEY': DEFAULT_API_KEY } });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  venue = await startVenueEmulator({ market: { kind: 'none' } });
  for (const [i, price] of ['50000', '50001', '50002'].entries()) {
    const placed = await signed('POST', 'order', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price, newClientOrderId: `soak-${i}` });
    expect(placed.status).toBe(200);
  }
  expect((await signed('DELETE', 'order', { symbol: 'BTCUSDT', origClientOrderId: 'soak-1' })).status).toBe(200);
});

afterAll(async () => {
  await venue?.close();
});

describe('emulator allOrders', () => {
  it('lists open and cancelled orders of the symbol, oldest first', async () => {
    const all = await signed('GET', 'allOrders', { symbol: 'BTCUSDT' });
    expect(all.status).toBe(200);
    expect((all.body as { clientOrderId: string; status: string }[]).map((o) => [o.clientOrderId, o.status])).toEqual([
      ['soak-0', 'NEW'],
      ['soak-1', 'CANCELED'],
      ['soak-2', 'NEW'],
    ]);
    expect(await signed('GET', 'allOrders', { symbol: 'ETHUSDT' })).toEqual({ status: 200, body: [] });
  });

  it('pages by orderId and limit', async () => {
    const page = await signed('GET', 'allOrders', { symbol: 'BTCUSDT', orderId: '2', limit: '1' });
    expect((page.body as { orderId: number; clientOrderId: string }[]).map((o) => [o.orderId, o.clientOrderId])).toEqual([[2, 'soak-1']]);
  });

  it('refuses a missing symbol and an unknown parameter, naming them', async () => {
    const missing = await signed('GET', 'allOrders', {});
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('symbol');
    const unknown = await signed('GET', 'allOrders', { symbol: 'BTCUSDT', fromId: '1' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('fromId');
  });
});
