/**
 * Instrument specs as they appear in config (snake_case YAML), turned into validated
 * InstrumentSpec records. Risk and the order manager read the same list (share it with a
 * YAML anchor), so the two agree on every tick and step.
 *
 * A missing maximum means "no limit" (Infinity): YAML has `.inf`, but operators should not need it.
 */
import { z } from 'zod';
import { validateInstrumentSpec, type InstrumentSpec } from './instrument.js';

const positive = z.number().positive();
const nonNegative = z.number().min(0);
const optionalMax = z.number().positive().optional();

export const instrumentConfigSchema = z.strictObject({
  id: z.number().int().min(0).max(0xffffffff),
  symbol: z.string().min(1),
  base: z.string().min(1),
  quote: z.string().min(1),
  tick_size: positive,
  step_size: positive,
  min_qty: nonNegative.default(0),
  max_qty: optionalMax,
  min_price: nonNegative.default(0),
  max_price: optionalMax,
  min_notional: nonNegative.default(0),
  max_notional: optionalMax,
});

export const instrumentsConfigSchema = z.array(instrumentConfigSchema).min(1);
export type InstrumentConfig = z.input<typeof instrumentConfigSchema>;

/** Validated specs by id; throws naming the instrument and field that is wrong. */
export function instrumentSpecsFromConfig(entries: readonly z.output<typeof instrumentConfigSchema>[]): Map<number, InstrumentSpec> {
  const specs = new Map<number, InstrumentSpec>();
  for (const e of entries) {
    if (specs.has(e.id)) throw new RangeError(`instruments: id ${e.id} is listed twice (${specs.get(e.id)!.symbol} and ${e.symbol})`);
    specs.set(
      e.id,
      validateInstrumentSpec({
        id: e.id,
        symbol: e.symbol,
        base: e.base,
        quote: e.quote,
        tickSize: e.tick_size,
        stepSize: e.step_size,
        minQty: e.min_qty,
        maxQty: e.max_qty ?? Number.POSITIVE_INFINITY,
        minPrice: e.min_price,
        maxPrice: e.max_price ?? Number.POSITIVE_INFINITY,
        minNotional: e.min_notional,
        maxNotional: e.max_notional ?? Number.POSITIVE_INFINITY,
      }),
    );
  }
  return specs;
}

/**
 * An actor's config refused by its schema: one line naming each path for the actor's own error, and
 * the issues themselves so `bot4 start` can name each one at its place in the file before anything
 * starts (src/config/actor-configs.ts).
 */
export class ActorConfigError extends Error {
  readonly issues: ReadonlyArray<{ path: ReadonlyArray<string | number>; message: string }>;

  constructor(what: string, issues: readonly { path: PropertyKey[]; message: string }[]) {
    const paths = issues.map((i) => ({ path: i.path.map((segment) => (typeof segment === 'number' ? segment : String(segment))), message: i.message }));
    super(`${what} config: ${paths.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'ActorConfigError';
    this.issues = paths;
  }
}
