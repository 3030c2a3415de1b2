import type { ActorHandle, ActorSpec } from '../actor-handle.js';

/**
 * What supervision needs from the actor runtime (src/runtime/actor-handle.ts): the part
 * of an ActorHandle it uses, so that the real `startActor` plugs in and a caller may
 * wrap it (e.g. to add log and event sinks or a fixture module).
 */
export type SupervisedHandle = Pick<ActorHandle, 'spec' | 'threadId' | 'startedAt' | 'exited' | 'stop' | 'kill' | 'stats'>;

/** Starts one actor worker; resolves once its init completed, rejects if the start failed. */
export type StartChild<Wiring = unknown, Handle extends SupervisedHandle = SupervisedHandle> =
  (spec: ActorSpec, wiring: Wiring) => Promise<Handle>;

export type { ActorSpec, ExitReason as ActorExitReason, SerializedError } from '../actor-handle.js';
