/**
 * Fixed-point decimals with 8 places as bigint "units" (1 unit = 1e-8), the precision
 * Binance prints every price, quantity and balance with. Integer arithmetic keeps the
 * ledger exact: a balance never drifts by float rounding, so conservation can be asserted
 * to the last unit.
 */
export const DECIMALS = 8;
export const UNIT = 10n ** BigInt(DECIMALS);

const DECIMAL_TEXT = /^([0-9]{1,20})(\.([0-9]{1,20}))?$/;

export type DecimalParse =
  | { ok: true; value: bigint }
  | { ok: false; reason: 'format' | 'precision' };

/** Parses a non-negative decimal string such as "61837.64" or "0.00100000". */
export function parseDecimal(text: string): DecimalParse {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) return { ok: false, reason: 'format' };
  const whole = match[1] ?? '0';
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > DECIMALS) return { ok: false, reason: 'precision' };
  return { ok: true, value: BigInt(whole) * UNIT + BigInt(fraction.padEnd(DECIMALS, '0') || '0') };
}

/** Parses a decimal that is known to be well formed (configuration, recorded data); throws otherwise. */
export function decimal(text: string): bigint {
  const parsed = parseDecimal(text);
  if (!parsed.ok) throw new RangeError(`not a non-negative decimal with at most ${DECIMALS} places: '${text}'`);
  return parsed.value;
}

/** Formats units as Binance does: always 8 places ("0.10000000"). */
export function formatDecimal(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / UNIT;
  const fraction = (abs % UNIT).toString().padStart(DECIMALS, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** price x quantity in quote units, rounded down (the amount that changes hands). */
export function notionalFloor(price: bigint, quantity: bigint): bigint {
  return (price * quantity) / UNIT;
}

/** price x quantity in quote units, rounded up (what must be reserved to pay for it). */
export function notionalCeil(price: bigint, quantity: bigint): bigint {
  const product = price * quantity;
  return (product + UNIT - 1n) / UNIT;
}

/** Largest multiple of `step` not above `value`. */
export function floorToStep(value: bigint, step: bigint): bigint {
  return step > 0n ? (value / step) * step : value;
}

export const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);
