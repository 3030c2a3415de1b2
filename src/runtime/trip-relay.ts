/**
 * Every trip (admin, GPIO) passes through here, at any moment the process is alive: before
 * the kill-switch actor exists (the database and the first actors are still starting),
 * while it runs, while it restarts, and during shutdown.
 *
 * A trip first closes the gate and holds it closed (holdForTrip), then:
 * - with the kill-switch actor running, hands the trip to it (it latches, persists and tells
 *   everyone) and releases the hold;
 * - with no kill-switch actor running, writes HALTED into its state file, which the actor
 *   reads when it starts, and which the database latch recovery keeps (HALTED always wins
 *   there). The trip stays held: when the actor starts, it is handed over before the actor
 *   is reported up, so before the supervisor starts the next actor, and only then is the
 *   gate the actor's again. An actor that read its file just before the latch was written
 *   (it was starting at that moment) would otherwise come up with the old state and open
 *   the gate; the hold keeps the gate closed until it has taken the trip.
 */
import type { Logger } from 'pino';
import { latchHaltedExternally, type LatchRecord } from '../../actors/kill-switch/latch-store.js';
import type { TransitionSource } from '../../actors/kill-switch/trading-state-machine.js';
import { holdForTrip, releaseTripHold } from './trading-gate.js';

/** What the relay needs of the kill-switch actor (its ActorHandle). */
export interface KillSwitchControl {
  invoke(method: string, args: unknown, timeoutMs?: number): Promise<unknown>;
}

export type TripRequestSource = Extract<TransitionSource, 'admin' | 'gpio-button' | 'gpio-tamper'>;

export type TripOutcome =
  /** The kill-switch actor latched it. */
  | { readonly taken: 'by-actor' }
  /** The actor is not running: HALTED is in its state file and the gate is held closed until it takes the trip. */
  | { readonly taken: 'latched-in-file'; readonly record: LatchRecord; readonly why: string };

interface HeldTrip {
  readonly source: TripRequestSource;
  readonly reason: string;
}

export class TripRelay {
  /** Trips the kill-switch actor has not taken yet (one being handed over is out of this list). */
  private readonly held: HeldTrip[] = [];
  /** A start of the kill-switch actor in progress: it hands over what is held once the actor is up. */
  private starting: Promise<unknown> | undefined;

  constructor(
    private readonly gateBuffer: SharedArrayBuffer,
    /** The kill switch's state file; undefined when the tree has no kill-switch actor. */
    private readonly stateFile: string | undefined,
    /** The running kill-switch actor, if it is up. */
    private readonly killSwitch: () => KillSwitchControl | undefined,
    private readonly log: Logger,
  ) {}

  /** Trips held for a kill-switch actor that has not taken them yet. */
  get heldCount(): number {
    return this.held.length;
  }

  async trip(source: TripRequestSource, reason: string): Promise<TripOutcome> {
    holdForTrip(this.gateBuffer);
    const request: HeldTrip = { source, reason };
    this.held.push(request);
    const running = this.killSwitch();
    if (running && (await this.handOver(running, request))) return { taken: 'by-actor' };
    if (this.stateFile === undefined) throw new Error('this tree has no kill-switch actor; the gate is closed and stays closed');
    const record = latchHaltedExternally(this.stateFile, source, reason, Date.now());
    const why = running ? 'the kill switch did not take the trip' : 'the kill switch is not running';
    this.log.warn({ source, reason, stateFile: this.stateFile }, `trip (${source}: ${reason}): ${why}; HALTED latched in ${this.stateFile}, gate held closed until the kill switch takes it`);
    if (this.starting) {
      // It may have read its state file before the latch above; its start hands this trip over.
      await this.starting.catch(() => undefined); // a failed start is the supervisor's to report; here only the hand-over counts
      if (!this.held.includes(request)) return { taken: 'by-actor' };
    }
    return { taken: 'latched-in-file', record, why };
  }

  /**
   * Wraps every start of the kill-switch actor: once it is up, each held trip is handed to it
   * before the start resolves. A trip it does not take stays held (the gate stays closed).
   */
  async starts<T extends KillSwitchControl>(start: () => Promise<T>): Promise<T> {
    const run = (async () => {
      const handle = await start();
      for (const request of [...this.held]) await this.handOver(handle, request);
      return handle;
    })();
    this.starting = run;
    try {
      return await run;
    } finally {
      if (this.starting === run) this.starting = undefined;
    }
  }

  /**
   * True once the actor has latched the trip. The hold is released when nothing else is held:
   * the actor is HALTED by its own record then, and only an operator's reset opens the gate.
   */
  private async handOver(handle: KillSwitchControl, request: HeldTrip): Promise<boolean> {
    const at = this.held.indexOf(request);
    if (at < 0) return true;
    this.held.splice(at, 1);
    try {
      await handle.invoke('trip', { reason: request.reason, source: request.source });
    } catch (error) {
      this.held.push(request);
      this.log.error({ err: error, source: request.source }, `the kill switch did not take the trip (${(error as Error).message}); the gate stays held closed`);
      return false;
    }
    if (this.held.length === 0) releaseTripHold(this.gateBuffer);
    return true;
  }
}
