import { z } from 'zod';
import { ActorConfigError } from '../../src/domain/instrument-config.js';

/**
 * The exchange actor's config block (one actor per venue). Keys never appear here: the
 * config names the environment variables that hold them (`api_key_env`, `secret_env`).
 * Against the local emulator, without those, the emulator's documented local account is
 * used (it guards nothing: the emulator only listens on loopback).
 */
const backoffSchema = z.strictObject({
  min_ms: z.number().int().min(1),
  max_ms: z.number().int().min(1),
  jitter: z.number().min(0).max(1),
});

/**
 * ccxt ids whose market streams speak Binance's depth-diff protocol, the only ones the
 * market feed (market-feed.ts) can read (docs/exchange-actor.md, "raw diffs, not watchOrderBook").
 */
export const MARKET_DATA_EXCHANGES: readonly string[] = ['binance', 'binanceus'];

const peerList = z.array(z.string().min(1)).optional();

export const exchangeConfigSchema = z
  .strictObject({
    /** Venue id carried in every hot message (u16). */
    venue_id: z.number().int().min(0).max(65535),
    /** ccxt exchange id. Market data needs a Binance-protocol venue (binance, or the emulator). */
    exchange: z.string().regex(/^[a-z0-9]+$/, 'a ccxt exchange id such as "binance"').default('binance'),
    /** Point ccxt at a local venue emulator (URL override, section 1 of docs/binance-spot-emulator.md). */
    emulator: z.strictObject({ http_url: z.url(), ws_url: z.url() }).optional(),
    /** ccxt sandbox mode: the venue's public testnet. */
    testnet: z.boolean().default(false),
    api_key_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
    secret_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
    password_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
    /** Namespace of our client order ids on this venue (actors/order-manager/client-order-id.ts). */
    client_id_namespace: z.string().regex(/^[A-Za-z0-9]{1,12}$/, '1-12 letters or digits').default('bot4'),
    /** Instrument id (hot messages) -> unified ccxt symbol; also the market-data whitelist. */
    instruments: z.array(z.strictObject({ id: z.number().int().min(0).max(0xffffffff), symbol: z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/, 'a unified symbol such as "BTC/USDT"') })).min(1),
    /** No market data for this long -> the venue is stale. */
    stale_after_ms: z.number().int().min(50).default(5000),
    /** Largest relative move of the mid between two book tops before it is counted as a jump. */
    max_price_jump: z.number().positive().max(1).default(0.1),
    /** REST snapshot depth (a limit Binance accepts). */
    snapshot_depth: z.union([z.literal(5), z.literal(10), z.literal(20), z.literal(50), z.literal(100), z.literal(500), z.literal(1000), z.literal(5000)]).default(1000),
    /** Levels per side published (as L2Delta frames) after each (re)sync, so consumers can rebuild the top of the book. */
    publish_snapshot_levels: z.number().int().min(0).max(5000).default(20),
    reconnect: backoffSchema.default({ min_ms: 250, max_ms: 30_000, jitter: 0.3 }),
    rate_limit_backoff: backoffSchema.default({ min_ms: 1000, max_ms: 60_000, jitter: 0.3 }),
    /** Order-state polling period while the user-data stream is down. */
    order_poll_ms: z.number().int().min(100).default(2000),
    /** Market-socket ping period, for the WS round-trip time. */
    ws_ping_ms: z.number().int().min(100).default(5000),
    /** Use the user-data stream (ccxt.pro watchOrders / watchMyTrades); false = REST polling only. */
    user_stream: z.boolean().default(true),
    /** Peers that get market data / execution reports; absent = every peer the tree wires. */
    routes: z.strictObject({ market_data: peerList, reports: peerList }).default({}),
  })
  .superRefine((config, ctx) => {
    const ids = new Set<number>();
    const symbols = new Set<string>();
    config.instruments.forEach((instrument, index) => {
      if (ids.has(instrument.id)) ctx.addIssue({ code: 'custom', path: ['instruments', index, 'id'], message: `instrument id ${instrument.id} is listed twice` });
      if (symbols.has(instrument.symbol)) ctx.addIssue({ code: 'custom', path: ['instruments', index, 'symbol'], message: `${instrument.symbol} is listed twice` });
      ids.add(instrument.id);
      symbols.add(instrument.symbol);
    });
    for (const key of ['reconnect', 'rate_limit_backoff'] as const) {
      if (config[key].max_ms < config[key].min_ms) ctx.addIssue({ code: 'custom', path: [key, 'max_ms'], message: 'must be >= min_ms' });
    }
    if (!MARKET_DATA_EXCHANGES.includes(config.exchange)) {
      ctx.addIssue({
        code: 'custom',
        path: ['exchange'],
        message: `"${config.exchange}" is not supported: market data is implemented for Binance-protocol venues only (${MARKET_DATA_EXCHANGES.join(', ')}, or the local emulator); see docs/exchange-actor.md`,
      });
    } else if (config.emulator && config.exchange !== 'binance') {
      ctx.addIssue({ code: 'custom', path: ['exchange'], message: `the emulator speaks Binance spot: with emulator set, exchange must be "binance", got "${config.exchange}"` });
    }
    if (config.emulator && config.testnet) ctx.addIssue({ code: 'custom', path: ['testnet'], message: 'the emulator is not a testnet: set one of emulator or testnet' });
    if (!config.emulator && (!config.api_key_env || !config.secret_env)) {
      ctx.addIssue({ code: 'custom', path: ['api_key_env'], message: 'a real venue needs api_key_env and secret_env (names of environment variables holding the keys)' });
    }
  });

export type ExchangeConfig = z.output<typeof exchangeConfigSchema>;

export function parseExchangeConfig(raw: unknown): ExchangeConfig {
  const parsed = exchangeConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ActorConfigError('exchange', parsed.error.issues);
  return parsed.data;
}

export interface Credentials {
  apiKey: string;
  secret: string;
  password?: string;
}

/** Keys from the environment variables the config names; the emulator's local account when none are named. */
export function resolveCredentials(config: ExchangeConfig, env: NodeJS.ProcessEnv, emulatorDefault: Credentials): Credentials {
  if (!config.api_key_env && !config.secret_env && config.emulator) return emulatorDefault;
  const read = (field: string, name: string | undefined): string => {
    if (!name) throw new Error(`exchange config: ${field} is required when one of api_key_env / secret_env is set`);
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`exchange config: ${field} names the environment variable ${name}, which is not set`);
    return value;
  };
  const credentials: Credentials = { apiKey: read('api_key_env', config.api_key_env), secret: read('secret_env', config.secret_env) };
  if (config.password_env) credentials.password = read('password_env', config.password_env);
  return credentials;
}
