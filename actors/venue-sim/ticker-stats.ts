import { notionalFloor } from './decimal.js';

const MINUTE_MS = 60_000;
const WINDOW_MS = 24 * 60 * MINUTE_MS;

interface MinuteBucket {
  readonly minute: number;
  readonly openTime: number;
  readonly open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
  quoteVolume: bigint;
  count: number;
  readonly firstId: number;
  lastId: number;
}

export interface TickerSnapshot {
  open: bigint;
  high: bigint;
  low: bigint;
  last: bigint;
  lastQty: bigint;
  volume: bigint;
  quoteVolume: bigint;
  count: number;
  openTime: number;
  closeTime: number;
  firstId: number;
  lastId: number;
}

/**
 * Rolling 24-hour statistics of a symbol's market trades (Binance's /ticker/24hr and the
 * ticker streams), kept as one bucket per minute so memory stays bounded however long the
 * venue runs. The window ends at the latest trade time, which is the recording's clock in
 * a replay.
 */
export class TickerStats {
  private readonly buckets: MinuteBucket[] = [];
  private lastQty = 0n;

  record(price: bigint, qty: bigint, time: number, tradeId: number): void {
    const minute = Math.floor(time / MINUTE_MS);
    let bucket = this.buckets[this.buckets.length - 1];
    if (!bucket || bucket.minute !== minute) {
      bucket = { minute, openTime: time, open: price, high: price, low: price, close: price, volume: 0n, quoteVolume: 0n, count: 0, firstId: tradeId, lastId: tradeId };
      this.buckets.push(bucket);
    }
    if (price > bucket.high) bucket.high = price;
    if (price < bucket.low) bucket.low = price;
    bucket.close = price;
    bucket.volume += qty;
    bucket.quoteVolume += notionalFloor(price, qty);
    bucket.count++;
    bucket.lastId = tradeId;
    this.lastQty = qty;
    const oldest = minute - WINDOW_MS / MINUTE_MS;
    while (this.buckets.length > 0 && (this.buckets[0] as MinuteBucket).minute <= oldest) this.buckets.shift();
  }

  snapshot(closeTime: number): TickerSnapshot | undefined {
    const first = this.buckets[0];
    const last = this.buckets[this.buckets.length - 1];
    if (!first || !last) return undefined;
    const stats: TickerSnapshot = {
      open: first.open, high: first.high, low: first.low, last: last.close, lastQty: this.lastQty,
      volume: 0n, quoteVolume: 0n, count: 0, openTime: first.openTime, closeTime, firstId: first.firstId, lastId: last.lastId,
    };
    for (const bucket of this.buckets) {
      if (bucket.high > stats.high) stats.high = bucket.high;
      if (bucket.low < stats.low) stats.low = bucket.low;
      stats.volume += bucket.volume;
      stats.quoteVolume += bucket.quoteVolume;
      stats.count += bucket.count;
    }
    return stats;
  }
}
