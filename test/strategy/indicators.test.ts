import { describe, expect, it } from 'vitest';
import { Ema, Ewma, WilderAtr, WilderRsi, trueRange } from '../../actors/strategy/indicators.js';

const feed = (update: (x: number) => number | undefined, xs: readonly number[]): Array<number | undefined> => xs.map((x) => update(x));

describe('EMA', () => {
  it('is undefined for the first n − 1 inputs, then the SMA seed, then α-updates (hand-computed)', () => {
    // EMA(3): α = 2/(3+1) = 0.5. Seed = (1 + 2 + 3)/3 = 2.
    // 4 -> 2 + 0.5·(4 − 2) = 3;  5 -> 3 + 0.5·(5 − 3) = 4;  10 -> 4 + 0.5·(10 − 4) = 7.
    const ema = new Ema(3);
    expect(feed((x) => ema.update(x), [1, 2, 3, 4, 5, 10])).toEqual([undefined, undefined, 2, 3, 4, 7]);
    // EMA(4): α = 0.4. Seed = (10 + 11 + 12 + 13)/4 = 11.5; 20 -> 11.5 + 0.4·8.5 = 14.9.
    const ema4 = new Ema(4);
    const out = feed((x) => ema4.update(x), [10, 11, 12, 13, 20]);
    expect(out.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(out[3]).toBe(11.5);
    expect(out[4]).toBeCloseTo(14.9, 12);
    expect(ema4.value).toBeCloseTo(14.9, 12);
  });

  it('EMA(1) follows its input', () => {
    const ema = new Ema(1);
    expect(feed((x) => ema.update(x), [3, 7, 5])).toEqual([3, 7, 5]);
  });

  it('refuses a bad period or input, naming it', () => {
    expect(() => new Ema(0)).toThrow(/EMA: period must be an integer >= 1, got 0/);
    expect(() => new Ema(2.5)).toThrow(/period/);
    expect(() => new Ema(3).update(NaN)).toThrow(/EMA: input must be a finite number, got NaN/);
  });
});

describe("Wilder's RSI", () => {
  it('matches a hand-computed RSI(3)', () => {
    // closes 10, 11, 10.5, 12, 11, 11.5 -> changes +1, −0.5, +1.5, −1, +0.5
    // seed (3 changes): avgGain = (1 + 0 + 1.5)/3 = 5/6, avgLoss = 0.5/3 = 1/6, RS = 5, RSI = 100 − 100/6 = 83.333…
    // −1:  avgGain = (5/6·2 + 0)/3 = 10/18, avgLoss = (1/6·2 + 1)/3 = 8/18, RS = 1.25, RSI = 100 − 100/2.25 = 55.555…
    // +0.5: avgGain = (10/18·2 + 0.5)/3 = 29/54, avgLoss = (8/18·2)/3 = 16/54, RS = 29/16, RSI = 100 − 100/(45/16) = 64.444…
    const rsi = new WilderRsi(3);
    const out = feed((x) => rsi.update(x), [10, 11, 10.5, 12, 11, 11.5]);
    expect(out.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(out[3]).toBeCloseTo(100 - 100 / 6, 10);
    expect(out[4]).toBeCloseTo(100 - 100 / 2.25, 10);
    expect(out[5]).toBeCloseTo(100 - 1600 / 45, 10);
  });

  it('reproduces the published StockCharts RSI(14) worked example (QQQQ, Dec 2009 – Feb 2010)', () => {
    // Source: StockCharts ChartSchool "cs-rsi" spreadsheet. It prints closes, changes and RSI rounded to
    // cents, and its closes carry more digits than it prints: 45.10 -> 45.42 is printed as a change of
    // 0.33, and 44.03 - 45.35 as -1.33. RSI depends only on the changes, so the series is rebuilt from the
    // printed changes. Independent check of the first value: gains over the first 14 changes sum to 3.35,
    // losses to 1.40: avgGain = 0.239286, avgLoss = 0.1, RS = 2.39286, RSI = 100 - 100/3.39286 = 70.53.
    // A change printed to the cent is off by up to 0.005, which moves RSI by up to ~0.01; a different
    // smoothing (SMA, or EMA with alpha = 2/15) misses these values by whole points.
    const printedChanges = [
      -0.25, 0.06, -0.54, 0.72, 0.50, 0.27, 0.33, 0.42, 0.24, -0.19, 0.14, -0.42, 0.67, 0.00, -0.28, 0.03,
      0.38, -0.19, -0.58, 0.57, 0.04, -0.54, 0.74, -0.67, -0.43, -1.33, 0.15, 0.04, 0.35, -1.15, -0.76, 0.47,
    ];
    const published = [
      70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87,
      45.46, 37.30, 33.08, 37.77,
    ];
    const closes = printedChanges.reduce((acc, change) => [...acc, acc.at(-1)! + change], [44.34]);
    const rsi = new WilderRsi(14);
    const out = feed((x) => rsi.update(x), closes);
    expect(out.slice(0, 14).every((v) => v === undefined)).toBe(true);
    const computed = out.slice(14) as number[];
    expect(computed).toHaveLength(published.length);
    computed.forEach((v, i) => expect(Math.abs(v - published[i]!), `RSI #${i + 15}: ${v} vs ${published[i]}`).toBeLessThanOrEqual(0.01));
  });

  it('is 100 with no losses, 0 with no gains and 50 when flat', () => {
    const up = new WilderRsi(2);
    expect(feed((x) => up.update(x), [1, 2, 3])[2]).toBe(100);
    const down = new WilderRsi(2);
    expect(feed((x) => down.update(x), [3, 2, 1])[2]).toBe(0);
    const flat = new WilderRsi(2);
    expect(feed((x) => flat.update(x), [5, 5, 5])[2]).toBe(50);
  });

  it('refuses a bad period naming it', () => {
    expect(() => new WilderRsi(-1)).toThrow(/RSI: period must be an integer >= 1/);
    expect(() => new WilderRsi(3).update(Infinity)).toThrow(/RSI: close must be a finite number/);
  });
});

describe("Wilder's ATR", () => {
  it('true range takes gaps from the previous close into account', () => {
    expect(trueRange(10, 8, undefined)).toBe(2);
    expect(trueRange(15, 13, 11)).toBe(4); // gap up: high − previous close
    expect(trueRange(8, 7, 10)).toBe(3); // gap down: previous close − low
  });

  it('matches a hand-computed ATR(3) with gaps both ways', () => {
    // bar (h, l, c)       TR                                   ATR
    // 1 (10, 8, 9)        10 − 8 = 2 (no previous close)
    // 2 (11, 9, 10.5)     max(2, |11 − 9|, |9 − 9|) = 2
    // 3 (12, 10, 11)      max(2, 1.5, 0.5) = 2                 (2 + 2 + 2)/3 = 2
    // 4 (15, 13, 14)      max(2, |15 − 11|, |13 − 11|) = 4     (2·2 + 4)/3 = 8/3
    // 5 (14, 9, 10)       max(5, |14 − 14|, |9 − 14|) = 5      (8/3·2 + 5)/3 = 31/9
    // 6 (8, 7, 7.5)       max(1, |8 − 10|, |7 − 10|) = 3       (31/9·2 + 3)/3 = 89/27
    const atr = new WilderAtr(3);
    const bars: Array<[number, number, number]> = [[10, 8, 9], [11, 9, 10.5], [12, 10, 11], [15, 13, 14], [14, 9, 10], [8, 7, 7.5]];
    const out = bars.map(([h, l, c]) => atr.update(h, l, c));
    expect(out.slice(0, 2)).toEqual([undefined, undefined]);
    expect(out[2]).toBeCloseTo(2, 12);
    expect(out[3]).toBeCloseTo(8 / 3, 12);
    expect(out[4]).toBeCloseTo(31 / 9, 12);
    expect(out[5]).toBeCloseTo(89 / 27, 12);
  });

  it('refuses impossible bars naming the field', () => {
    expect(() => new WilderAtr(3).update(9, 10, 9.5)).toThrow(/ATR: high \(9\) must be >= low \(10\)/);
    expect(() => new WilderAtr(3).update(10, 9, 11)).toThrow(/ATR: close \(11\) must lie within/);
    expect(() => new WilderAtr(3).update(NaN, 9, 9)).toThrow(/ATR: high must be a finite number/);
  });
});

describe('EWMA', () => {
  it('is seeded with the first observation and then weighs the old mean by λ', () => {
    // λ = 0.9: 4 -> 4; 14 -> 0.9·4 + 0.1·14 = 5; 5 -> 0.9·5 + 0.1·5 = 5
    const m = new Ewma(0.9);
    expect(m.value).toBeUndefined();
    expect(m.update(4)).toBe(4);
    expect(m.update(14)).toBeCloseTo(5, 12);
    expect(m.update(5)).toBeCloseTo(5, 12);
    expect(m.count).toBe(3);
    expect(() => new Ewma(1)).toThrow(/EWMA: decay must be in \(0, 1\), got 1/);
  });
});
