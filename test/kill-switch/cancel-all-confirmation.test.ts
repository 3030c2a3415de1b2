import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, ccxtBinanceOptions, startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/index.js';
import { OrderType, Side, TimeInForce } from '../../src/domain/messages.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { parseTreeSpec } from '../../src/runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../../src/safety/gpio-panel.js';

/**
 * Issue 11, section 4: a trip with one resting order and no fault on must confirm its
 * cancel-all in its first round. Real kill switch, order manager and exchange actor (ccxt)
 * against a venue emulator; a pipeline double stands in for risk and sends the one intent.
 * The account has a day's trading behind it (closed orders and their trades), as a paper
 * session has: the confirmation is about open orders, and must not wait on that history.
 * Counted in rounds (the order manager's own count), never in wall-clock time.
 */
const HISTORY_ORDERS = 20;
const fixture = (name: string): string => new URL(`../fixtures/actors/${name}.js`, import.meta.url).href;
let runtime: Runtime | undefined;
let venue: RunningVenue | undefined;
afterEach(async () => {
  await runtime?.shutdown('test over');
  await venue?.close();
  runtime = venue = undefined;
});

async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 25));
    last = await probe();
  }
  return last;
}

describe('cancel-all after a trip', () => {
  it('confirms one resting order cancelled in the first round', async () => {
    venue = await startVenueEmulator({ market: { kind: 'none' } });
    const operator = new ccxt.pro.binance(ccxtBinanceOptions(venue, { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET }));
    try {
      for (let i = 0; i < HISTORY_ORDERS; i++) {
        await operator.createOrder('BTC/USDT', 'limit', 'sell', 0.001, 30_000);
        await operator.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 30_000);
      }
      expect(await operator.fetchOpenOrders('BTC/USDT')).toHaveLength(0);
    } finally {
      await operator.close();
    }
    const dir = mkdtempSync(join(tmpdir(), 'bot4-cancel-all-'));
    runtime = await Runtime.start({
      tree: parseTreeSpec({
        name: 'root',
        strategy: 'one_for_one',
        children: [
          { name: 'kill-switch', actor: 'kill-switch', sends: ['order-manager', 'exchange-a'], config: { state_file: join(dir, 'kill-switch.json'), dead_man_timeout_ms: 0 } },
          { name: 'risk', actor: 'pipeline-double', sends: ['order-manager'] },
          {
            name: 'order-manager',
            actor: 'order-manager',
            sends: ['exchange-a', 'risk'],
            config: {
              venues: { '1': 'exchange-a' },
              instruments: [{ id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tick_size: 0.01, step_size: 0.00001, min_qty: 0.00001, min_notional: 5 }],
              journal_file: join(dir, 'orders.jsonl'),
              // A round every half second: a confirmation that depends on the account's history takes several.
              cancel_all_retry_ms: 500,
            },
          },
          {
            name: 'exchange-a',
            actor: 'exchange',
            wait: 'park',
            start_timeout_ms: 60_000,
            heartbeat_timeout_ms: 15_000,
            sends: ['order-manager'],
            config: { venue_id: 1, emulator: { http_url: venue.httpUrl, ws_url: venue.wsUrl }, instruments: [{ id: 1, symbol: 'BTC/USDT' }] },
          },
        ],
      }),
      seed: 5,
      logger: pino({ level: 'silent' }),
      logLevel: 'silent',
      gpio: gpioConfigSchema.parse({ mode: 'off' }),
      shutdownDeadlineMs: 20_000,
      cancelOpenOrdersOnExit: false,
      actorModules: { 'pipeline-double': fixture('pipeline-double') },
    });
    const rt = runtime;
    const omStatus = () => rt.invoke('root/order-manager', 'status', {}) as Promise<Record<string, any>>;
    await until('the order manager reconciled', omStatus, (s) => s.allReconciled === true);
    const intent = {
      strategy: 3, intentId: 1, venue: 1, instrument: 1, side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC,
      reduceOnly: 0, price: 20_000, qty: 0.001, expectedPrice: 20_000, createdTsUs: Date.now() * 1000,
    };
    await rt.invoke('root/risk', 'send', { peer: 'order-manager', kind: 'OrderIntent', message: intent });
    await until('the order resting on the venue', omStatus, (s) => s.openOrders.some((o: { status: string }) => o.status === 'ACCEPTED'));

    await rt.killswitchTrip('e2e: one resting order');
    const status = await until('cancel-all confirmed', omStatus, (s) => s.allCancelled !== null);
    expect(status.allCancelled).toMatchObject({ trigger: 'halt', cancelledOrders: 1, done: true, venues: { 1: { state: 'confirmed', openSeen: 0 } } });
    expect(status.allCancelled.rounds).toBe(1);
  });
});
