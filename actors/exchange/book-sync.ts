import { L2Book, type PriceLevel } from './l2-book.js';

/**
 * Binance's procedure for keeping a local book from a REST snapshot plus WebSocket diffs
 * (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams, "How to
 * manage a local order book correctly"), as a pure state machine:
 *
 * 1. Buffer diffs until a snapshot arrives.
 * 2. Drop every diff with `u <= lastUpdateId` (the snapshot already contains it).
 * 3. The first diff applied must straddle the snapshot: `U <= lastUpdateId + 1 <= u`.
 *    If the oldest newer diff starts later, the snapshot is older than the stream: fetch again.
 * 4. After that every diff must start right after the previous one: `U == previous u + 1`.
 *    Anything else is a GAP: the book is discarded, diffs are buffered again and the owner
 *    fetches a new snapshot.
 */
export interface DepthDiff {
  /** First update id in the event (`U`). */
  firstUpdateId: number;
  /** Last update id in the event (`u`). */
  lastUpdateId: number;
  /** Venue event time (`E`), ms. */
  eventTimeMs: number;
  bids: readonly PriceLevel[];
  asks: readonly PriceLevel[];
  /** Local receive time, µs (kept with a buffered diff so its frames carry the true receive time). */
  receiveTsUs: number;
}

export interface DepthSnapshot {
  lastUpdateId: number;
  bids: readonly PriceLevel[];
  asks: readonly PriceLevel[];
}

export type DiffOutcome =
  | { readonly kind: 'buffered' }
  | { readonly kind: 'stale' }
  | { readonly kind: 'applied' }
  /** The book was discarded; a new snapshot is needed. */
  | { readonly kind: 'gap'; readonly expectedFirst: number; readonly gotFirst: number };

export type SnapshotOutcome =
  | { readonly kind: 'synced'; readonly replayed: number }
  /** Every buffered diff newer than the snapshot starts after lastUpdateId + 1: fetch a newer snapshot. */
  | { readonly kind: 'too-old'; readonly snapshotId: number; readonly firstBuffered: number }
  /** The buffered diffs themselves skip an id: the book was discarded again; a new snapshot is needed. */
  | { readonly kind: 'gap'; readonly expectedFirst: number; readonly gotFirst: number };

export interface BookSyncCounters {
  snapshots: number;
  snapshotsTooOld: number;
  diffsApplied: number;
  diffsBuffered: number;
  diffsStale: number;
  gaps: number;
  /** Buffered diffs thrown away because the buffer was full (the oldest go first). */
  bufferOverflows: number;
}

export class BookSync {
  readonly book = new L2Book();
  readonly counters: BookSyncCounters = {
    snapshots: 0, snapshotsTooOld: 0, diffsApplied: 0, diffsBuffered: 0, diffsStale: 0, gaps: 0, bufferOverflows: 0,
  };
  private buffer: DepthDiff[] = [];
  private live = false;
  /** True until the first diff after a snapshot has been applied (rule 3 instead of rule 4). */
  private awaitingFirst = false;

  /**
   * @param onApplied called after each diff is applied, with the book already updated
   * @param maxBuffered diffs kept while waiting for a snapshot
   */
  constructor(
    private readonly onApplied: (diff: DepthDiff, book: L2Book) => void,
    private readonly maxBuffered = 10_000,
  ) {
    if (!(Number.isInteger(maxBuffered) && maxBuffered > 0)) throw new RangeError(`BookSync: maxBuffered must be an integer > 0, got ${maxBuffered}`);
  }

  get isLive(): boolean {
    return this.live;
  }

  get bufferedCount(): number {
    return this.buffer.length;
  }

  onDiff(diff: DepthDiff): DiffOutcome {
    if (!this.live) {
      this.bufferDiff(diff);
      return { kind: 'buffered' };
    }
    const lastId = this.book.lastUpdateId;
    if (diff.lastUpdateId <= lastId) {
      this.counters.diffsStale++;
      return { kind: 'stale' };
    }
    const inSequence = this.awaitingFirst ? diff.firstUpdateId <= lastId + 1 : diff.firstUpdateId === lastId + 1;
    if (!inSequence) {
      this.counters.gaps++;
      this.live = false;
      this.buffer = [];
      this.bufferDiff(diff);
      return { kind: 'gap', expectedFirst: lastId + 1, gotFirst: diff.firstUpdateId };
    }
    this.apply(diff);
    return { kind: 'applied' };
  }

  onSnapshot(snapshot: DepthSnapshot): SnapshotOutcome {
    this.counters.snapshots++;
    const newer = this.buffer.filter((diff) => diff.lastUpdateId > snapshot.lastUpdateId);
    this.counters.diffsStale += this.buffer.length - newer.length;
    const first = newer[0];
    if (first !== undefined && first.firstUpdateId > snapshot.lastUpdateId + 1) {
      this.counters.snapshotsTooOld++;
      this.buffer = newer;
      return { kind: 'too-old', snapshotId: snapshot.lastUpdateId, firstBuffered: first.firstUpdateId };
    }
    this.buffer = [];
    this.book.replace(snapshot.lastUpdateId, snapshot.bids, snapshot.asks);
    this.live = true;
    this.awaitingFirst = true;
    let replayed = 0;
    for (let i = 0; i < newer.length; i++) {
      const outcome = this.onDiff(newer[i]!);
      if (outcome.kind === 'gap') {
        for (const later of newer.slice(i + 1)) this.bufferDiff(later);
        return outcome;
      }
      if (outcome.kind === 'applied') replayed++;
    }
    return { kind: 'synced', replayed };
  }

  /** Forget the book (e.g. the connection dropped): diffs buffer until the next snapshot. */
  reset(): void {
    this.live = false;
    this.buffer = [];
  }

  private apply(diff: DepthDiff): void {
    this.book.apply(diff.lastUpdateId, diff.bids, diff.asks);
    this.awaitingFirst = false;
    this.counters.diffsApplied++;
    this.onApplied(diff, this.book);
  }

  private bufferDiff(diff: DepthDiff): void {
    if (this.buffer.length >= this.maxBuffered) {
      this.buffer.shift();
      this.counters.bufferOverflows++;
    }
    this.buffer.push(diff);
    this.counters.diffsBuffered++;
  }
}
