import { describe, expect, it } from 'vitest';
import { decimalsOf, divideRounded, formatUnits, parseUnits, rescale, unitsFromNumber, unitsToNumber, type Rounding } from '../../src/domain/money.js';

describe('divideRounded', () => {
  const cases: Array<[bigint, bigint, Rounding, bigint]> = [
    [7n, 2n, 'half-even', 4n], // 3.5 -> 4 (4 is even)
    [5n, 2n, 'half-even', 2n], // 2.5 -> 2
    [-5n, 2n, 'half-even', -2n], // -2.5 -> -2
    [-7n, 2n, 'half-even', -4n], // -3.5 -> -4
    [7n, 3n, 'half-even', 2n], // 2.33 -> 2
    [8n, 3n, 'half-even', 3n], // 2.67 -> 3
    [-8n, 3n, 'half-even', -3n],
    [8n, -3n, 'half-even', -3n],
    [-7n, 2n, 'floor', -4n],
    [-7n, 2n, 'ceil', -3n],
    [7n, 2n, 'floor', 3n],
    [7n, 2n, 'ceil', 4n],
    [6n, 3n, 'exact', 2n],
  ];
  it.each(cases)('%s / %s (%s) = %s', (n, d, mode, expected) => {
    expect(divideRounded(n, d, mode)).toBe(expected);
  });
  it('refuses a remainder in exact mode and a zero divisor', () => {
    expect(() => divideRounded(7n, 2n, 'exact')).toThrow(/7 \/ 2 is not a whole number/);
    expect(() => divideRounded(1n, 0n)).toThrow(/division by zero/);
  });
});

describe('parseUnits and formatUnits', () => {
  const cases: Array<[string, number, bigint, string]> = [
    ['61837.64', 2, 6183764n, '61837.64'],
    ['0.20000000', 2, 20n, '0.20'],
    ['-0.5', 3, -500n, '-0.500'],
    ['1e-7', 8, 10n, '0.00000010'],
    ['1.5E+3', 0, 1500n, '1500'],
    ['+3', 1, 30n, '3.0'],
    ['0', 4, 0n, '0.0000'],
  ];
  it.each(cases)('%s at scale %i is %s units, printed %s', (text, scale, units, printed) => {
    expect(parseUnits(text, scale)).toBe(units);
    expect(formatUnits(units, scale)).toBe(printed);
  });
  it('rounds extra places only when asked, half to even', () => {
    expect(() => parseUnits('0.125', 2)).toThrow(/"0.125" has more than 2 decimal places/);
    expect(parseUnits('0.125', 2, 'half-even')).toBe(12n);
    expect(parseUnits('0.135', 2, 'half-even')).toBe(14n);
    expect(parseUnits('-0.125', 2, 'floor')).toBe(-13n);
  });
  it('names text that is not a decimal', () => {
    for (const bad of ['', 'abc', '1.2.3', '0x10', 'NaN', '1,5', '.25', '-']) expect(() => parseUnits(bad, 2)).toThrow(/not a decimal number/);
    expect(() => parseUnits('1', 19)).toThrow(/scale must be an integer 0..18, got 19/);
  });
});

describe('unitsFromNumber: a message double back to the decimal it was parsed from', () => {
  const cases: Array<[number, number, bigint]> = [
    [0.1, 8, 10000000n],
    [0.29, 2, 29n], // 0.29 * 100 = 28.999999999999996 in doubles
    [61837.64, 2, 6183764n],
    [1e-8, 8, 1n],
    [-0.3, 1, -3n],
    [123456789.12345678, 8, 12345678912345678n], // beyond the fast path: through the shortest decimal text
    [1e21, 0, 1000000000000000000000n],
  ];
  it.each(cases)('%s at scale %i = %s', (value, scale, units) => {
    expect(unitsFromNumber(value, scale)).toBe(units);
  });
  it('a double that is not a decimal of that scale is refused, or rounded when asked', () => {
    expect(() => unitsFromNumber(0.1 + 0.2, 8)).toThrow(/"0.30000000000000004" has more than 8 decimal places/);
    expect(unitsFromNumber(0.1 + 0.2, 8, 'half-even')).toBe(30000000n);
    expect(() => unitsFromNumber(Number.NaN, 2)).toThrow(/finite number, got NaN/);
  });
  it('unitsToNumber is the closest double', () => {
    expect(unitsToNumber(30000000n, 8)).toBe(0.3);
    expect(unitsToNumber(-6183764n, 2)).toBe(-61837.64);
  });
});

describe('rescale and decimalsOf', () => {
  it('rescales up exactly and down with rounding', () => {
    expect(rescale(123n, 2, 5)).toBe(123000n);
    expect(rescale(12345n, 3, 1)).toBe(123n); // 12.345 -> 12.3 (0.45 of a unit rounds down)
    expect(rescale(12350n, 3, 1)).toBe(124n); // 12.350 -> 12.4 (half to even: 123.5 -> 124)
    expect(rescale(12250n, 3, 1)).toBe(122n); // 12.250 -> 12.2 (122.5 -> 122)
  });
  const cases: Array<[number, number]> = [
    [0.01, 2],
    [0.00001, 5],
    [1e-8, 8],
    [0.5, 1],
    [5, 0],
    [0.0025, 4],
    [1 / 3, 16], // the double stands for 0.3333333333333333, its shortest decimal
  ];
  it.each(cases)('%s has %i decimals', (increment, decimals) => {
    expect(decimalsOf(increment)).toBe(decimals);
  });
  it('refuses increments that are not decimals', () => {
    expect(() => decimalsOf(1e-20)).toThrow(/not a decimal with at most 18 places/);
    expect(() => decimalsOf(0)).toThrow(/finite number > 0, got 0/);
  });
});
