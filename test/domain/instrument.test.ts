import { describe, expect, it } from 'vitest';
import {
  incrementCount,
  isOnGrid,
  isPriceInRange,
  isQtyInRange,
  meetsMinNotional,
  roundPrice,
  roundQty,
  roundToIncrement,
  validateInstrumentSpec,
  withinMaxNotional,
  type InstrumentSpec,
} from '../../src/domain/instrument.js';

const BTCUSDT: InstrumentSpec = {
  id: 1,
  symbol: 'BTCUSDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: 0.01,
  stepSize: 0.00001,
  minQty: 0.00001,
  maxQty: 9000,
  minPrice: 0.01,
  maxPrice: 1_000_000,
  minNotional: 5,
  maxNotional: 9_000_000,
};

describe('grid arithmetic', () => {
  it('forgives float noise where x % tick and Math.floor(x / tick) do not', () => {
    expect(0.3 % 0.1).not.toBe(0); // the trap this module avoids
    expect(Math.floor(0.3 / 0.1)).toBe(2);
    expect(incrementCount(0.3, 0.1, 'down')).toBe(3);
    expect(isOnGrid(0.3, 0.1)).toBe(true);
    expect(isOnGrid(0.1 + 0.2, 0.1)).toBe(true);
    expect(isOnGrid(0.35, 0.1)).toBe(false);
  });

  it('returns the double closest to the decimal result', () => {
    expect(roundToIncrement(0.1 + 0.2, 0.1)).toBe(0.3);
    expect(roundToIncrement(1.005, 0.01, 'down')).toBe(1);
    expect(roundToIncrement(1.0051, 0.01, 'up')).toBe(1.01);
    expect(roundToIncrement(0.00012345678, 1e-8, 'down')).toBe(0.00012345);
    expect(roundToIncrement(0.00012345678, 1e-8, 'up')).toBe(0.00012346);
    expect(roundToIncrement(123456.789, 5)).toBe(123455);
  });

  it('rounds price to nearest tick and qty down to step by default', () => {
    expect(roundPrice(BTCUSDT, 27123.456)).toBe(27123.46);
    expect(roundPrice(BTCUSDT, 27123.456, 'down')).toBe(27123.45);
    expect(roundQty(BTCUSDT, 0.123456789)).toBe(0.12345);
    expect(roundQty(BTCUSDT, 0.123456789, 'up')).toBe(0.12346);
  });

  it('rejects bad increments and values with a message naming them', () => {
    expect(() => roundToIncrement(1, 0)).toThrow(/increment must be a finite number > 0/);
    expect(() => roundToIncrement(Number.NaN, 0.1)).toThrow(/value must be finite/);
    expect(isOnGrid(Number.NaN, 0.1)).toBe(false);
  });
});

describe('range and notional helpers at their boundaries', () => {
  it.each([
    [0.00001, true],
    [0.000009, false],
    [9000, true],
    [9000.00001, false],
    [Number.NaN, false],
  ])('qty %s in range: %s', (qty, ok) => expect(isQtyInRange(BTCUSDT, qty)).toBe(ok));

  it.each([
    [0.01, true],
    [0.009, false],
    [1_000_000, true],
    [1_000_000.01, false],
  ])('price %s in range: %s', (price, ok) => expect(isPriceInRange(BTCUSDT, price)).toBe(ok));

  it('min and max notional include the limit itself', () => {
    expect(meetsMinNotional(BTCUSDT, 100, 0.05)).toBe(true); // exactly 5 (0.05 * 100 = 5.000000000000001 or 5)
    expect(meetsMinNotional(BTCUSDT, 100, 0.04999)).toBe(false);
    expect(withinMaxNotional(BTCUSDT, 1000, 9000)).toBe(true);
    expect(withinMaxNotional(BTCUSDT, 1000.01, 9000)).toBe(false);
  });
});

describe('validateInstrumentSpec', () => {
  it('accepts a venue-like spec and Infinity for absent maxima', () => {
    expect(validateInstrumentSpec(BTCUSDT)).toBe(BTCUSDT);
    expect(() => validateInstrumentSpec({ ...BTCUSDT, maxPrice: Infinity, maxNotional: Infinity })).not.toThrow();
  });

  it.each([
    [{ tickSize: 0 }, /tickSize must be a finite number > 0/],
    [{ stepSize: Number.NaN }, /stepSize must be a finite number > 0/],
    [{ minQty: -1 }, /minQty must be a finite number >= 0/],
    [{ maxQty: 0.000001 }, /maxQty .* must be greater than minQty/],
    [{ maxNotional: Number.NaN }, /maxNotional .* must be greater than minNotional/],
    [{ minQty: 0.000015 }, /minQty 0.000015 is not a multiple of stepSize/],
    [{ symbol: '' }, /symbol must be a non-empty string/],
    [{ id: 1.5 }, /id must be an integer/],
  ] as const)('names the bad field in %j', (patch, message) => {
    expect(() => validateInstrumentSpec({ ...BTCUSDT, ...patch })).toThrow(message);
  });
});
