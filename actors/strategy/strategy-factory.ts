/** The strategies a config can name, and how each is built from its parameters. */
import { AVELLANEDA_STOIKOV, AvellanedaStoikovStrategy, type AvellanedaStoikovInput } from './avellaneda-stoikov.js';
import { CROSS_VENUE_ARBITRAGE, CrossVenueArbitrageStrategy, type CrossVenueArbitrageInput } from './cross-venue-arbitrage.js';
import type { Strategy } from './strategy-api.js';
import { TREND_EMA_RSI, TrendEmaRsiStrategy, type TrendEmaRsiInput } from './trend-ema-rsi.js';

export const STRATEGY_KINDS = [AVELLANEDA_STOIKOV, CROSS_VENUE_ARBITRAGE, TREND_EMA_RSI] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

/** Throws a StrategyParamError naming every bad parameter. */
export function createStrategy(kind: StrategyKind, params: unknown): Strategy {
  switch (kind) {
    case AVELLANEDA_STOIKOV:
      return new AvellanedaStoikovStrategy(params as AvellanedaStoikovInput);
    case CROSS_VENUE_ARBITRAGE:
      return new CrossVenueArbitrageStrategy(params as CrossVenueArbitrageInput);
    case TREND_EMA_RSI:
      return new TrendEmaRsiStrategy(params as TrendEmaRsiInput);
  }
}
