/**
 * Books as rxjs streams, for strategies that compose markets (combineLatest of two venues'
 * books, filter, distinct, scan) rather than keep "last book of each" by hand.
 *
 * Emission is synchronous: `push` runs the subscribers' pipelines inside the strategy's
 * onBook callback, so whatever a pipeline does through the StrategyContext happens within
 * that event, deterministically. Time-based operators (throttleTime, auditTime, ...) would
 * read the wall clock through rxjs's scheduler instead of the driver's clock: sample by
 * event time with `filter`/`scan` instead.
 *
 * Push the driver's per-market book records (the `book` argument of onBook): they are stable
 * objects that always hold the latest top, so what combineLatest retains stays valid. A
 * frame object the runtime reuses must not be pushed.
 */
import { Subject, type Observable } from 'rxjs';
import type { BookTop } from '../../src/domain/messages.js';
import { marketKey } from './strategy-api.js';

export class BookStreams {
  private readonly subjects = new Map<number, Subject<Readonly<BookTop>>>();

  book$(venue: number, instrument: number): Observable<Readonly<BookTop>> {
    return this.subject(venue, instrument).asObservable();
  }

  push(book: Readonly<BookTop>): void {
    this.subjects.get(marketKey(book.venue, book.instrument))?.next(book);
  }

  complete(): void {
    for (const s of this.subjects.values()) s.complete();
    this.subjects.clear();
  }

  private subject(venue: number, instrument: number): Subject<Readonly<BookTop>> {
    const key = marketKey(venue, instrument);
    let s = this.subjects.get(key);
    if (s === undefined) {
      s = new Subject<Readonly<BookTop>>();
      this.subjects.set(key, s);
    }
    return s;
  }
}
