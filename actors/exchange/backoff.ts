import type { Random } from '../../src/domain/random.js';

/**
 * Exponential backoff with jitter for reconnects and rate-limit pauses:
 * delay(n) = min(max, min * 2^n) * (1 + jitter * r), r uniform in [0, 1) from a seeded
 * generator, so a run is reproducible and many clients do not retry in lockstep.
 */
export interface BackoffSettings {
  minMs: number;
  maxMs: number;
  /** 0 = no jitter; 0.5 = up to 50 % longer. */
  jitter: number;
}

export class Backoff {
  private failures = 0;

  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: Random,
  ) {
    const { minMs, maxMs, jitter } = settings;
    if (!(minMs > 0)) throw new RangeError(`backoff: min_ms must be > 0, got ${minMs}`);
    if (!(maxMs >= minMs)) throw new RangeError(`backoff: max_ms (${maxMs}) must be >= min_ms (${minMs})`);
    if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`backoff: jitter must be in [0, 1], got ${jitter}`);
  }

  /** Consecutive failures so far. */
  get attempts(): number {
    return this.failures;
  }

  /** The wait before the next attempt; each call counts one more failure. */
  next(): number {
    const { minMs, maxMs, jitter } = this.settings;
    const base = Math.min(maxMs, minMs * 2 ** Math.min(this.failures, 52));
    this.failures++;
    return Math.round(base * (1 + jitter * this.random.next()));
  }

  reset(): void {
    this.failures = 0;
  }
}
