import { Doorbell, DoorbellParking } from './doorbell.js';
import type { FrameHandler, RingReader } from './ring.js';

/**
 * The consumer side of an actor: all its inbound rings and the one doorbell their
 * producers ring. An actor loop is
 *
 *   for (;;) { while (mailbox.drain(handlers, batch) > 0) {} mailbox.waitForWork(ms) }
 *
 * so every wake drains whole batches from every ring before the actor waits again.
 */

export type WaitStrategy = 'busy-spin' | 'spin-then-park' | 'park';

export interface MailboxOptions {
  /** Polls of all rings before spin-then-park parks. Default 100 (a few µs; see docs/ring-buffer.md). */
  spinIterations?: number;
}

export const DEFAULT_SPIN_ITERATIONS = 100;
/** Busy-spin reads the clock once per this many polls (reading it per poll would dominate). */
const CLOCK_CHECK_EVERY = 256;

export class Mailbox {
  readonly strategy: WaitStrategy;
  readonly spinIterations: number;
  readonly doorbell: Doorbell;
  private readonly inbound: readonly RingReader[];
  private readonly parking: DoorbellParking;

  constructor(inbound: RingReader[], doorbell: SharedArrayBuffer, strategy: WaitStrategy, options: MailboxOptions = {}) {
    if (!Array.isArray(inbound)) throw new TypeError('Mailbox: inbound must be an array of RingReader');
    if (strategy !== 'busy-spin' && strategy !== 'spin-then-park' && strategy !== 'park') {
      throw new RangeError(`Mailbox: wait strategy must be 'busy-spin', 'spin-then-park' or 'park', got ${String(strategy)}`);
    }
    const spinIterations = options.spinIterations ?? DEFAULT_SPIN_ITERATIONS;
    if (!(Number.isInteger(spinIterations) && spinIterations >= 0)) {
      throw new RangeError(`Mailbox: spinIterations must be a non-negative integer, got ${spinIterations}`);
    }
    this.inbound = inbound.slice();
    this.doorbell = new Doorbell(doorbell);
    this.parking = new DoorbellParking(this.doorbell);
    this.strategy = strategy;
    this.spinIterations = spinIterations;
  }

  /** One pass over every inbound ring, up to `maxFramesPerRing` each. Returns frames handled. */
  drain(handlers: readonly FrameHandler[], maxFramesPerRing: number): number {
    const inbound = this.inbound;
    if (handlers.length !== inbound.length) {
      throw new RangeError(`Mailbox.drain: ${handlers.length} handlers for ${inbound.length} inbound rings (must be index-aligned)`);
    }
    let handled = 0;
    for (let i = 0; i < inbound.length; i++) handled += inbound[i]!.poll(handlers[i]!, maxFramesPerRing);
    return handled;
  }

  /**
   * Waits until a ring has frames or wake() was called, per the strategy. Returns true
   * when there is work (or a wake), false when `timeoutMs` passed without any. busy-spin
   * never parks but returns after the timeout so the caller can yield to its event loop.
   */
  waitForWork(timeoutMs: number): boolean {
    if (!(timeoutMs >= 0)) throw new RangeError(`Mailbox.waitForWork: timeoutMs must be >= 0 (Infinity allowed), got ${timeoutMs}`);
    if (this.hasWork()) return true;
    const deadline = performance.now() + timeoutMs;
    if (this.strategy === 'busy-spin') return this.spinUntil(deadline, Infinity);
    if (this.strategy === 'spin-then-park' && this.spinUntil(deadline, this.spinIterations)) return true;
    return this.park(deadline);
  }

  /**
   * The 'park' strategy for actors with I/O: the same parked-flag protocol as
   * waitForWork, but the wait is Atomics.waitAsync, so the event loop stays free. Wakes
   * are slower than a blocking park (the resolution is a task on the event loop).
   */
  async waitForWorkAsync(timeoutMs: number): Promise<boolean> {
    if (!(timeoutMs >= 0)) throw new RangeError(`Mailbox.waitForWorkAsync: timeoutMs must be >= 0, got ${timeoutMs}`);
    if (this.hasWork()) return true;
    const sequence = this.parking.announce();
    if (this.hasWork()) {
      this.parking.retract();
      return true;
    }
    await this.parking.sleepAsync(sequence, timeoutMs);
    this.parking.retract();
    return this.hasWork();
  }

  /** Makes this mailbox's current or next wait return at once (e.g. to stop its loop). */
  wake(): void {
    this.doorbell.wake();
  }

  /** Whether any inbound ring has published frames (or a wake is pending; consumes it). */
  hasWork(): boolean {
    if (this.parking.takeWake()) return true;
    const inbound = this.inbound;
    for (let i = 0; i < inbound.length; i++) if (!inbound[i]!.isEmpty()) return true;
    return false;
  }

  private spinUntil(deadline: number, iterations: number): boolean {
    for (let i = 1; i <= iterations; i++) {
      if (this.hasWork()) return true;
      if (i % CLOCK_CHECK_EVERY === 0 && performance.now() >= deadline) return false;
    }
    return false;
  }

  private park(deadline: number): boolean {
    for (;;) {
      const sequence = this.parking.announce();
      // Producers publish, then read "parked": re-checking after announcing means that
      // either we see their frame here or they see our flag and notify.
      if (this.hasWork()) {
        this.parking.retract();
        return true;
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        this.parking.retract();
        return false;
      }
      this.parking.sleep(sequence, remaining);
      this.parking.retract();
      if (this.hasWork()) return true;
    }
  }
}
