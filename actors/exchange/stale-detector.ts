/**
 * Decides when a feed is stale: nothing received for `staleAfterMs` while it should be
 * streaming. A socket can stay open and answer pings while no data flows, so staleness is
 * judged on data, not on the connection. Pure: the caller passes the clock.
 */
export type StaleTransition = 'became-stale' | 'became-fresh' | null;

export class StaleDetector {
  private lastDataMs: number;
  private stale = false;
  private staleSinceMs = 0;
  /** How many times the feed went stale. */
  episodes = 0;

  constructor(
    readonly staleAfterMs: number,
    nowMs: number,
  ) {
    if (!(staleAfterMs > 0)) throw new RangeError(`stale_after_ms must be > 0, got ${staleAfterMs}`);
    this.lastDataMs = nowMs;
  }

  get isStale(): boolean {
    return this.stale;
  }

  get lastDataAtMs(): number {
    return this.lastDataMs;
  }

  get staleSince(): number | null {
    return this.stale ? this.staleSinceMs : null;
  }

  /** Data arrived. */
  onData(nowMs: number): StaleTransition {
    this.lastDataMs = nowMs;
    if (!this.stale) return null;
    this.stale = false;
    return 'became-fresh';
  }

  /** Periodic check. */
  check(nowMs: number): StaleTransition {
    if (this.stale || nowMs - this.lastDataMs < this.staleAfterMs) return null;
    this.stale = true;
    this.staleSinceMs = nowMs;
    this.episodes++;
    return 'became-stale';
  }

  silentForMs(nowMs: number): number {
    return nowMs - this.lastDataMs;
  }
}
