/** The strategy actor's config block (docs/strategies.md, "The strategy actor"). */
import { z } from 'zod';
import { ActorConfigError, instrumentSpecsFromConfig, instrumentsConfigSchema } from '../../src/domain/instrument-config.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import { MAX_STRATEGY_ID } from '../order-manager/client-order-id.js';
import { STRATEGY_KINDS } from './strategy-factory.js';

const venueKey = z.string().regex(/^[0-9]{1,5}$/, 'a venue id (0-65535)');

export const strategyActorConfigSchema = z.strictObject({
  /** The `strategy` field of every intent: unique per strategy, stable across restarts (client ids derive from it). */
  /** 0 is the runtime's own (FLATTEN_STRATEGY_ID: flatten orders on HALTED). */
  strategy_id: z.number().int().min(1, 'must be >= 1 (0 is the runtime\'s own flatten orders)').max(Math.min(0xffff, MAX_STRATEGY_ID)),
  /** Which algorithm runs. */
  strategy: z.enum(STRATEGY_KINDS),
  /** The algorithm's parameters (validated by the strategy itself; every bad one is named). */
  params: z.record(z.string(), z.unknown()),
  /** Venues this strategy may trade on; each sees the instruments below. */
  venues: z.array(z.number().int().min(0).max(65535)).min(1),
  /** The instruments list shared with risk and the order manager (src/domain/instrument-config.ts). */
  instruments: instrumentsConfigSchema,
  /** Gets intents and cancels; must be wired in `sends`. */
  risk_peer: z.string().min(1).default('risk'),
  /** The intent counter (and positions) survive restarts here; one file per strategy. */
  state_file: z.string().min(1),
  /**
   * Intent ids are reserved in blocks: the file is written once per block, before the first id
   * of the block is used, so ids never repeat after a crash (a restart skips the unused rest).
   */
  intent_id_block: z.number().int().min(1).max(1_000_000).default(1000),
  /** Maximum leverage per venue for the sizing helpers (ctx.sizing); 1 (spot, no borrowing) where not given. */
  leverage: z.record(venueKey, z.number().gt(0).max(125)).default({}),
  /** Period of onTimer. */
  timer_ms: z.number().int().min(10).default(1000),
  /** What the strategy starts with on a first start (no state file): base per market, quote per venue. */
  allocation: z
    .strictObject({
      positions: z.array(z.strictObject({ venue: z.number().int().min(0).max(65535), instrument: z.number().int().min(0), qty: z.number(), avg_price: z.number().min(0).optional() })).default([]),
      quote: z.record(venueKey, z.number().min(0)).default({}),
    })
    .default({ positions: [], quote: {} }),
});

export type StrategyActorConfig = z.output<typeof strategyActorConfigSchema> & { specs: Map<number, InstrumentSpec> };

export function parseStrategyActorConfig(raw: unknown): StrategyActorConfig {
  const parsed = strategyActorConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ActorConfigError('strategy', parsed.error.issues);
  const specs = instrumentSpecsFromConfig(parsed.data.instruments);
  const venues = new Set(parsed.data.venues);
  for (const p of parsed.data.allocation.positions) {
    if (!venues.has(p.venue)) throw new Error(`strategy config: allocation.positions: venue ${p.venue} is not in venues [${[...venues].join(', ')}]`);
    if (!specs.has(p.instrument)) throw new Error(`strategy config: allocation.positions: instrument ${p.instrument} is not in instruments`);
  }
  for (const venue of Object.keys(parsed.data.leverage)) {
    if (!venues.has(Number(venue))) throw new Error(`strategy config: leverage: venue ${venue} is not in venues [${[...venues].join(', ')}]`);
  }
  for (const venue of Object.keys(parsed.data.allocation.quote)) {
    if (!venues.has(Number(venue))) throw new Error(`strategy config: allocation.quote: venue ${venue} is not in venues [${[...venues].join(', ')}]`);
  }
  return { ...parsed.data, specs };
}
