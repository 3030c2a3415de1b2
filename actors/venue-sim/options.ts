import { resolve } from 'node:path';
import { z } from 'zod';
import type { AccountSetup } from './accounts.js';
import { decimal, parseDecimal } from './decimal.js';
import type { FaultSettings } from './faults.js';
import type { FeeRates } from './matching-engine.js';
import type { ReplayConfig } from './replay-market.js';
import { API_KEY_FORMAT } from './signing.js';
import type { SimulatedMarketConfig, SimulatedSymbolConfig } from './simulated-market.js';
import { DEFAULT_SYMBOLS, symbolSpecFrom, type SymbolConfig, type SymbolSpec } from './symbols.js';

/**
 * Options of startVenueEmulator, validated with messages that name the offending field.
 * Everything has a default that suits local paper trading; see docs/venue-emulator.md.
 */
export const DEFAULT_API_KEY = 'bot4LocalVenueKey';
export const DEFAULT_API_SECRET = 'bot4LocalVenueSecret';
export const DEFAULT_BALANCES: Readonly<Record<string, string>> = { USDT: '100000', BTC: '1', ETH: '10' };

const decimalText = z.string().refine((text) => parseDecimal(text).ok, {
  message: 'must be a non-negative decimal string with at most 8 decimal places, e.g. "0.001"',
});
const positiveDecimal = decimalText.refine((text) => !parseDecimal(text).ok || decimal(text) > 0n, { message: 'must be greater than 0' });
const fraction = z.number().min(0).max(1);

const symbolSchema = z.strictObject({
  symbol: z.string().regex(/^[A-Z0-9]{2,20}$/, 'must be upper-case letters and digits, e.g. BTCUSDT'),
  baseAsset: z.string().regex(/^[A-Z0-9]{1,10}$/),
  quoteAsset: z.string().regex(/^[A-Z0-9]{1,10}$/),
  tickSize: positiveDecimal,
  minPrice: positiveDecimal,
  maxPrice: positiveDecimal,
  stepSize: positiveDecimal,
  minQty: positiveDecimal,
  maxQty: positiveDecimal,
  minNotional: decimalText,
  maxNotional: positiveDecimal,
});

const accountSchema = z.strictObject({
  name: z.string().min(1).optional(),
  apiKey: z.string().regex(API_KEY_FORMAT, 'must be 8 to 128 letters or digits'),
  secret: z.string().min(8, 'must be at least 8 characters'),
  balances: z.record(z.string().regex(/^[A-Z0-9]{1,10}$/, 'asset names are upper-case letters and digits'), decimalText),
});

const simulatedSymbolSchema = z.strictObject({
  startPrice: positiveDecimal,
  levelQty: positiveDecimal,
  tradeQty: positiveDecimal,
  levelSpacingTicks: z.number().int().min(1),
});

const simulatedSchema = z.strictObject({
  kind: z.literal('simulated'),
  seed: z.number().int().default(1),
  stepMs: z.number().int().min(5).default(100),
  stepVolatility: z.number().min(0).max(0.1).default(0.00003),
  meanReversion: fraction.default(0.05),
  noiseVolatility: z.number().min(0).max(0.1).default(0.00002),
  basisBps: z.number().min(-1000).max(1000).default(0),
  commonFactor: z.strictObject({ seed: z.number().int(), weight: fraction }).optional(),
  levelsPerSide: z.number().int().min(1).max(1000).default(20),
  tradesPerStep: z.number().min(0).max(50).default(1.5),
  refreshProbability: fraction.default(0.3),
  symbols: z.record(z.string(), simulatedSymbolSchema).default({}),
});

const replaySchema = z.strictObject({
  kind: z.literal('replay'),
  files: z.array(z.string().min(1)).min(1, 'needs at least one recorded stream file'),
  symbol: z.string().default('BTCUSDT'),
  speed: z.union([z.number().positive(), z.literal('max')]).default(1),
});

const noMarketSchema = z.strictObject({ kind: z.literal('none') });

const faultSchema = z.strictObject({
  latencyMs: z.number().min(0).optional(),
  clockOffsetMs: z.number().optional(),
  silentFeed: z.boolean().optional(),
  rejectRequests: z.union([z.literal(429), z.literal(418)]).optional(),
  dropConnections: z.strictObject({ everyMs: z.number().int().min(50), kind: z.enum(['market', 'user', 'all']).optional() }).optional(),
  skipDepthUpdates: z.strictObject({ everyMs: z.number().int().min(50), symbol: z.string().regex(/^[A-Z0-9]{2,20}$/, 'a venue symbol such as BTCUSDT').optional() }).optional(),
});

export const venueOptionsSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(0),
  symbols: z.array(symbolSchema).min(1).optional(),
  accounts: z.array(accountSchema).min(1).optional(),
  fees: z.strictObject({ maker: decimalText, taker: decimalText }).default({ maker: '0.001', taker: '0.001' }),
  market: z.discriminatedUnion('kind', [simulatedSchema, replaySchema, noMarketSchema]).prefault({ kind: 'simulated' }),
  tickerIntervalMs: z.number().int().min(10).default(1000),
  faults: faultSchema.default({}),
  /** A folder that keeps the accounts, orders, trades and ids across restarts (state-store.ts); relative to the working folder. */
  stateDir: z.string().min(1, 'must name a folder, e.g. data/venues/venue-sim-a').optional(),
});

export type VenueOptions = z.input<typeof venueOptionsSchema>;

export class VenueOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid venue emulator options:\n  ${problems.join('\n  ')}`);
    this.name = 'VenueOptionsError';
  }
}

/** Defaults for the simulated market of the default symbols (prices near their 2024 levels). */
const DEFAULT_SIMULATED_SYMBOLS: Readonly<Record<string, SimulatedSymbolConfig>> = {
  BTCUSDT: { startPrice: '60000', levelQty: '0.5', tradeQty: '0.02', levelSpacingTicks: 50 },
  ETHUSDT: { startPrice: '3000', levelQty: '5', tradeQty: '0.2', levelSpacingTicks: 5 },
};

export type MarketPlan =
  | { kind: 'simulated'; config: SimulatedMarketConfig }
  | { kind: 'replay'; symbol: string; config: ReplayConfig }
  | { kind: 'none' };

export interface ResolvedVenueOptions {
  host: string;
  port: number;
  symbols: SymbolSpec[];
  accounts: AccountSetup[];
  fees: FeeRates;
  market: MarketPlan;
  tickerIntervalMs: number;
  faults: FaultSettings;
  /** Absolute; undefined: the state lives in memory only and a restart starts afresh. */
  stateDir: string | undefined;
}

export function resolveVenueOptions(input: VenueOptions = {}): ResolvedVenueOptions {
  const parsed = venueOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new VenueOptionsError(parsed.error.issues.map((issue) => `${['options', ...issue.path].join('.')}: ${issue.message}`));
  }
  const options = parsed.data;
  const problems: string[] = [];
  const symbolConfigs: SymbolConfig[] = options.symbols ?? [...DEFAULT_SYMBOLS];
  const symbols = symbolConfigs.map(symbolSpecFrom);
  const names = new Set(symbols.map((spec) => spec.symbol));
  if (names.size !== symbols.length) problems.push('options.symbols: a symbol is listed twice');
  symbols.forEach((spec, index) => {
    if (spec.minPrice > spec.maxPrice) problems.push(`options.symbols.${index}: minPrice is above maxPrice`);
    if (spec.minQty > spec.maxQty) problems.push(`options.symbols.${index}: minQty is above maxQty`);
  });

  const accounts: AccountSetup[] = (options.accounts ?? [{ apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET, balances: { ...DEFAULT_BALANCES } }]).map(
    (account, index) => ({
      name: account.name ?? `account-${index}`,
      apiKey: account.apiKey,
      secret: account.secret,
      balances: new Map(Object.entries(account.balances).map(([asset, amount]) => [asset, decimal(amount)])),
    }),
  );
  if (new Set(accounts.map((account) => account.apiKey)).size !== accounts.length) problems.push('options.accounts: two accounts share an apiKey');
  if (new Set(accounts.map((account) => account.name)).size !== accounts.length) problems.push('options.accounts: two accounts share a name');

  let market: MarketPlan;
  if (options.market.kind === 'simulated') {
    const { kind: _kind, symbols: configured, ...rest } = options.market;
    const simulatedSymbols: Record<string, SimulatedSymbolConfig> = {};
    for (const spec of symbols) {
      const settings = configured[spec.symbol] ?? DEFAULT_SIMULATED_SYMBOLS[spec.symbol];
      if (!settings) problems.push(`options.market.symbols.${spec.symbol}: the simulated market needs startPrice, levelQty, tradeQty and levelSpacingTicks for this symbol`);
      else simulatedSymbols[spec.symbol] = settings;
    }
    for (const symbol of Object.keys(configured)) {
      if (!names.has(symbol)) problems.push(`options.market.symbols.${symbol}: not one of the venue's symbols (${[...names].join(', ')})`);
    }
    market = { kind: 'simulated', config: { ...rest, symbols: simulatedSymbols } };
  } else if (options.market.kind === 'replay') {
    if (!names.has(options.market.symbol)) problems.push(`options.market.symbol: ${options.market.symbol} is not one of the venue's symbols`);
    market = { kind: 'replay', symbol: options.market.symbol, config: { files: options.market.files, speed: options.market.speed } };
  } else {
    market = { kind: 'none' };
  }
  const skipSymbol = options.faults.skipDepthUpdates?.symbol;
  if (skipSymbol !== undefined && !names.has(skipSymbol)) problems.push(`options.faults.skipDepthUpdates.symbol: ${skipSymbol} is not one of the venue's symbols (${[...names].join(', ')})`);
  if (problems.length > 0) throw new VenueOptionsError(problems);
  return {
    host: options.host,
    port: options.port,
    symbols,
    accounts,
    fees: { maker: decimal(options.fees.maker), taker: decimal(options.fees.taker) },
    market,
    tickerIntervalMs: options.tickerIntervalMs,
    faults: options.faults,
    stateDir: options.stateDir === undefined ? undefined : resolve(options.stateDir),
  };
}
