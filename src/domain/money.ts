/**
 * Exact decimal amounts as scaled integers: a value is a bigint count of units of 10^-scale.
 * `12345n` at scale 2 is 123.45. The scale is not stored with the units: each kind of value
 * has one scale known where it is used (an instrument's quantities at its step's decimals,
 * its prices at its tick's decimals, a ledger's money at the ledger's money scale), so the
 * hot path adds and compares plain bigints and never normalises.
 *
 * What is booked (positions, cash, fees, PnL, order quantities) is kept in units; doubles
 * appear only at the boundaries: messages carry f64 (a venue's decimal text parsed once),
 * and models (A-S, VaR, indicators) read a double view. `unitsFromNumber` turns a message's
 * double back into the decimal it was parsed from, `unitsToNumber` gives the view.
 *
 * Rounding, where a division forces one, is half to even (banker's rounding): unbiased, so
 * many roundings do not drift in one direction.
 */

/** Largest scale accepted: 10^18 units per whole keeps every product of two amounts well inside what BigInt handles fast. */
export const MAX_SCALE = 18;

const POW10: bigint[] = Array.from({ length: 2 * MAX_SCALE + 1 }, (_, i) => 10n ** BigInt(i));
const POW10_NUMBER: number[] = Array.from({ length: MAX_SCALE + 1 }, (_, i) => 10 ** i);

/** 10^n as a bigint (cached for the scales used here). */
export function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

function assertScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 0 || scale > MAX_SCALE) throw new RangeError(`scale must be an integer 0..${MAX_SCALE}, got ${scale}`);
}

export type Rounding = 'half-even' | 'floor' | 'ceil' | 'exact';

/** numerator / denominator rounded to an integer by `rounding` ('exact' throws when there is a remainder). */
export function divideRounded(numerator: bigint, denominator: bigint, rounding: Rounding = 'half-even'): bigint {
  if (denominator === 0n) throw new RangeError(`division by zero (${numerator} / 0)`);
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  // BigInt division truncates toward zero; step to floor first so every mode starts from one place.
  let quotient = numerator / denominator;
  let remainder = numerator % denominator;
  if (remainder < 0n) {
    quotient -= 1n;
    remainder += denominator;
  }
  if (remainder === 0n) return quotient;
  switch (rounding) {
    case 'floor':
      return quotient;
    case 'ceil':
      return quotient + 1n;
    case 'exact':
      throw new RangeError(`${numerator} / ${denominator} is not a whole number`);
    case 'half-even': {
      const twice = remainder * 2n;
      if (twice > denominator || (twice === denominator && (quotient & 1n) === 1n)) return quotient + 1n;
      return quotient;
    }
  }
}

/** Units at `from` decimals as units at `to` decimals (exact when `to` >= `from`). */
export function rescale(units: bigint, from: number, to: number, rounding: Rounding = 'half-even'): bigint {
  if (to === from) return units;
  if (to > from) return units * pow10(to - from);
  return divideRounded(units, pow10(from - to), rounding);
}

const FAST_PATH_LIMIT = 2 ** 52;

const DECIMAL_TEXT = /^([+-])?([0-9]+)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * A decimal string ("61837.64", "-0.5", "1e-7", "0.20000000") as units at `scale`. More
 * decimals than the scale holds are rounded by `rounding`; with 'exact' (the default) they
 * must be zeros, otherwise a RangeError names the text and the scale.
 */
export function parseUnits(text: string, scale: number, rounding: Rounding = 'exact'): bigint {
  assertScale(scale);
  const match = DECIMAL_TEXT.exec(text.trim());
  if (!match) throw new RangeError(`not a decimal number: ${JSON.stringify(text)}`);
  const [, sign, whole = '', fraction = '', exponentText] = match;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) throw new RangeError(`decimal exponent out of range: ${JSON.stringify(text)}`);
  // digits × 10^(exponent − fraction length) = value; shift so the result is in units of 10^-scale.
  const magnitude = BigInt(`${whole}${fraction}`);
  const digits = sign === '-' ? -magnitude : magnitude;
  const shift = exponent - fraction.length + scale;
  if (shift >= 0) return digits * pow10(shift);
  if (rounding === 'exact' && digits % pow10(-shift) !== 0n) throw new RangeError(`${JSON.stringify(text)} has more than ${scale} decimal places`);
  return divideRounded(digits, pow10(-shift), rounding);
}

/**
 * A double from a message as units at `scale`. Doubles on the wire were parsed from a venue's
 * decimal text, so the shortest decimal that reads back as the same double is that text; it is
 * what this converts. 'exact' (the default) throws when that decimal has more places than the
 * scale; other roundings round it.
 */
export function unitsFromNumber(value: number, scale: number, rounding: Rounding = 'exact'): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`amount must be a finite number, got ${value}`);
  assertScale(scale);
  // Fast path: n / 10^scale of two exact doubles is correctly rounded, so when it reads back as
  // `value`, the decimal n × 10^-scale stands for it; below 2^52 doubles are closer together
  // than 10^-scale there, so no other decimal of that scale does.
  const factor = POW10_NUMBER[scale]!;
  const n = Math.round(value * factor);
  if (Math.abs(n) < FAST_PATH_LIMIT && n / factor === value) return BigInt(n);
  return parseUnits(String(value), scale, rounding);
}

/** Units as fixed-point text with exactly `scale` decimals: 20391604n at 8 -> "0.20391604". */
export function formatUnits(units: bigint, scale: number): string {
  assertScale(scale);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/** The double closest to the exact amount (for models and limits, never for booking). */
export function unitsToNumber(units: bigint, scale: number): number {
  return Number(formatUnits(units, scale));
}

/**
 * The decimal places of an increment such as a tick or step size: 0.01 -> 2, 0.00001 -> 5, 5 -> 0.
 * Throws when the increment is not a decimal with at most MAX_SCALE places.
 */
export function decimalsOf(increment: number): number {
  if (!(Number.isFinite(increment) && increment > 0)) throw new RangeError(`increment must be a finite number > 0, got ${increment}`);
  for (let scale = 0; scale <= MAX_SCALE; scale++) {
    const factor = POW10_NUMBER[scale]!;
    const n = Math.round(increment * factor);
    if (n > 0 && n / factor === increment) return scale;
  }
  throw new RangeError(`increment ${increment} is not a decimal with at most ${MAX_SCALE} places`);
}

export const minUnits = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const absUnits = (a: bigint): bigint => (a < 0n ? -a : a);
