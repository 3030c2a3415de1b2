/**
 * Incremental technical indicators: each is fed one value (or bar) at a time, keeps O(1)
 * state, allocates nothing per update, and reports `undefined` until it has seen enough input
 * to be defined (no value is invented for the warm-up).
 *
 * Seeding, the part where implementations disagree:
 * - EMA(n): α = 2 / (n + 1), seeded with the simple mean of the first n inputs (the first
 *   output is the n-th input's update), as TA-Lib and most charting packages do.
 * - RSI(n) and ATR(n) use Wilder's smoothing, avg ← (avg × (n − 1) + x) / n, seeded with the
 *   simple mean of the first n observations. RSI observes price changes, so its first value
 *   comes with the (n + 1)-th close. ATR observes true ranges; the first bar has no previous
 *   close, so its true range is high − low, and the first ATR comes with the n-th bar.
 * - Ewma(λ): m ← λ·m + (1 − λ)·x, seeded with the first observation itself (no prior guess).
 */

function assertPeriod(indicator: string, period: number): void {
  if (!Number.isInteger(period) || period < 1) {
    throw new RangeError(`${indicator}: period must be an integer >= 1, got ${period}`);
  }
}

function assertFinite(indicator: string, field: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${indicator}: ${field} must be a finite number, got ${value}`);
}

export class Ema {
  readonly period: number;
  readonly alpha: number;
  private count = 0;
  private sum = 0;
  private current: number | undefined;

  constructor(period: number) {
    assertPeriod('EMA', period);
    this.period = period;
    this.alpha = 2 / (period + 1);
  }

  update(x: number): number | undefined {
    assertFinite('EMA', 'input', x);
    if (this.current !== undefined) {
      this.current += this.alpha * (x - this.current);
      return this.current;
    }
    this.sum += x;
    this.count++;
    if (this.count === this.period) this.current = this.sum / this.period;
    return this.current;
  }

  get value(): number | undefined {
    return this.current;
  }
}

/** Wilder's running average: the simple mean of the first n samples, then avg + (x − avg) / n. */
class WilderAverage {
  private count = 0;
  private sum = 0;
  private current: number | undefined;

  constructor(private readonly period: number) {}

  update(x: number): number | undefined {
    if (this.current !== undefined) {
      this.current = (this.current * (this.period - 1) + x) / this.period;
      return this.current;
    }
    this.sum += x;
    this.count++;
    if (this.count === this.period) this.current = this.sum / this.period;
    return this.current;
  }

  get value(): number | undefined {
    return this.current;
  }
}

/**
 * Wilder's Relative Strength Index: RSI = 100 − 100 / (1 + avgGain / avgLoss). With no losses
 * in the window it is 100, with no gains 0, and with neither (a flat window) 50: the market
 * showed no strength either way.
 */
export class WilderRsi {
  readonly period: number;
  private previousClose: number | undefined;
  private readonly gains: WilderAverage;
  private readonly losses: WilderAverage;
  private current: number | undefined;

  constructor(period: number) {
    assertPeriod('RSI', period);
    this.period = period;
    this.gains = new WilderAverage(period);
    this.losses = new WilderAverage(period);
  }

  update(close: number): number | undefined {
    assertFinite('RSI', 'close', close);
    const previous = this.previousClose;
    this.previousClose = close;
    if (previous === undefined) return undefined;
    const change = close - previous;
    const avgGain = this.gains.update(change > 0 ? change : 0);
    const avgLoss = this.losses.update(change < 0 ? -change : 0);
    if (avgGain === undefined || avgLoss === undefined) return undefined;
    if (avgLoss === 0) this.current = avgGain === 0 ? 50 : 100;
    else this.current = 100 - 100 / (1 + avgGain / avgLoss);
    return this.current;
  }

  get value(): number | undefined {
    return this.current;
  }
}

/** max(high − low, |high − previous close|, |low − previous close|); high − low for the first bar. */
export function trueRange(high: number, low: number, previousClose: number | undefined): number {
  const range = high - low;
  if (previousClose === undefined) return range;
  return Math.max(range, Math.abs(high - previousClose), Math.abs(low - previousClose));
}

/** Wilder's Average True Range. */
export class WilderAtr {
  readonly period: number;
  private previousClose: number | undefined;
  private readonly average: WilderAverage;

  constructor(period: number) {
    assertPeriod('ATR', period);
    this.period = period;
    this.average = new WilderAverage(period);
  }

  update(high: number, low: number, close: number): number | undefined {
    assertFinite('ATR', 'high', high);
    assertFinite('ATR', 'low', low);
    assertFinite('ATR', 'close', close);
    if (high < low) throw new RangeError(`ATR: high (${high}) must be >= low (${low})`);
    if (close > high || close < low) throw new RangeError(`ATR: close (${close}) must lie within [low ${low}, high ${high}]`);
    const tr = trueRange(high, low, this.previousClose);
    this.previousClose = close;
    return this.average.update(tr);
  }

  get value(): number | undefined {
    return this.average.value;
  }
}

/**
 * Exponentially weighted mean with decay λ (the weight kept by the old mean), seeded with the
 * first observation. `count` lets a caller demand a minimum number of observations.
 */
export class Ewma {
  readonly decay: number;
  private n = 0;
  private current: number | undefined;

  constructor(decay: number) {
    if (!(decay > 0 && decay < 1)) throw new RangeError(`EWMA: decay must be in (0, 1), got ${decay}`);
    this.decay = decay;
  }

  update(x: number): number {
    assertFinite('EWMA', 'input', x);
    this.n++;
    this.current = this.current === undefined ? x : this.decay * this.current + (1 - this.decay) * x;
    return this.current;
  }

  get value(): number | undefined {
    return this.current;
  }

  get count(): number {
    return this.n;
  }
}
