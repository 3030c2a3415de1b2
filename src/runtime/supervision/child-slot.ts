import type { SupervisedHandle } from './child-port.js';
import type { ChildExitReason } from './exit-reason.js';
import type { NodeSnapshot, NodeStatus } from './snapshot.js';
import type { TreeNodeSpec } from './tree-spec.js';

/** A child supervisor as its parent sees it (implemented by SupervisorRuntime). */
export interface ChildSupervisor {
  readonly path: string;
  /** Resolves once the subtree runs (or, if isolated, is held open); rejects if it gave up while starting. */
  start(): Promise<void>;
  /** Stops the subtree's children in reverse order; resolves when all are gone. */
  stop(): Promise<void>;
  /** Resolves when the subtree escalates (gave up) or is stopped. */
  readonly exited: Promise<ChildExitReason>;
  snapshot(): NodeSnapshot;
  waitingFor(): StopWait[];
}

/** One incarnation of a child: a worker, or an instance of a child supervisor. */
export type RunningChild =
  | { readonly type: 'actor'; readonly generation: number; readonly startedAt: number; readonly handle: SupervisedHandle; readonly exited: Promise<ChildExitReason> }
  | { readonly type: 'supervisor'; readonly generation: number; readonly startedAt: number; readonly supervisor: ChildSupervisor; readonly exited: Promise<ChildExitReason> };

/** What a stop that has not finished is waiting for (reported by stopTree). */
export interface StopWait {
  readonly path: string;
  readonly waitingFor: string;
  readonly sinceMs: number;
}

/**
 * The supervisor's record of one child position. It outlives the child's incarnations:
 * restarts replace `current` and bump `generation`, so an exit notice from an older
 * incarnation is recognised as stale.
 */
export class ChildSlot {
  status: NodeStatus = 'stopped';
  current: RunningChild | undefined;
  /** Incarnation counter; 0 = never started. */
  generation = 0;
  restarts = 0;
  lastError: string | undefined;
  /** The reason `current` exited with, once it has. */
  exitReason: ChildExitReason | undefined;
  /** Set when the supervisor asked `current` to stop, so its exit is not a crash. */
  stopRequested = false;
  /** Marked by a restart plan: start this child when the plan reaches it. */
  awaitingStart = false;
  /** In-flight start, so a concurrent stop can wait for it and take its result down. */
  starting: Promise<void> | undefined;
  /** In-flight stop, shared by everyone who wants this child down. */
  stopping: Promise<void> | undefined;
  stopWait: { waitingFor: string; since: number } | undefined;

  constructor(readonly index: number, readonly node: TreeNodeSpec) {}

  get path(): string {
    return this.node.path;
  }

  get alive(): boolean {
    return this.current !== undefined && this.exitReason === undefined;
  }
}
