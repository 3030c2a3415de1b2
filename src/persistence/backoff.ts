import type { Random } from '../domain/random.js';

export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** Extra delay of up to this fraction, drawn from the seeded generator, so retries do not align. */
  randomFactor: number;
}

/** Delay before retry number `attempt` (0-based): min(max, min * 2^attempt) * (1 + random * factor). */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: Random): number {
  const base = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(attempt, 30));
  return base * (1 + random.next() * policy.randomFactor);
}
