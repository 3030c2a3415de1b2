import { describeExit as describeActorExit, isAbnormal as isAbnormalActorExit } from '../actor-handle.js';
import type { ActorExitReason, SerializedError } from './child-port.js';

/**
 * Why a child of a supervisor went away: an actor's own exit reasons, plus a child
 * supervisor that gave up and escalated to its parent.
 */
export type ChildExitReason =
  | ActorExitReason
  | { readonly kind: 'escalated'; readonly supervisor: string; readonly cause: string };

/**
 * Abnormal = anything the supervisor did not ask for (an escalation always is).
 * `terminate()` and a crash both end a worker with code 1, so the handle's `requested`
 * flag, not the code, decides.
 */
export function isAbnormal(reason: ChildExitReason): boolean {
  return reason.kind === 'escalated' || isAbnormalActorExit(reason);
}

export function describeExit(reason: ChildExitReason): string {
  if (reason.kind === 'escalated') return `supervisor ${reason.supervisor} gave up (${reason.cause})`;
  if (reason.kind === 'start-failed') return `failed to start: ${describeActorExit(reason)}`;
  return describeActorExit(reason);
}

/** A start error as a plain record; a StartError already carries the worker's own error. */
export function toSerializedError(error: unknown): SerializedError {
  const reason = (error as { reason?: ActorExitReason } | undefined)?.reason;
  if (reason?.kind === 'start-failed' || reason?.kind === 'error') return reason.error;
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack !== undefined && { stack: error.stack }) };
  return { name: 'Error', message: String(error) };
}
