import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/domain/random.js';
import { cholesky, covarianceMatrix, historicalVar, monteCarloVar, riskFromPnl, tailCount } from '../../actors/risk/var.js';

describe('historical VaR and ES', () => {
  // 20 daily returns of one asset, exposure 1000: losses are 50, 40, 30, 20, 10, then gains.
  const series = [-0.05, -0.04, -0.03, -0.02, -0.01, 0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12, 0.13, 0.14];
  const returns = series.map((r) => [r]);

  it('on a known small series', () => {
    const at95 = historicalVar(returns, [1000], 0.95); // tail = 1 scenario
    expect(at95.valueAtRisk).toBeCloseTo(50, 9);
    expect(at95.expectedShortfall).toBeCloseTo(50, 9);
    const at90 = historicalVar(returns, [1000], 0.9); // tail = 2 scenarios: 50, 40
    expect(at90.valueAtRisk).toBeCloseTo(40, 9);
    expect(at90.expectedShortfall).toBeCloseTo(45, 9);
    const at75 = historicalVar(returns, [1000], 0.75); // tail = 5: 50..10
    expect(at75.valueAtRisk).toBeCloseTo(10, 9);
    expect(at75.expectedShortfall).toBeCloseTo(30, 9);
    // A short position's losses are the other tail.
    expect(historicalVar(returns, [-1000], 0.9).valueAtRisk).toBeCloseTo(130, 9);
  });

  it('sums a two-asset portfolio per scenario', () => {
    const r = [
      [0.01, -0.02],
      [-0.03, 0.01],
      [0.02, 0.02],
      [-0.01, -0.04],
    ];
    // pnl = 100·a + 50·b: 0, -2.5, 3, -3 -> losses 3, 2.5, 0, -3
    const m = historicalVar(r, [100, 50], 0.5); // tail = 2
    expect(m.valueAtRisk).toBeCloseTo(2.5, 12);
    expect(m.expectedShortfall).toBeCloseTo(2.75, 12);
  });

  it('does not let float error add a tail scenario', () => {
    expect((1 - 0.95) * 20).toBeGreaterThan(1); // 1.0000000000000009
    expect(tailCount(20, 0.95)).toBe(1);
    expect(tailCount(100, 0.99)).toBe(1);
    expect(tailCount(3, 0.99)).toBe(1);
  });

  it('refuses malformed input naming it', () => {
    expect(() => historicalVar([[0.1, 0.2]], [1], 0.95)).toThrow(/returns\[0\] has 2 assets, exposures has 1/);
    expect(() => historicalVar([[Number.NaN]], [1], 0.95)).toThrow(/returns\[0\]\[0\] must be finite/);
    expect(() => riskFromPnl([1], 1)).toThrow(/confidence must be in \(0, 1\)/);
  });
});

describe('Cholesky', () => {
  it('factors a known matrix', () => {
    const L = cholesky([
      [4, 2],
      [2, 3],
    ]);
    expect(L[0]).toEqual([2, 0]);
    expect(L[1]![0]).toBe(1);
    expect(L[1]![1]).toBeCloseTo(Math.SQRT2, 15);
  });
  it('accepts a singular PSD matrix and refuses an indefinite one', () => {
    expect(
      cholesky([
        [1, 1],
        [1, 1],
      ]),
    ).toEqual([
      [1, 0],
      [1, 0],
    ]);
    expect(() =>
      cholesky([
        [1, 2],
        [2, 1],
      ]),
    ).toThrow(/not positive semi-definite/);
  });
});

describe('Monte Carlo VaR', () => {
  const Z95 = 1.6448536269514722; // standard normal 95% quantile
  const PHI_Z95_OVER_TAIL = 2.0627128075074257; // φ(z95) / 0.05: ES of N(0,1) at 95%

  function normalReturns(seed: number, n: number, sds: number[], rho: number): number[][] {
    const rng = seededRandom(seed);
    const out: number[][] = [];
    for (let t = 0; t < n; t++) {
      const z1 = rng.normal();
      const z2 = rho * z1 + Math.sqrt(1 - rho * rho) * rng.normal();
      out.push(sds.length === 1 ? [sds[0]! * z1] : [sds[0]! * z1, sds[1]! * z2]);
    }
    return out;
  }

  it('matches the normal closed form for one asset (same seed, same answer)', () => {
    const returns = normalReturns(7, 500, [0.02], 0);
    const mean = returns.reduce((s, r) => s + r[0]!, 0) / returns.length;
    const sd = Math.sqrt(returns.reduce((s, r) => s + (r[0]! - mean) ** 2, 0) / (returns.length - 1));
    const exposure = 10_000;
    const mc = monteCarloVar(returns, [exposure], 0.95, { scenarios: 40_000, seed: 11 });
    expect(mc.valueAtRisk / (exposure * (Z95 * sd - mean))).toBeGreaterThan(0.97);
    expect(mc.valueAtRisk / (exposure * (Z95 * sd - mean))).toBeLessThan(1.03);
    expect(mc.expectedShortfall / (exposure * (PHI_Z95_OVER_TAIL * sd - mean))).toBeGreaterThan(0.97);
    expect(mc.expectedShortfall / (exposure * (PHI_Z95_OVER_TAIL * sd - mean))).toBeLessThan(1.03);
    expect(monteCarloVar(returns, [exposure], 0.95, { scenarios: 40_000, seed: 11 })).toEqual(mc);
    expect(monteCarloVar(returns, [exposure], 0.95, { scenarios: 40_000, seed: 12 }).valueAtRisk).not.toBe(mc.valueAtRisk);
  });

  it('uses the covariance of the returns for a correlated two-asset portfolio', () => {
    const returns = normalReturns(3, 800, [0.02, 0.03], 0.6);
    const cov = covarianceMatrix(returns);
    const mean = [0, 1].map((i) => returns.reduce((s, r) => s + r[i]!, 0) / returns.length);
    const w = [5000, -2000];
    const portfolioSd = Math.sqrt(w[0]! ** 2 * cov[0]![0]! + 2 * w[0]! * w[1]! * cov[0]![1]! + w[1]! ** 2 * cov[1]![1]!);
    const meanPnl = w[0]! * mean[0]! + w[1]! * mean[1]!;
    const mc = monteCarloVar(returns, w, 0.99, { scenarios: 40_000, seed: 5 });
    const closedForm = 2.3263478740408408 * portfolioSd - meanPnl; // z at 99%
    expect(mc.valueAtRisk / closedForm).toBeGreaterThan(0.96);
    expect(mc.valueAtRisk / closedForm).toBeLessThan(1.04);
    expect(mc.expectedShortfall).toBeGreaterThan(mc.valueAtRisk);
  });

  it('refuses a bad scenario count', () => {
    expect(() => monteCarloVar([[0.01], [0.02]], [1], 0.95, { scenarios: 0, seed: 1 })).toThrow(/scenarios must be an integer >= 1/);
  });
});
