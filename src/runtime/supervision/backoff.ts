import type { Random } from '../../domain/random.js';
import type { BackoffSpec } from './tree-spec.js';

/**
 * Exponential backoff with jitter between restarts of a supervisor's children:
 * delay = min(max, min * 2^n) * (1 + random * randomFactor). `n` counts the restarts
 * since the children last ran for `resetAfterMs` without a failure (Akka's
 * BackoffSupervisor resets the same way), so a child that recovered starts again
 * from the short delay while a flapping one keeps backing off.
 */
export interface BackoffState {
  /** Exponent for the next restart. */
  readonly attempt: number;
  /** When the last restart completed (children running again), ms; undefined before any. */
  readonly lastRestartAt: number | undefined;
}

export const initialBackoff: BackoffState = { attempt: 0, lastRestartAt: undefined };

export function backoffDelayMs(spec: BackoffSpec, attempt: number, random: Random): number {
  // 2^attempt overflows to Infinity for large attempts; min() then caps it
  const base = Math.min(spec.maxMs, spec.minMs * 2 ** attempt);
  return Math.round(base * (1 + random.next() * spec.randomFactor));
}

export interface BackoffDecision {
  readonly delayMs: number;
  readonly state: BackoffState;
}

/** The delay before the restart that a failure at `nowMs` causes, and the state after it. */
export function nextBackoff(spec: BackoffSpec | undefined, state: BackoffState, nowMs: number, random: Random): BackoffDecision {
  if (!spec) return { delayMs: 0, state };
  const stable = state.lastRestartAt !== undefined && nowMs - state.lastRestartAt >= spec.resetAfterMs;
  const attempt = stable ? 0 : state.attempt;
  return { delayMs: backoffDelayMs(spec, attempt, random), state: { attempt: attempt + 1, lastRestartAt: state.lastRestartAt } };
}

/** Marks the moment the restarted children run again; stability is measured from here. */
export function restartCompleted(state: BackoffState, nowMs: number): BackoffState {
  return { attempt: state.attempt, lastRestartAt: nowMs };
}
