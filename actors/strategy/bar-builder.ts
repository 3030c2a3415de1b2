/**
 * Time bars (OHLCV candles) built from trades.
 *
 * Bars are aligned to the epoch: the bar of a trade at t starts at floor(t / interval) ×
 * interval, by the venue's clock (`exchangeTsMs`), so two builders fed the same trades cut the
 * same bars as the venue's own klines. A bar is emitted when a trade of a later interval
 * arrives, or when `advanceTo(t)` is called with t at or past the bar's end (the strategy
 * calls it from its timer, so a quiet market still closes its bars).
 *
 * Intervals without trades become flat bars (open = high = low = close = previous close,
 * volume 0): one bar per interval keeps "n bars" meaning "n intervals" for the indicators.
 * A trade for an interval that was already emitted is late: it is counted, not applied (its
 * price is older than prices already published).
 */
import type { Trade } from '../../src/domain/messages.js';

export interface Bar {
  startMs: number;
  endMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  tradeCount: number;
}

/** A jump larger than this many intervals is a broken clock, not a quiet market. */
export const MAX_BARS_PER_STEP = 100_000;

export class TimeBarBuilder {
  readonly intervalMs: number;
  private readonly onBar: (bar: Bar) => void;
  /** Start of the earliest interval not emitted yet (undefined before the first trade). */
  private nextStartMs: number | undefined;
  private open: Bar | undefined;
  private lastClose = 0;
  private late = 0;

  constructor(intervalMs: number, onBar: (bar: Bar) => void) {
    if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError(`bar builder: intervalMs must be an integer >= 1, got ${intervalMs}`);
    this.intervalMs = intervalMs;
    this.onBar = onBar;
  }

  get lateTrades(): number {
    return this.late;
  }

  /** The bar being built, if a trade has opened it. */
  get current(): Readonly<Bar> | undefined {
    return this.open;
  }

  addTrade(trade: Pick<Trade, 'price' | 'qty' | 'exchangeTsMs'>): void {
    const { price, qty, exchangeTsMs } = trade;
    if (!(price > 0 && Number.isFinite(price))) throw new RangeError(`bar builder: trade price must be a finite number > 0, got ${price}`);
    if (!(qty >= 0 && Number.isFinite(qty))) throw new RangeError(`bar builder: trade qty must be a finite number >= 0, got ${qty}`);
    if (!(exchangeTsMs >= 0 && Number.isFinite(exchangeTsMs))) throw new RangeError(`bar builder: trade exchangeTsMs must be a finite number >= 0, got ${exchangeTsMs}`);
    const startMs = Math.floor(exchangeTsMs / this.intervalMs) * this.intervalMs;
    if (this.nextStartMs === undefined) this.nextStartMs = startMs;
    if (startMs < this.nextStartMs) {
      this.late++;
      return;
    }
    this.emitUntil(startMs);
    const bar = this.open;
    if (bar === undefined) {
      this.open = { startMs, endMs: startMs + this.intervalMs, open: price, high: price, low: price, close: price, volume: qty, tradeCount: 1 };
      return;
    }
    if (price > bar.high) bar.high = price;
    if (price < bar.low) bar.low = price;
    bar.close = price;
    bar.volume += qty;
    bar.tradeCount++;
  }

  /** Emits every bar whose interval ended at or before `tsMs`. */
  advanceTo(tsMs: number): void {
    if (!Number.isFinite(tsMs)) throw new RangeError(`bar builder: advanceTo time must be finite, got ${tsMs}`);
    if (this.nextStartMs === undefined) return;
    const endedStart = Math.floor(tsMs / this.intervalMs) * this.intervalMs;
    if (endedStart > this.nextStartMs) this.emitUntil(endedStart);
  }

  /** Emits the intervals in [nextStartMs, startMs). */
  private emitUntil(startMs: number): void {
    const from = this.nextStartMs!;
    const count = (startMs - from) / this.intervalMs;
    if (count > MAX_BARS_PER_STEP) {
      throw new RangeError(`bar builder: time jumped ${count} intervals (from ${from} to ${startMs} ms); refusing to fill more than ${MAX_BARS_PER_STEP} bars`);
    }
    for (let barStart = from; barStart < startMs; barStart += this.intervalMs) {
      const bar = this.open ?? this.flatBar(barStart);
      this.open = undefined;
      this.lastClose = bar.close;
      this.onBar(bar);
    }
    this.nextStartMs = Math.max(from, startMs);
  }

  private flatBar(startMs: number): Bar {
    const p = this.lastClose;
    return { startMs, endMs: startMs + this.intervalMs, open: p, high: p, low: p, close: p, volume: 0, tradeCount: 0 };
  }
}
