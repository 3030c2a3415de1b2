/**
 * Instrument specifications and exact grid arithmetic for prices and quantities.
 *
 * Venues accept a price only when it is a whole number of ticks and a quantity only when it is
 * a whole number of steps. Binary floating point cannot represent most decimal ticks (0.1,
 * 0.01, 1e-8), so `x % tick` is wrong (0.3 % 0.1 = 0.09999999999999998). Everything here works
 * on the integer count of increments, `n = round(x / increment)`, and decides "on the grid"
 * with a relative tolerance far below one increment but far above float noise.
 */

export interface InstrumentSpec {
  /** Small integer id used in hot messages (see messages.ts). */
  id: number;
  /** Venue symbol, e.g. "BTCUSDT". */
  symbol: string;
  base: string;
  quote: string;
  tickSize: number;
  stepSize: number;
  minQty: number;
  /** Infinity when the venue sets no maximum. */
  maxQty: number;
  minPrice: number;
  /** Infinity when the venue sets no maximum. */
  maxPrice: number;
  /** Minimum price × qty in quote currency (0 = none). */
  minNotional: number;
  /** Maximum price × qty in quote currency (Infinity = none). */
  maxNotional: number;
}

export type RoundingMode = 'nearest' | 'down' | 'up';

/**
 * A value whose distance from the grid is below this fraction of one increment counts as on
 * the grid. 1e-9 of a tick is far beyond any price a venue sends, and far above the ~1e-16
 * relative error of a division.
 */
const GRID_TOLERANCE = 1e-9;

/** Largest count of increments handled exactly (integers beyond 2^53 lose precision). */
const MAX_INCREMENT_COUNT = Number.MAX_SAFE_INTEGER;

/**
 * The increment as an exact integer ratio `units / 10^decimals`, so that multiples can be
 * formed as `(n × units) / 10^decimals`: an integer product divided by an exact power of ten is
 * the double closest to the intended decimal (no 0.30000000000000004).
 */
interface DecimalIncrement {
  units: number;
  scale: number;
}

const decimalCache = new Map<number, DecimalIncrement>();

function decimalIncrement(increment: number): DecimalIncrement {
  const cached = decimalCache.get(increment);
  if (cached) return cached;
  for (let decimals = 0; decimals <= 20; decimals++) {
    const scale = 10 ** decimals;
    const units = Math.round(increment * scale);
    if (units > 0 && Math.abs(units - increment * scale) <= GRID_TOLERANCE * increment * scale) {
      const found = { units, scale };
      decimalCache.set(increment, found);
      return found;
    }
  }
  // Not a decimal fraction with <= 20 places (e.g. 1/3): fall back to plain multiples.
  const plain = { units: increment, scale: 1 };
  decimalCache.set(increment, plain);
  return plain;
}

function assertIncrement(name: string, increment: number): void {
  if (!(Number.isFinite(increment) && increment > 0)) {
    throw new RangeError(`${name} must be a finite number > 0, got ${increment}`);
  }
}

/** How many whole increments `value` is, rounded by `mode` after forgiving float noise. */
export function incrementCount(value: number, increment: number, mode: RoundingMode = 'nearest'): number {
  assertIncrement('increment', increment);
  if (!Number.isFinite(value)) throw new RangeError(`value must be finite, got ${value}`);
  const ratio = value / increment;
  const nearest = Math.round(ratio);
  if (Math.abs(ratio - nearest) <= GRID_TOLERANCE * Math.max(1, Math.abs(nearest))) return nearest;
  if (mode === 'down') return Math.floor(ratio);
  if (mode === 'up') return Math.ceil(ratio);
  return nearest;
}

/** `count` increments as the double closest to the exact decimal result. */
export function multipleOf(count: number, increment: number): number {
  assertIncrement('increment', increment);
  if (!Number.isInteger(count) || Math.abs(count) > MAX_INCREMENT_COUNT) {
    throw new RangeError(`count must be a safe integer, got ${count}`);
  }
  const { units, scale } = decimalIncrement(increment);
  const product = count * units;
  if (Math.abs(product) > MAX_INCREMENT_COUNT) return count * increment;
  return product / scale;
}

export function roundToIncrement(value: number, increment: number, mode: RoundingMode = 'nearest'): number {
  return multipleOf(incrementCount(value, increment, mode), increment);
}

/** True when `value` is a whole number of increments (within float noise). */
export function isOnGrid(value: number, increment: number): boolean {
  if (!Number.isFinite(value) || !(Number.isFinite(increment) && increment > 0)) return false;
  const ratio = value / increment;
  const nearest = Math.round(ratio);
  return Math.abs(ratio - nearest) <= GRID_TOLERANCE * Math.max(1, Math.abs(nearest));
}

/** Prices round to the nearest tick unless the caller asks for a side-safe direction. */
export function roundPrice(spec: InstrumentSpec, price: number, mode: RoundingMode = 'nearest'): number {
  return roundToIncrement(price, spec.tickSize, mode);
}

/** Quantities round down by default: never send more than was asked for. */
export function roundQty(spec: InstrumentSpec, qty: number, mode: RoundingMode = 'down'): number {
  return roundToIncrement(qty, spec.stepSize, mode);
}

/** Comparison of a value against a limit that forgives float noise of a fraction of `increment`. */
function exceeds(value: number, limit: number, increment: number): boolean {
  return value > limit + increment * GRID_TOLERANCE;
}

export function isPriceOnTick(spec: InstrumentSpec, price: number): boolean {
  return price > 0 && isOnGrid(price, spec.tickSize);
}

export function isQtyOnStep(spec: InstrumentSpec, qty: number): boolean {
  return qty > 0 && isOnGrid(qty, spec.stepSize);
}

export function isQtyInRange(spec: InstrumentSpec, qty: number): boolean {
  return Number.isFinite(qty) && !exceeds(spec.minQty, qty, spec.stepSize) && !exceeds(qty, spec.maxQty, spec.stepSize);
}

export function isPriceInRange(spec: InstrumentSpec, price: number): boolean {
  return Number.isFinite(price) && !exceeds(spec.minPrice, price, spec.tickSize) && !exceeds(price, spec.maxPrice, spec.tickSize);
}

/** Notional limits compare with a tolerance of a billionth of the notional itself. */
export function meetsMinNotional(spec: InstrumentSpec, price: number, qty: number): boolean {
  const notional = price * qty;
  return notional >= spec.minNotional * (1 - GRID_TOLERANCE);
}

export function withinMaxNotional(spec: InstrumentSpec, price: number, qty: number): boolean {
  const notional = price * qty;
  return notional <= spec.maxNotional * (1 + GRID_TOLERANCE);
}

/**
 * Throws a RangeError naming the first field that is wrong. Run once when instrument tables
 * are loaded from config or the venue, so hot-path checks can trust the spec.
 */
export function validateInstrumentSpec(spec: InstrumentSpec): InstrumentSpec {
  const where = `instrument ${JSON.stringify(spec.symbol)}`;
  if (!Number.isInteger(spec.id) || spec.id < 0) throw new RangeError(`${where}: id must be an integer >= 0, got ${spec.id}`);
  for (const field of ['symbol', 'base', 'quote'] as const) {
    if (typeof spec[field] !== 'string' || spec[field].length === 0) throw new RangeError(`${where}: ${field} must be a non-empty string`);
  }
  for (const field of ['tickSize', 'stepSize'] as const) {
    if (!(Number.isFinite(spec[field]) && spec[field] > 0)) throw new RangeError(`${where}: ${field} must be a finite number > 0, got ${spec[field]}`);
  }
  for (const field of ['minQty', 'minPrice', 'minNotional'] as const) {
    if (!(Number.isFinite(spec[field]) && spec[field] >= 0)) throw new RangeError(`${where}: ${field} must be a finite number >= 0, got ${spec[field]}`);
  }
  const ranges = [
    ['minQty', 'maxQty'],
    ['minPrice', 'maxPrice'],
    ['minNotional', 'maxNotional'],
  ] as const;
  for (const [low, high] of ranges) {
    if (Number.isNaN(spec[high]) || !(spec[high] > spec[low])) {
      throw new RangeError(`${where}: ${high} (${spec[high]}) must be greater than ${low} (${spec[low]}); use Infinity for no limit`);
    }
  }
  if (spec.minQty > 0 && !isOnGrid(spec.minQty, spec.stepSize)) {
    throw new RangeError(`${where}: minQty ${spec.minQty} is not a multiple of stepSize ${spec.stepSize}`);
  }
  if (spec.minPrice > 0 && !isOnGrid(spec.minPrice, spec.tickSize)) {
    throw new RangeError(`${where}: minPrice ${spec.minPrice} is not a multiple of tickSize ${spec.tickSize}`);
  }
  return spec;
}
