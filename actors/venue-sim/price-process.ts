import type { Random } from '../../src/domain/random.js';

/**
 * The simulated mid price, one step at a time:
 *   log mid = log start + walk + noise + log(1 + basis)
 * - walk: a geometric random walk whose shocks mix a common factor (shared by every venue
 *   that uses the same common seed) with this venue's own shock:
 *   shock = sqrt(w) * common + sqrt(1 - w) * own, so two venues' returns correlate with w;
 * - noise: a mean-reverting (AR(1) / discretised Ornstein-Uhlenbeck) term, which makes the
 *   venues differ for a while and then come back together;
 * - basis: a constant per-venue offset in basis points.
 */
export interface PriceProcessParams {
  readonly startPrice: number;
  /** Standard deviation of the walk's log return per step. */
  readonly stepVolatility: number;
  /** Share of the walk's variance that comes from the common factor, in [0, 1]. */
  readonly commonWeight: number;
  /** Fraction of the noise removed per step, in [0, 1]. */
  readonly meanReversion: number;
  /** Standard deviation of the noise's shock per step. */
  readonly noiseVolatility: number;
  readonly basisBps: number;
}

export class MidPriceProcess {
  private walk = 0;
  private noise = 0;

  constructor(
    private readonly params: PriceProcessParams,
    private readonly own: Random,
    private readonly common: Random | undefined,
  ) {}

  get mid(): number {
    return this.params.startPrice * Math.exp(this.walk + this.noise) * (1 + this.params.basisBps / 10_000);
  }

  step(): number {
    const { stepVolatility, commonWeight, meanReversion, noiseVolatility } = this.params;
    const weight = this.common ? commonWeight : 0;
    const commonShock = this.common ? this.common.normal() : 0;
    const shock = Math.sqrt(weight) * commonShock + Math.sqrt(1 - weight) * this.own.normal();
    this.walk += stepVolatility * shock;
    this.noise = this.noise * (1 - meanReversion) + noiseVolatility * this.own.normal();
    return this.mid;
  }
}

/** FNV-1a, to derive a per-symbol seed so a symbol's stream does not depend on which other symbols exist. */
export function symbolSeed(seed: number, symbol: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) {
    hash ^= symbol.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash ^ (seed >>> 0)) >>> 0;
}
