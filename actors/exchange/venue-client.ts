import ccxt, { type Exchange } from 'ccxt';
import { ccxtBinanceOptions } from '../venue-sim/ccxt-connection.js';
import type { Credentials, ExchangeConfig } from './config.js';
import { lastLookFetch } from './last-look.js';
import { hookThrottle } from './throttle-hooks.js';

/**
 * The ccxt.pro client of one venue (a pro class also does REST), unmodified but for two
 * hooks: the last look at the gate in its fetch (last-look.ts) and, in its rate limiter, idle
 * credit and a lane for cancel-alls (throttle-hooks.ts). Against the
 * emulator it is pointed there by URL override (docs/binance-spot-emulator.md, section 1);
 * a real venue uses ccxt's own URLs, its testnet with `testnet: true`. Which exchanges are
 * possible at all is settled by the config (config.ts, MARKET_DATA_EXCHANGES).
 */
export type VenueClient = Exchange;

export function createVenueClient(config: ExchangeConfig, credentials: Credentials): VenueClient {
  const constructors = ccxt.pro as unknown as Record<string, (new (options: Record<string, unknown>) => VenueClient) | undefined>;
  const Client = constructors[config.exchange];
  if (typeof Client !== 'function') throw new Error(`exchange config: exchange "${config.exchange}" is not a ccxt.pro exchange`);
  if (config.emulator) {
    const options = ccxtBinanceOptions({ httpUrl: config.emulator.http_url, wsUrl: config.emulator.ws_url }, credentials);
    const client = new Client({ ...options, enableRateLimit: true, options: { ...(options.options as object), createOrder: { quoteOrderQty: false } } });
    client.fetchImplementation = lastLookFetch();
    hookThrottle(client);
    return client;
  }
  const client = new Client({
    apiKey: credentials.apiKey,
    secret: credentials.secret,
    ...(credentials.password !== undefined ? { password: credentials.password } : {}),
    enableRateLimit: true,
    options: { defaultType: 'spot', fetchCurrencies: false, fetchMargins: false, createOrder: { quoteOrderQty: false } },
  });
  if (config.testnet) client.setSandboxMode(true);
  client.fetchImplementation = lastLookFetch();
  hookThrottle(client);
  return client;
}

/** Where the venue's raw market streams live (the URL ccxt itself would use). */
export function marketStreamUrl(client: VenueClient): string {
  const ws = (client.urls as { api?: { ws?: { spot?: unknown } } }).api?.ws?.spot;
  if (typeof ws !== 'string') throw new Error(`${client.id}: ccxt has no spot market-stream URL for this venue`);
  return ws;
}
