import type { RestartType, Strategy } from './tree-spec-schema.js';
import { isAbnormal, type ChildExitReason } from './exit-reason.js';

/** Whether a child that exited with `reason` is restarted, by its restart type (OTP). */
export function needsRestart(restart: RestartType, reason: ChildExitReason): boolean {
  switch (restart) {
    case 'permanent': return true;
    case 'transient': return isAbnormal(reason);
    case 'temporary': return false;
  }
}

/**
 * Indices of the children a strategy takes down and brings back when child `failed`
 * of `count` children fails: one_for_one just it, one_for_all all of them,
 * rest_for_one it and every child started after it.
 */
export function affectedChildren(strategy: Strategy, failed: number, count: number): number[] {
  if (failed < 0 || failed >= count) throw new RangeError(`affectedChildren: child ${failed} out of range 0..${count - 1}`);
  switch (strategy) {
    case 'one_for_one': return [failed];
    case 'one_for_all': return range(0, count);
    case 'rest_for_one': return range(failed, count);
  }
}

/** A bystander (taken down because of a sibling) comes back unless it is temporary. */
export function restartsAsBystander(restart: RestartType): boolean {
  return restart !== 'temporary';
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
