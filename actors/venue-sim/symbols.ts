import { decimal } from './decimal.js';

/** One tradable spot pair and its exchange filters, in 1e-8 units. */
export interface SymbolSpec {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly tickSize: bigint;
  readonly minPrice: bigint;
  readonly maxPrice: bigint;
  readonly stepSize: bigint;
  readonly minQty: bigint;
  readonly maxQty: bigint;
  readonly minNotional: bigint;
  readonly maxNotional: bigint;
}

/** The same pair as configured by a user: decimal strings, as Binance prints them. */
export interface SymbolConfig {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  tickSize: string;
  minPrice: string;
  maxPrice: string;
  stepSize: string;
  minQty: string;
  maxQty: string;
  minNotional: string;
  maxNotional: string;
}

/** Binance spot's filters for these pairs as of 2024 (tick 0.01, step 0.00001 / 0.0001, min notional 5). */
export const DEFAULT_SYMBOLS: readonly SymbolConfig[] = [
  {
    symbol: 'BTCUSDT', baseAsset: 'BTC', quoteAsset: 'USDT',
    tickSize: '0.01', minPrice: '0.01', maxPrice: '1000000',
    stepSize: '0.00001', minQty: '0.00001', maxQty: '9000',
    minNotional: '5', maxNotional: '9000000',
  },
  {
    symbol: 'ETHUSDT', baseAsset: 'ETH', quoteAsset: 'USDT',
    tickSize: '0.01', minPrice: '0.01', maxPrice: '1000000',
    stepSize: '0.0001', minQty: '0.0001', maxQty: '9000',
    minNotional: '5', maxNotional: '9000000',
  },
];

export function symbolSpecFrom(config: SymbolConfig): SymbolSpec {
  return {
    symbol: config.symbol,
    baseAsset: config.baseAsset,
    quoteAsset: config.quoteAsset,
    tickSize: decimal(config.tickSize),
    minPrice: decimal(config.minPrice),
    maxPrice: decimal(config.maxPrice),
    stepSize: decimal(config.stepSize),
    minQty: decimal(config.minQty),
    maxQty: decimal(config.maxQty),
    minNotional: decimal(config.minNotional),
    maxNotional: decimal(config.maxNotional),
  };
}
