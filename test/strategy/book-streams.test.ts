import { combineLatest } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BookStreams } from '../../actors/strategy/book-streams.js';
import { book } from './harness.js';

describe('book streams', () => {
  it('emits synchronously per market, so combineLatest pairs the latest book of each venue', () => {
    const streams = new BookStreams();
    const pairs: Array<[number, number]> = [];
    combineLatest([streams.book$(1, 1), streams.book$(2, 1)]).subscribe(([a, b]) => pairs.push([a.bidPrice, b.bidPrice]));
    streams.push(book(1, 1, 10, 11));
    expect(pairs).toEqual([]); // venue 2 has not spoken yet
    streams.push(book(2, 1, 20, 21));
    expect(pairs).toEqual([[10, 20]]);
    streams.push(book(1, 1, 12, 13));
    streams.push(book(1, 2, 99, 100)); // another instrument: nobody listens
    expect(pairs).toEqual([[10, 20], [12, 20]]);
  });

  it('completes every stream', () => {
    const streams = new BookStreams();
    let completed = 0;
    streams.book$(1, 1).subscribe({ complete: () => completed++ });
    streams.book$(2, 1).subscribe({ complete: () => completed++ });
    streams.complete();
    expect(completed).toBe(2);
  });
});
