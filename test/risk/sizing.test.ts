import { describe, expect, it } from 'vitest';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import { annualisedVolatility, fractionalKellySize, kellyFraction, qtyForNotional, volTargetSize } from '../../actors/risk/sizing.js';

describe('fractional Kelly', () => {
  it('full Kelly for known p and b', () => {
    expect(kellyFraction(0.6, 1)).toBeCloseTo(0.2, 12); // 0.6 - 0.4/1
    expect(kellyFraction(0.55, 2)).toBeCloseTo(0.325, 12); // 0.55 - 0.45/2
    expect(kellyFraction(0.4, 1)).toBeCloseTo(-0.2, 12);
  });

  it('bets 25% of full Kelly by default, nothing without an edge, and never more than the leverage cap', () => {
    const a = fractionalKellySize({ equity: 10_000, winProbability: 0.55, winLossRatio: 2, maxLeverage: 3 });
    expect(a.fraction).toBeCloseTo(0.08125, 12);
    expect(a.notional).toBeCloseTo(812.5, 9);
    expect(a.capped).toBe(false);
    expect(fractionalKellySize({ equity: 10_000, winProbability: 0.4, winLossRatio: 1, maxLeverage: 3 }).notional).toBe(0);
    const capped = fractionalKellySize({ equity: 10_000, winProbability: 0.99, winLossRatio: 10, kellyFraction: 1, maxLeverage: 0.5 });
    expect(capped.rawFraction).toBeCloseTo(0.989, 12);
    expect(capped.fraction).toBe(0.5);
    expect(capped.notional).toBe(5000);
    expect(capped.capped).toBe(true);
  });

  it('refuses nonsense inputs naming them', () => {
    expect(() => kellyFraction(1.2, 1)).toThrow(/winProbability must be in \[0, 1\]/);
    expect(() => kellyFraction(0.5, 0)).toThrow(/winLossRatio/);
    expect(() => fractionalKellySize({ equity: 1, winProbability: 0.6, winLossRatio: 1, maxLeverage: 0 })).toThrow(/maxLeverage/);
    expect(() => fractionalKellySize({ equity: 1, winProbability: 0.6, winLossRatio: 1, maxLeverage: 1, kellyFraction: 2 })).toThrow(/kellyFraction/);
  });
});

describe('volatility targeting', () => {
  // Returns alternate ±1%: mean 0, sample variance 4 × 0.0001 / 3.
  const returns = [0.01, -0.01, 0.01, -0.01];
  const dailySd = Math.sqrt((4 * 0.0001) / 3);

  it('annualises the sample standard deviation', () => {
    expect(annualisedVolatility(returns, 365)).toBeCloseTo(dailySd * Math.sqrt(365), 12);
    expect(() => annualisedVolatility([0.01], 365)).toThrow(/at least 2 returns/);
  });

  it('sizes so that position vol equals the target, capped by leverage', () => {
    const vol = dailySd * Math.sqrt(365);
    const r = volTargetSize({ equity: 10_000, returns, periodsPerYear: 365, targetAnnualVol: 0.2, maxLeverage: 5 });
    expect(r.notional).toBeCloseTo((10_000 * 0.2) / vol, 9);
    expect(r.notional * vol).toBeCloseTo(10_000 * 0.2, 9); // position vol = target × equity
    const capped = volTargetSize({ equity: 10_000, returns, periodsPerYear: 365, targetAnnualVol: 0.2, maxLeverage: 0.5 });
    expect(capped.notional).toBe(5000);
    expect(() => volTargetSize({ equity: 1, returns: [0.01, 0.01], periodsPerYear: 365, targetAnnualVol: 0.2, maxLeverage: 1 })).toThrow(/zero volatility/);
  });

  it('turns a notional into a quantity rounded down to the step', () => {
    const spec: InstrumentSpec = { id: 1, symbol: 'X', base: 'X', quote: 'USDT', tickSize: 0.01, stepSize: 0.001, minQty: 0.001, maxQty: 1e6, minPrice: 0.01, maxPrice: 1e6, minNotional: 0, maxNotional: Infinity };
    expect(qtyForNotional(spec, 812.5, 300)).toBe(2.708);
  });
});
