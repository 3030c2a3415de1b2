import { Subject, type Observable } from 'rxjs';
import type { ChildExitReason } from './exit-reason.js';

/**
 * Every lifecycle event of the supervision tree. The admin socket streams them and the
 * logger writes them; tests await them instead of sleeping. `at` is Date.now().
 * `supervisor` is the path of the supervisor that acted, `path` the child concerned.
 */
export type SupervisionEvent =
  | { readonly type: 'child-started'; readonly at: number; readonly supervisor: string; readonly path: string; readonly nodeKind: 'actor' | 'supervisor'; readonly threadId: number | undefined; readonly restarts: number }
  | { readonly type: 'child-start-failed'; readonly at: number; readonly supervisor: string; readonly path: string; readonly reason: ChildExitReason; readonly description: string }
  | { readonly type: 'child-exited'; readonly at: number; readonly supervisor: string; readonly path: string; readonly reason: ChildExitReason; readonly requested: boolean; readonly description: string }
  | { readonly type: 'child-stop-forced'; readonly at: number; readonly supervisor: string; readonly path: string; readonly afterMs: number }
  | { readonly type: 'restarting'; readonly at: number; readonly supervisor: string; readonly cause: string; readonly children: readonly string[]; readonly delayMs: number; readonly restartsInPeriod: number; readonly requested: boolean }
  | { readonly type: 'kill-requested'; readonly at: number; readonly path: string }
  | { readonly type: 'supervisor-gave-up'; readonly at: number; readonly supervisor: string; readonly cause: string; readonly restartsInPeriod: number; readonly intensity: number; readonly periodMs: number }
  | { readonly type: 'escalated'; readonly at: number; readonly supervisor: string; readonly to: string | undefined }
  | { readonly type: 'breaker-opened'; readonly at: number; readonly supervisor: string; readonly dependants: readonly string[]; readonly cause: string; readonly resetTimeoutMs: number }
  | { readonly type: 'breaker-half-open'; readonly at: number; readonly supervisor: string; readonly dependants: readonly string[] }
  | { readonly type: 'breaker-closed'; readonly at: number; readonly supervisor: string; readonly dependants: readonly string[] }
  | { readonly type: 'supervisor-stopped'; readonly at: number; readonly supervisor: string };

export type SupervisionEventType = SupervisionEvent['type'];

/** Distributes without the `at` field so callers cannot forget to stamp it. */
type WithoutAt<E> = E extends unknown ? Omit<E, 'at'> : never;
export type UnstampedEvent = WithoutAt<SupervisionEvent>;

export interface SupervisionEventStream {
  readonly events: Observable<SupervisionEvent>;
  emit(event: UnstampedEvent): void;
  complete(): void;
}

export function createEventStream(now: () => number = Date.now): SupervisionEventStream {
  const subject = new Subject<SupervisionEvent>();
  return {
    events: subject.asObservable(),
    emit: (event) => subject.next({ ...event, at: now() }),
    complete: () => subject.complete(),
  };
}

