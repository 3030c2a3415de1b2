/**
 * Portfolio value at risk and expected shortfall, historical and Monte Carlo.
 *
 * Inputs: `returns[t][i]`, the simple return of asset i in period t, and `exposures[i]`, the
 * signed quote-currency value held in asset i (short < 0). Scenario PnL is Σ exposures[i] ×
 * return[i]; losses are −PnL.
 *
 * Tail convention (used by both methods): with n scenarios and confidence c, the tail is the
 * k = ceil((1 − c) × n) worst losses (at least one). VaR is the smallest loss in the tail (the
 * k-th worst) and expected shortfall is the mean of the tail, so ES >= VaR. A positive VaR is a
 * loss; a negative one means even the tail makes money.
 */
import { seededRandom } from '../../src/domain/random.js';

export interface RiskMeasure {
  confidence: number;
  valueAtRisk: number;
  expectedShortfall: number;
  scenarios: number;
}

function assertConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`VaR: confidence must be in (0, 1), got ${confidence}`);
}

function assertReturns(returns: readonly (readonly number[])[], exposures: readonly number[]): void {
  if (exposures.length === 0) throw new RangeError('VaR: exposures must name at least one asset');
  if (returns.length === 0) throw new RangeError('VaR: returns must hold at least one period');
  returns.forEach((row, t) => {
    if (row.length !== exposures.length) throw new RangeError(`VaR: returns[${t}] has ${row.length} assets, exposures has ${exposures.length}`);
    row.forEach((r, i) => {
      if (!Number.isFinite(r)) throw new RangeError(`VaR: returns[${t}][${i}] must be finite, got ${r}`);
    });
  });
  exposures.forEach((e, i) => {
    if (!Number.isFinite(e)) throw new RangeError(`VaR: exposures[${i}] must be finite, got ${e}`);
  });
}

/** Number of scenarios in the tail; the small slack absorbs float error in (1 − c) × n. */
export const tailCount = (n: number, confidence: number): number => Math.max(1, Math.ceil((1 - confidence) * n - 1e-9));

/** VaR and ES of a set of scenario PnLs. */
export function riskFromPnl(pnl: readonly number[], confidence: number): RiskMeasure {
  assertConfidence(confidence);
  if (pnl.length === 0) throw new RangeError('VaR: no scenarios');
  const losses = Float64Array.from(pnl, (x) => -x).sort().reverse();
  const k = tailCount(losses.length, confidence);
  let tail = 0;
  for (let i = 0; i < k; i++) tail += losses[i]!;
  return { confidence, valueAtRisk: losses[k - 1]!, expectedShortfall: tail / k, scenarios: losses.length };
}

export function portfolioPnl(returns: readonly (readonly number[])[], exposures: readonly number[]): number[] {
  return returns.map((row) => row.reduce((s, r, i) => s + r * exposures[i]!, 0));
}

export function historicalVar(returns: readonly (readonly number[])[], exposures: readonly number[], confidence: number): RiskMeasure {
  assertReturns(returns, exposures);
  return riskFromPnl(portfolioPnl(returns, exposures), confidence);
}

export function meanVector(returns: readonly (readonly number[])[]): number[] {
  const n = returns[0]!.length;
  const mean = new Array<number>(n).fill(0);
  for (const row of returns) for (let i = 0; i < n; i++) mean[i]! += row[i]!;
  return mean.map((m) => m / returns.length);
}

/** Sample covariance (n − 1 denominator). */
export function covarianceMatrix(returns: readonly (readonly number[])[]): number[][] {
  if (returns.length < 2) throw new RangeError(`covariance: need at least 2 periods, got ${returns.length}`);
  const mean = meanVector(returns);
  const n = mean.length;
  const cov = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const row of returns) {
    for (let i = 0; i < n; i++) {
      const di = row[i]! - mean[i]!;
      for (let j = 0; j <= i; j++) cov[i]![j]! += di * (row[j]! - mean[j]!);
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      cov[i]![j]! /= returns.length - 1;
      cov[j]![i] = cov[i]![j]!;
    }
  }
  return cov;
}

/**
 * Lower-triangular L with L Lᵀ = matrix. Positive semi-definite input is accepted: a zero pivot
 * (a perfectly dependent asset) gives a zero column, so collinear assets still simulate.
 */
export function cholesky(matrix: readonly (readonly number[])[]): number[][] {
  const n = matrix.length;
  matrix.forEach((row, i) => {
    if (row.length !== n) throw new RangeError(`cholesky: matrix must be square, row ${i} has ${row.length} entries, expected ${n}`);
    for (let j = 0; j < i; j++) {
      if (Math.abs(row[j]! - matrix[j]![i]!) > 1e-12 * Math.max(1, Math.abs(row[j]!))) throw new RangeError(`cholesky: matrix is not symmetric at [${i}][${j}]`);
    }
  });
  const scale = Math.max(...matrix.map((row, i) => Math.abs(row[i]!)), Number.MIN_VALUE);
  const tolerance = 1e-12 * scale;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    let diag = matrix[j]![j]!;
    for (let k = 0; k < j; k++) diag -= L[j]![k]! ** 2;
    if (diag < -tolerance) throw new RangeError(`cholesky: matrix is not positive semi-definite (pivot ${j} is ${diag})`);
    const ljj = diag <= tolerance ? 0 : Math.sqrt(diag);
    L[j]![j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = matrix[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      if (ljj === 0) {
        if (Math.abs(s) > Math.sqrt(tolerance)) throw new RangeError(`cholesky: matrix is not positive semi-definite (zero pivot ${j} with off-diagonal ${s})`);
        L[i]![j] = 0;
      } else {
        L[i]![j] = s / ljj;
      }
    }
  }
  return L;
}

export interface MonteCarloOptions {
  scenarios: number;
  seed: number;
}

/**
 * Returns drawn from a multivariate normal with the sample mean and covariance of `returns`
 * (Cholesky factor times independent standard normals from the seeded generator), valued with
 * the same tail convention as the historical method. Same seed, same answer.
 */
export function monteCarloVar(
  returns: readonly (readonly number[])[],
  exposures: readonly number[],
  confidence: number,
  options: MonteCarloOptions,
): RiskMeasure {
  assertReturns(returns, exposures);
  assertConfidence(confidence);
  if (!(Number.isInteger(options.scenarios) && options.scenarios >= 1)) throw new RangeError(`Monte Carlo VaR: scenarios must be an integer >= 1, got ${options.scenarios}`);
  const mean = meanVector(returns);
  const L = cholesky(covarianceMatrix(returns));
  const n = exposures.length;
  // PnL = w·(μ + L z) = w·μ + (Lᵀ w)·z: one dot product per scenario.
  const loadings = new Float64Array(n);
  for (let k = 0; k < n; k++) for (let i = k; i < n; i++) loadings[k]! += exposures[i]! * L[i]![k]!;
  const meanPnl = exposures.reduce((s, w, i) => s + w * mean[i]!, 0);
  const rng = seededRandom(options.seed);
  const pnl = new Array<number>(options.scenarios);
  for (let s = 0; s < options.scenarios; s++) {
    let x = meanPnl;
    for (let k = 0; k < n; k++) x += loadings[k]! * rng.normal();
    pnl[s] = x;
  }
  return riskFromPnl(pnl, confidence);
}
