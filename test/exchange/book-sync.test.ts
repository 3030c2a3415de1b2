import { describe, expect, it } from 'vitest';
import { BookSync, type DepthDiff } from '../../actors/exchange/book-sync.js';
import { BookSide } from '../../actors/exchange/l2-book.js';

const diff = (U: number, u: number, bids: [number, number][] = [], asks: [number, number][] = []): DepthDiff => ({
  firstUpdateId: U, lastUpdateId: u, eventTimeMs: 1, receiveTsUs: 1, bids, asks,
});
const snapshot = { lastUpdateId: 100, bids: [[10, 1], [9, 2]] as [number, number][], asks: [[11, 1], [12, 3]] as [number, number][] };

describe('BookSide', () => {
  it('keeps levels best first, updates in place and removes on qty 0', () => {
    const bids = new BookSide('bid');
    for (const [p, q] of [[5, 1], [7, 1], [6, 1], [7, 2]] as const) bids.set(p, q);
    expect(bids.top(10)).toEqual([[7, 2], [6, 1], [5, 1]]);
    bids.set(7, 0);
    bids.set(4, 0); // removing an absent level is a no-op
    expect(bids.top(10)).toEqual([[6, 1], [5, 1]]);
    const asks = new BookSide('ask');
    for (const [p, q] of [[9, 1], [8, 1], [10, 1]] as const) asks.set(p, q);
    expect(asks.bestPrice()).toBe(8);
    expect(asks.bestQty()).toBe(1);
  });
});

describe('BookSync (Binance local book procedure)', () => {
  it('buffers until the snapshot, drops what it contains, and applies the straddling diff first', () => {
    const applied: number[] = [];
    const sync = new BookSync((d) => applied.push(d.lastUpdateId));
    expect(sync.onDiff(diff(90, 95)).kind).toBe('buffered');
    expect(sync.onDiff(diff(96, 103, [[10, 5]])).kind).toBe('buffered');
    expect(sync.onDiff(diff(104, 104, [], [[11, 0]])).kind).toBe('buffered');
    expect(sync.onSnapshot(snapshot)).toEqual({ kind: 'synced', replayed: 2 });
    expect(applied).toEqual([103, 104]);
    expect(sync.book.bids.top(1)).toEqual([[10, 5]]);
    expect(sync.book.asks.bestPrice()).toBe(12);
    expect(sync.counters.diffsStale).toBe(1);
    expect(sync.onDiff(diff(105, 106)).kind).toBe('applied');
    expect(sync.onDiff(diff(100, 106)).kind).toBe('stale');
  });

  it('accepts a first live diff that straddles the snapshot id, then requires U == previous u + 1', () => {
    const sync = new BookSync(() => undefined);
    sync.onSnapshot(snapshot);
    expect(sync.onDiff(diff(98, 101)).kind).toBe('applied');
    expect(sync.onDiff(diff(103, 104))).toEqual({ kind: 'gap', expectedFirst: 102, gotFirst: 103 });
    expect(sync.counters.gaps).toBe(1);
    expect(sync.isLive).toBe(false);
    // The diff that revealed the gap is kept for the next snapshot.
    expect(sync.bufferedCount).toBe(1);
    expect(sync.onSnapshot({ ...snapshot, lastUpdateId: 103 })).toEqual({ kind: 'synced', replayed: 1 });
    expect(sync.book.lastUpdateId).toBe(104);
  });

  it('says a snapshot is too old when the stream has moved past it, and a gap inside the buffer', () => {
    const sync = new BookSync(() => undefined);
    sync.onDiff(diff(110, 115));
    expect(sync.onSnapshot(snapshot)).toEqual({ kind: 'too-old', snapshotId: 100, firstBuffered: 110 });
    expect(sync.counters.snapshotsTooOld).toBe(1);
    expect(sync.isLive).toBe(false);
    const other = new BookSync(() => undefined);
    other.onDiff(diff(100, 101));
    other.onDiff(diff(105, 106));
    other.onDiff(diff(107, 107));
    expect(other.onSnapshot(snapshot)).toEqual({ kind: 'gap', expectedFirst: 102, gotFirst: 105 });
    expect(other.bufferedCount).toBe(2);
  });

  it('bounds its buffer, dropping the oldest diffs (counted)', () => {
    const sync = new BookSync(() => undefined, 3);
    for (let i = 0; i < 5; i++) sync.onDiff(diff(200 + i, 200 + i));
    expect(sync.bufferedCount).toBe(3);
    expect(sync.counters.bufferOverflows).toBe(2);
    expect(() => new BookSync(() => undefined, 0)).toThrow(/maxBuffered must be an integer > 0/);
  });
});
