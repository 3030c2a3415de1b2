import { TradingState } from '../domain/messages.js';

/**
 * The trading-state word every order path checks, in one SharedArrayBuffer.
 *
 * Only the kill-switch actor writes the state; the order manager checks it before every
 * order and each exchange actor again before every send, so a trip closes the gate at
 * once instead of after queued messages drain.
 *
 * Fail safe, two ways:
 * - zeroed memory is HALTED, and the supervisor stores HALTED the moment the kill-switch
 *   worker exits (crash, kill, restart);
 * - the kill switch holds a lease it renews from its own event loop: a hung or dead kill
 *   switch lets it lapse and every reader then sees HALTED, even before the supervisor
 *   has noticed anything.
 */
const STATE = 0;
const SEQ = 1;
/** Set once by the supervisor at shutdown: the gate stays closed whatever the kill switch writes. */
const SHUTTING_DOWN = 2;
/** 1 while HALTED with flatten_on_halt: the runtime's own reduce-only exits may still leave. */
const FLATTEN = 3;
/**
 * 1 while the supervisor holds a trip the kill-switch actor has not taken yet (it is not
 * running, or is starting and may have read its state file before the trip was latched in it):
 * the gate reads HALTED whatever the kill switch writes, until the supervisor has handed the
 * trip over (src/runtime/trip-relay.ts).
 */
const TRIP_HELD = 4;
/**
 * 1 when this process is a node of a cluster (src/cluster/): the gate also needs a fresh
 * cluster lease (CLUSTER_LEASE_UNTIL_MS), renewed only while the cluster's trading state is
 * heard through the NATS server. Zero on a single node, where the cluster lease is ignored.
 */
const CLUSTERED = 5;
/** Bumped by the supervisor's event loop; the kill switch trips when it stops (dead man's switch). */
const SUPERVISOR_HEARTBEAT = 16;
const INT_WORDS = 32; // state | supervisor heartbeat | lease: one 64-byte line each
const LEASE_UNTIL_MS = 0;
const CLUSTER_LEASE_UNTIL_MS = 1;

export function createTradingGate(): SharedArrayBuffer {
  return new SharedArrayBuffer(INT_WORDS * 4 + 16);
}

/** The clock the lease is measured with: the wall clock live, the virtual clock in the simulation host. */
export interface GateClock {
  now(): number;
}

const wallClockMs: GateClock = { now: () => performance.timeOrigin + performance.now() };

export class TradingGate {
  protected readonly ints: Int32Array;
  protected readonly lease: Float64Array;
  constructor(
    sab: SharedArrayBuffer,
    protected readonly clock: GateClock = wallClockMs,
  ) {
    this.ints = new Int32Array(sab, 0, INT_WORDS);
    this.lease = new Float64Array(sab, INT_WORDS * 4, 2);
  }

  /** The effective state: HALTED whenever the kill switch's lease (or, in a cluster, the cluster lease) has lapsed. */
  read(): TradingState {
    const state = Atomics.load(this.ints, STATE) as TradingState;
    if (state === TradingState.HALTED || this.isTripHeld()) return TradingState.HALTED;
    const now = this.clock.now();
    if (Atomics.load(this.ints, CLUSTERED) === 1 && now > this.lease[CLUSTER_LEASE_UNTIL_MS]!) return TradingState.HALTED;
    return now <= this.lease[LEASE_UNTIL_MS]! ? state : TradingState.HALTED;
  }

  /** This process's own view, ignoring the cluster lease: what the kill switch's node publishes to the cluster. */
  localRead(): TradingState {
    const state = Atomics.load(this.ints, STATE) as TradingState;
    if (state === TradingState.HALTED || this.isTripHeld()) return TradingState.HALTED;
    return this.clock.now() <= this.lease[LEASE_UNTIL_MS]! ? state : TradingState.HALTED;
  }

  /** In a cluster: until when the cluster's trading state was last confirmed through the server (0 when never; NaN when not clustered). */
  clusterLeaseUntilMs(): number {
    return Atomics.load(this.ints, CLUSTERED) === 1 ? this.lease[CLUSTER_LEASE_UNTIL_MS]! : Number.NaN;
  }

  /** The stored word, ignoring the lease (for diagnostics: "ACTIVE but lease lapsed"). */
  storedState(): TradingState {
    return Atomics.load(this.ints, STATE) as TradingState;
  }

  leaseUntilMs(): number {
    return this.lease[LEASE_UNTIL_MS]!;
  }

  /** Transition counter: bumps on every write, so readers can tell "changed since". */
  seq(): number {
    return Atomics.load(this.ints, SEQ);
  }

  isShuttingDown(): boolean {
    return Atomics.load(this.ints, SHUTTING_DOWN) === 1;
  }

  /** A trip the kill-switch actor has not taken yet keeps the gate closed (TRIP_HELD). */
  isTripHeld(): boolean {
    return Atomics.load(this.ints, TRIP_HELD) === 1;
  }

  /**
   * HALTED by the kill switch with flatten_on_halt: the order manager's flatten orders (reduce-only,
   * of the runtime's own strategy id) may leave; nothing else. Never during shutdown, never when
   * the supervisor closed the gate because the kill switch went down.
   */
  flattenPermitted(): boolean {
    return Atomics.load(this.ints, FLATTEN) === 1 && Atomics.load(this.ints, STATE) === TradingState.HALTED && !this.isShuttingDown();
  }

  supervisorHeartbeat(): number {
    return Atomics.load(this.ints, SUPERVISOR_HEARTBEAT);
  }
}

/** The kill switch's side. */
export class TradingGateWriter extends TradingGate {
  /**
   * Closing the gate takes effect with the single store; opening needs a live lease.
   * `flatten` (HALTED only) lets the runtime's flatten orders out: the flag is raised after the
   * state is HALTED and dropped before the state leaves HALTED, so it never applies elsewhere.
   */
  set(state: TradingState, flatten = false): void {
    const next = this.isShuttingDown() || this.isTripHeld() ? TradingState.HALTED : state;
    if (next !== TradingState.HALTED || !flatten) Atomics.store(this.ints, FLATTEN, 0);
    Atomics.store(this.ints, STATE, next);
    if (next === TradingState.HALTED && flatten) Atomics.store(this.ints, FLATTEN, 1);
    Atomics.add(this.ints, SEQ, 1);
  }

  renewLease(validForMs: number): void {
    this.lease[LEASE_UNTIL_MS] = this.clock.now() + validForMs;
  }
}

/**
 * The cluster link's side (src/cluster/): from joinCluster on, the gate reads HALTED unless the
 * cluster lease is fresh, so a node closes its own gate when it stops hearing the cluster's
 * trading state, and opens it only by renewing the lease when the state is heard again.
 */
export function joinCluster(sab: SharedArrayBuffer): void {
  new Float64Array(sab, INT_WORDS * 4, 2)[CLUSTER_LEASE_UNTIL_MS] = 0;
  Atomics.store(new Int32Array(sab, 0, INT_WORDS), CLUSTERED, 1);
}

/** The cluster's trading state was heard through the server: the cluster lease runs until `untilMs` (wall clock). */
export function renewClusterLease(sab: SharedArrayBuffer, untilMs: number): void {
  new Float64Array(sab, INT_WORDS * 4, 2)[CLUSTER_LEASE_UNTIL_MS] = untilMs;
}

/** The supervisor proves it is alive; only the main thread calls this. */
export function beatSupervisor(sab: SharedArrayBuffer): void {
  Atomics.add(new Int32Array(sab, 0, INT_WORDS), SUPERVISOR_HEARTBEAT, 1);
}

/**
 * Shutdown closes the gate for good without latching HALTED: the kill switch's persisted
 * state stays what it was, so the next start resumes it, but no order leaves from here on.
 */
export function closeForShutdown(sab: SharedArrayBuffer): void {
  const ints = new Int32Array(sab, 0, INT_WORDS);
  Atomics.store(ints, SHUTTING_DOWN, 1);
  Atomics.store(ints, FLATTEN, 0);
  Atomics.store(ints, STATE, TradingState.HALTED);
  Atomics.add(ints, SEQ, 1);
}

/**
 * A trip arrived that the kill-switch actor has not taken yet: the gate closes and stays
 * closed, whatever the kill switch writes meanwhile, until releaseTripHold. The hold is set
 * before the state is stored, and readers check it too, so no interleaving with a kill
 * switch writing ACTIVE can open the gate.
 */
export function holdForTrip(sab: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(sab, 0, INT_WORDS), TRIP_HELD, 1);
  forceHalt(sab);
}

/** The kill-switch actor has latched every held trip: the gate is its own again (HALTED, by its record). */
export function releaseTripHold(sab: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(sab, 0, INT_WORDS), TRIP_HELD, 0);
}

/** The supervisor's side: it may only close the gate (when the kill switch goes down). */
export function forceHalt(sab: SharedArrayBuffer): void {
  const ints = new Int32Array(sab, 0, INT_WORDS);
  Atomics.store(ints, FLATTEN, 0);
  Atomics.store(ints, STATE, TradingState.HALTED);
  Atomics.add(ints, SEQ, 1);
  new Float64Array(sab, INT_WORDS * 4, 1)[LEASE_UNTIL_MS] = 0;
}
