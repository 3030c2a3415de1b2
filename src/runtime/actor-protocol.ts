/**
 * What crosses from the supervisor to an actor's worker at start (an ActorAssignment: in
 * workerData for a cold start, in an `assign` message for a warm standby) and what the
 * supervisor can call on it afterwards (ActorControlApi over comlink). Shared memory
 * (rings, status, gate) is the assignment's ActorWiring: a standby has none until assigned.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ActorWiring } from './wiring.js';

export type WaitStrategy = 'busy-spin' | 'spin-then-park' | 'park';

export interface HostSpec {
  path: string;
  name: string;
  kind: string;
  /** Overrides kind -> <compiled>/actors/<kind>/actor.js (tests load fixture actors). */
  moduleUrl?: string;
  config: unknown;
  waitStrategy: WaitStrategy;
  /** The host beats at least this often; the supervisor's hang deadline is a multiple of it. */
  heartbeatIntervalMs: number;
  /** Longest blocking park before the host gives its event loop a turn (spin-then-park). */
  parkSliceMs: number;
  seed: number;
  logLevel: string;
}

export interface ActorLocalStats {
  handlerP50Ns: number;
  handlerP99Ns: number;
  handlerMaxNs: number;
  handled: number;
  memory: number;
}

export interface ActorControlApi {
  /** Loads the module and runs init; rejects with init's error. */
  start(): Promise<void>;
  /** Stops the loop and timers, runs the actor's stop(), then the worker exits with code 0. */
  stop(): Promise<void>;
  stats(): ActorLocalStats;
  describe(): unknown;
  invoke(method: string, args: unknown): Promise<unknown>;
}

/** Messages a worker posts on its parentPort (besides comlink traffic on its own port). */
export interface ActorEventMessage {
  type: 'event';
  topic: string;
  path: string;
  data: Record<string, unknown>;
}

/** Everything one incarnation needs: its spec, its shared memory and its two ports. */
export interface ActorAssignment {
  spec: HostSpec;
  wiring: ActorWiring;
  control: MessagePort;
  log: MessagePort;
}

/** workerData of actor-host.js: become an actor now (cold), or preload a kind and wait (standby). */
export type HostBoot =
  | { mode: 'cold'; assignment: ActorAssignment }
  | { mode: 'standby'; kind: string; moduleUrl?: string };

/** The supervisor hands a standby its actor (control and log ports transferred with it). */
export interface StandbyAssign {
  type: 'assign';
  assignment: ActorAssignment;
}

/** What a standby posts on its parentPort: loaded (and how much heap that took), then taken over. */
export type StandbyToSupervisor = { type: 'standby-ready'; heapUsedBytes: number } | { type: 'assigned' };
