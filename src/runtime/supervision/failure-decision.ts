import type { Random } from '../../domain/random.js';
import { nextBackoff, type BackoffState } from './backoff.js';
import type { ChildExitReason } from './exit-reason.js';
import { recordRestart, type RestartWindow } from './restart-intensity.js';
import { affectedChildren, needsRestart } from './restart-strategy.js';
import type { RestartType, Strategy } from './tree-spec-schema.js';
import type { BackoffSpec } from './tree-spec.js';

/** What a supervisor does about one child that went away without being asked to. */
export type FailureDecision =
  /** The restart type says this exit needs no restart: the child stays down, siblings untouched. */
  | { readonly action: 'leave-down' }
  /** Intensity exceeded: stop every child and escalate (or open the breaker if isolated). */
  | { readonly action: 'give-up'; readonly window: RestartWindow; readonly restartsInPeriod: number }
  | {
      readonly action: 'restart';
      /** Children to take down (in reverse) and bring back (in order), by index. */
      readonly children: readonly number[];
      readonly delayMs: number;
      readonly window: RestartWindow;
      readonly backoff: BackoffState;
      readonly restartsInPeriod: number;
    };

export interface FailureContext {
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly periodMs: number;
  readonly backoffSpec: BackoffSpec | undefined;
  /** Restart type of each child by index (child supervisors are permanent). */
  readonly restartTypes: readonly RestartType[];
  readonly window: RestartWindow;
  readonly backoff: BackoffState;
  readonly nowMs: number;
  readonly random: Random;
}

export function decideFailure(ctx: FailureContext, failedIndex: number, reason: ChildExitReason): FailureDecision {
  const restartType = ctx.restartTypes[failedIndex];
  if (restartType === undefined) throw new RangeError(`decideFailure: no child at index ${failedIndex}`);
  if (!needsRestart(restartType, reason)) return { action: 'leave-down' };
  const verdict = recordRestart(ctx.window, ctx.nowMs, ctx.intensity, ctx.periodMs);
  if (verdict.exceeded) return { action: 'give-up', window: verdict.window, restartsInPeriod: verdict.restartsInPeriod };
  const { delayMs, state } = nextBackoff(ctx.backoffSpec, ctx.backoff, ctx.nowMs, ctx.random);
  return {
    action: 'restart',
    children: affectedChildren(ctx.strategy, failedIndex, ctx.restartTypes.length),
    delayMs,
    window: verdict.window,
    backoff: state,
    restartsInPeriod: verdict.restartsInPeriod,
  };
}
