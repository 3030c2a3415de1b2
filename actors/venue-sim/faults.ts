/**
 * Faults a real venue shows, switched on at run time (or from options) so that the bot's
 * reaction to each can be tested: slow answers, dropped sockets, rate limiting and bans,
 * a clock that disagrees with the client's, a lost depth diff, and a feed that goes quiet
 * while its socket stays open.
 */
export type ConnectionKind = 'market' | 'user' | 'all';
export type RejectStatus = 429 | 418;

export interface FaultSettings {
  /** Added to every REST reply and every WebSocket message. */
  latencyMs?: number;
  /** Shifts the venue's clock; the client's timestamps then fall outside recvWindow (-1021). */
  clockOffsetMs?: number;
  /** Market streams send nothing (sockets stay open and answer pings). */
  silentFeed?: boolean;
  /** Every REST request is answered with this status until cleared. */
  rejectRequests?: RejectStatus;
  /** Terminates WebSocket connections of `kind` (default all) every `everyMs` (fault-schedule.ts). */
  dropConnections?: { everyMs: number; kind?: ConnectionKind };
  /** Leaves out one depth diff of `symbol` (default every symbol) every `everyMs` (fault-schedule.ts). */
  skipDepthUpdates?: { everyMs: number; symbol?: string };
}

/** What is switched on right now (the venue-sim actor's describe() shows it). */
export interface FaultSnapshot {
  latencyMs: number;
  clockOffsetMs: number;
  silentFeed: boolean;
  rejecting: { status: RejectStatus; remaining: number | 'all' } | null;
  pendingDepthSkips: Record<string, number>;
}

export class FaultController {
  private latency = 0;
  private clockOffset = 0;
  private silent = false;
  private rejection: { status: RejectStatus; remaining: number } | undefined;
  private readonly depthSkips = new Map<string, number>();
  private dropper: ((kind: ConnectionKind) => number) | undefined;

  constructor(initial: FaultSettings = {}) {
    this.apply(initial);
  }

  apply(settings: FaultSettings): void {
    if (settings.latencyMs !== undefined) this.setLatency(settings.latencyMs);
    if (settings.clockOffsetMs !== undefined) this.setClockOffset(settings.clockOffsetMs);
    if (settings.silentFeed) this.silenceFeed();
    if (settings.rejectRequests !== undefined) this.rejectRequests(settings.rejectRequests);
  }

  get latencyMs(): number {
    return this.latency;
  }

  get clockOffsetMs(): number {
    return this.clockOffset;
  }

  get feedSilent(): boolean {
    return this.silent;
  }

  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`faults.setLatency: ms must be a finite number >= 0, got ${ms}`);
    this.latency = ms;
  }

  setClockOffset(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`faults.setClockOffset: ms must be finite, got ${ms}`);
    this.clockOffset = ms;
  }

  /** Answers the next `count` REST requests (all of them by default) with 429 or 418. */
  rejectRequests(status: RejectStatus, count = Infinity): void {
    if (status !== 429 && status !== 418) throw new RangeError(`faults.rejectRequests: status must be 429 or 418, got ${String(status)}`);
    if (!(count > 0)) throw new RangeError(`faults.rejectRequests: count must be > 0, got ${count}`);
    this.rejection = { status, remaining: count };
  }

  /** The status the current REST request must be rejected with, if any (counts it). */
  takeRequestRejection(): RejectStatus | undefined {
    if (!this.rejection) return undefined;
    const { status } = this.rejection;
    if (--this.rejection.remaining <= 0) this.rejection = undefined;
    return status;
  }

  /** Leaves out the next depth diff of `symbol` (or of every symbol), so clients see a gap in update ids. */
  skipDepthUpdate(symbol = '*'): void {
    this.depthSkips.set(symbol, (this.depthSkips.get(symbol) ?? 0) + 1);
  }

  /** True when this diff of `symbol` must not be sent (counts it). */
  takeDepthSkip(symbol: string): boolean {
    for (const key of [symbol, '*']) {
      const pending = this.depthSkips.get(key) ?? 0;
      if (pending > 0) {
        if (pending === 1) this.depthSkips.delete(key);
        else this.depthSkips.set(key, pending - 1);
        return true;
      }
    }
    return false;
  }

  silenceFeed(): void {
    this.silent = true;
  }

  resumeFeed(): void {
    this.silent = false;
  }

  /** Closes WebSocket connections abruptly (no close frame); returns how many were dropped. */
  dropConnections(kind: ConnectionKind = 'all'): number {
    return this.dropper ? this.dropper(kind) : 0;
  }

  snapshot(): FaultSnapshot {
    return {
      latencyMs: this.latency,
      clockOffsetMs: this.clockOffset,
      silentFeed: this.silent,
      rejecting: this.rejection ? { status: this.rejection.status, remaining: Number.isFinite(this.rejection.remaining) ? this.rejection.remaining : 'all' } : null,
      pendingDepthSkips: Object.fromEntries(this.depthSkips),
    };
  }

  /** Removes every fault. */
  clear(): void {
    this.latency = 0;
    this.clockOffset = 0;
    this.silent = false;
    this.rejection = undefined;
    this.depthSkips.clear();
  }

  /** Wired by the server: how to drop its sockets. */
  attachConnectionDropper(dropper: (kind: ConnectionKind) => number): void {
    this.dropper = dropper;
  }
}
