/** The risk monitor's config block (docs/risk.md, "Config"). */
import { z } from 'zod';
import { ActorConfigError, instrumentSpecsFromConfig, instrumentsConfigSchema } from '../../src/domain/instrument-config.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import type { PreTradeLimits } from './pre-trade-checks.js';

const positive = z.number().positive();
const ms = (min: number) => z.number().int().min(min);

export const riskConfigSchema = z.strictObject({
  instruments: instrumentsConfigSchema,
  quote_asset: z.string().min(1).default('USDT'),
  /** Venue id -> quote currency deposited there: the equity drawdown and daily loss start from. */
  capital: z.record(z.string().regex(/^[0-9]{1,5}$/, 'a venue id'), positive).refine((c) => Object.keys(c).length > 0, 'at least one venue'),
  order_manager_peer: z.string().min(1).default('order-manager'),
  kill_switch_peer: z.string().min(1).default('kill-switch'),
  limits: z.strictObject({
    max_order_notional: positive,
    max_position_notional: positive,
    max_gross_exposure: positive,
    max_open_orders: z.number().int().min(1),
    submit_rate: z.strictObject({ burst: z.number().int().min(1), per_second: positive }),
    price_band_bps: positive,
    max_quote_age_ms: ms(1),
    max_spread_bps: positive,
  }),
  panics: z.strictObject({
    /** Fraction of the equity peak, e.g. 0.1 = 10 % below the peak. */
    max_drawdown: positive,
    /** Quote currency lost since 00:00 UTC. */
    max_daily_loss: positive,
    /** Adverse move from a position's average entry, bps. Mandatory: no position is exempt. */
    stop_loss_bps: positive,
    /** Fill price worse than the intent's expected price by more than this, bps. */
    max_slippage_bps: positive,
    /** Market data of a market we hold or quote in, older than this (or the venue says stale). */
    stale_quote_ms: ms(1),
    /** Spread of a market we hold or quote in wider than this, bps. */
    spread_blowout_bps: positive,
    api_errors: z.strictObject({ max: z.number().int().min(1), window_ms: ms(1) }),
  }),
  /**
   * The ledger against the venue's balances, checked at every reconciliation (ledger-check.ts).
   * `tolerance`: asset -> largest drift accepted, in the asset's units; other assets accept
   * `default_fraction` of the venue's amount. `confirmations`: reads in a row beyond it before
   * the LEDGER_MISMATCH panic (one read may race a fill on its way).
   */
  ledger_check: z
    .strictObject({
      tolerance: z.record(z.string().min(1).max(20), z.number().min(0)).default({}),
      default_fraction: z.number().min(0).max(1).default(0.002),
      confirmations: z.number().int().min(1).default(2),
    })
    .default({ tolerance: {}, default_fraction: 0.002, confirmations: 2 }),
  /** Post-trade watch period (equity, drawdown, daily loss, stop loss, staleness). */
  watch_ms: ms(5).default(250),
  var: z
    .strictObject({
      every_ms: ms(10).default(10_000),
      /** Mid samples kept per market for the returns VaR uses. */
      sample_ms: ms(10).default(1000),
      lookback: z.number().int().min(3).default(500),
      min_samples: z.number().int().min(3).default(30),
      confidence: z.number().gt(0.5).lt(1).default(0.99),
      scenarios: z.number().int().min(100).default(10_000),
      seed: z.number().int().default(1),
      threads: z.number().int().min(1).max(4).default(1),
    })
    .default({ every_ms: 10_000, sample_ms: 1000, lookback: 500, min_samples: 30, confidence: 0.99, scenarios: 10_000, seed: 1, threads: 1 }),
  /**
   * Injected by the runtime when the tree has a recorder (src/runtime/database.ts), never written in a
   * config file: positions are rebuilt from its fills at start (position-recovery.ts). Absent = start flat.
   */
  database_url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  /** Gets a position snapshot each time a fill moves a position; injected with the database. null = none. */
  recorder_peer: z.string().min(1).nullable().optional(),
  /** Venue id -> the venue's name in the database (the recorder's `venues`; injected with recorder_peer). */
  venue_names: z.record(z.string().regex(/^[0-9]{1,5}$/, 'a venue id'), z.string().min(1)).default({}),
  /** Database unreachable at start: try again this often, until a fill has been booked meanwhile; also how often an unsent `fills.replay` is tried again. */
  recovery_retry_ms: ms(100).default(5000),
});

type Parsed = z.output<typeof riskConfigSchema>;
export type RiskConfig = Parsed & { specs: Map<number, InstrumentSpec>; preTrade: PreTradeLimits; deposits: Map<number, number> };

export function parseRiskConfig(raw: unknown): RiskConfig {
  const parsed = riskConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ActorConfigError('risk', parsed.error.issues);
  const c = parsed.data;
  const specs = instrumentSpecsFromConfig(c.instruments);
  for (const spec of specs.values()) {
    if (spec.quote !== c.quote_asset) throw new Error(`risk config: instruments: ${spec.symbol} is quoted in ${spec.quote}, but quote_asset is ${c.quote_asset} (one reporting currency)`);
  }
  const l = c.limits;
  const preTrade: PreTradeLimits = {
    maxOrderNotional: l.max_order_notional,
    maxPositionNotional: l.max_position_notional,
    maxGrossExposure: l.max_gross_exposure,
    maxOpenOrders: l.max_open_orders,
    submitRate: { burst: l.submit_rate.burst, perSecond: l.submit_rate.per_second },
    priceBandBps: l.price_band_bps,
    maxQuoteAgeUs: l.max_quote_age_ms * 1000,
    maxSpreadBps: l.max_spread_bps,
  };
  const deposits = new Map(Object.entries(c.capital).map(([venue, amount]) => [Number(venue), amount]));
  return { ...c, specs, preTrade, deposits };
}
