/**
 * Position sizing: fractional Kelly and volatility targeting. Both return a notional in quote
 * currency capped by the venue's leverage; `qtyForNotional` turns it into an order quantity on
 * the instrument's step grid (rounded down: never more than the sizing allows).
 */
import { roundQty, type InstrumentSpec } from '../../src/domain/instrument.js';

export const DEFAULT_KELLY_FRACTION = 0.25;

/**
 * Full Kelly for a bet won with probability p paying b per unit risked (lost otherwise):
 * f* = p − (1 − p) / b. Negative when the bet has no edge.
 */
export function kellyFraction(winProbability: number, winLossRatio: number): number {
  if (!(winProbability >= 0 && winProbability <= 1)) throw new RangeError(`kelly: winProbability must be in [0, 1], got ${winProbability}`);
  if (!(winLossRatio > 0 && Number.isFinite(winLossRatio))) throw new RangeError(`kelly: winLossRatio must be a finite number > 0, got ${winLossRatio}`);
  return winProbability - (1 - winProbability) / winLossRatio;
}

export interface KellySizingInput {
  equity: number;
  winProbability: number;
  winLossRatio: number;
  /** Share of full Kelly to bet (full Kelly is too volatile for estimated edges). */
  kellyFraction?: number;
  /** The venue's maximum leverage: notional never exceeds equity × this. */
  maxLeverage: number;
}

export interface SizingResult {
  /** Fraction of equity before the leverage cap. */
  rawFraction: number;
  /** Fraction of equity after the cap and flooring at zero (no edge = no position). */
  fraction: number;
  notional: number;
  capped: boolean;
}

function assertEquityAndLeverage(where: string, equity: number, maxLeverage: number): void {
  if (!(equity >= 0 && Number.isFinite(equity))) throw new RangeError(`${where}: equity must be a finite number >= 0, got ${equity}`);
  if (!(maxLeverage > 0 && Number.isFinite(maxLeverage))) throw new RangeError(`${where}: maxLeverage must be a finite number > 0, got ${maxLeverage}`);
}

function capped(equity: number, rawFraction: number, maxLeverage: number): SizingResult {
  const fraction = Math.min(Math.max(0, rawFraction), maxLeverage);
  return { rawFraction, fraction, notional: equity * fraction, capped: rawFraction > maxLeverage };
}

export function fractionalKellySize(input: KellySizingInput): SizingResult {
  assertEquityAndLeverage('kelly', input.equity, input.maxLeverage);
  const share = input.kellyFraction ?? DEFAULT_KELLY_FRACTION;
  if (!(share > 0 && share <= 1)) throw new RangeError(`kelly: kellyFraction must be in (0, 1], got ${share}`);
  return capped(input.equity, share * kellyFraction(input.winProbability, input.winLossRatio), input.maxLeverage);
}

/** Sample standard deviation (n − 1) of per-period returns, scaled to a year. */
export function annualisedVolatility(returns: readonly number[], periodsPerYear: number): number {
  if (returns.length < 2) throw new RangeError(`volatility: need at least 2 returns, got ${returns.length}`);
  if (!(periodsPerYear > 0)) throw new RangeError(`volatility: periodsPerYear must be > 0, got ${periodsPerYear}`);
  let mean = 0;
  for (const r of returns) {
    if (!Number.isFinite(r)) throw new RangeError(`volatility: returns must be finite, got ${r}`);
    mean += r;
  }
  mean /= returns.length;
  let sq = 0;
  for (const r of returns) sq += (r - mean) ** 2;
  return Math.sqrt(sq / (returns.length - 1)) * Math.sqrt(periodsPerYear);
}

export interface VolTargetInput {
  equity: number;
  /** Per-period simple returns of the instrument (e.g. daily). */
  returns: readonly number[];
  periodsPerYear: number;
  /** Annualised volatility the position should have, as a fraction of equity (0.2 = 20%). */
  targetAnnualVol: number;
  maxLeverage: number;
}

/** Notional such that notional × instrument vol ≈ equity × target vol. */
export function volTargetSize(input: VolTargetInput): SizingResult {
  assertEquityAndLeverage('vol target', input.equity, input.maxLeverage);
  if (!(input.targetAnnualVol > 0)) throw new RangeError(`vol target: targetAnnualVol must be > 0, got ${input.targetAnnualVol}`);
  const vol = annualisedVolatility(input.returns, input.periodsPerYear);
  if (vol === 0) throw new RangeError('vol target: the returns have zero volatility; no size can be derived from them');
  return capped(input.equity, input.targetAnnualVol / vol, input.maxLeverage);
}

export function qtyForNotional(spec: InstrumentSpec, notional: number, price: number): number {
  if (!(price > 0)) throw new RangeError(`qtyForNotional: price must be > 0, got ${price}`);
  return roundQty(spec, notional / price, 'down');
}
