import { describe, expect, it } from 'vitest';
import { TimeBarBuilder, type Bar } from '../../actors/strategy/bar-builder.js';

const t = (price: number, exchangeTsMs: number, qty = 1) => ({ price, qty, exchangeTsMs });

describe('time bars from trades', () => {
  it('cuts epoch-aligned bars with OHLCV and emits a bar when a later interval starts', () => {
    const bars: Bar[] = [];
    const b = new TimeBarBuilder(60_000, (bar) => bars.push(bar));
    b.addTrade(t(100, 120_500, 1));
    b.addTrade(t(103, 130_000, 2));
    b.addTrade(t(99, 150_000, 0.5));
    b.addTrade(t(101, 179_999, 1));
    expect(bars).toEqual([]);
    expect(b.current).toMatchObject({ startMs: 120_000, open: 100, high: 103, low: 99, close: 101, volume: 4.5, tradeCount: 4 });
    b.addTrade(t(102, 180_000));
    expect(bars).toEqual([{ startMs: 120_000, endMs: 180_000, open: 100, high: 103, low: 99, close: 101, volume: 4.5, tradeCount: 4 }]);
  });

  it('fills quiet intervals with flat bars at the previous close', () => {
    const bars: Bar[] = [];
    const b = new TimeBarBuilder(1_000, (bar) => bars.push(bar));
    b.addTrade(t(10, 500));
    b.addTrade(t(12, 3_200));
    expect(bars.map((x) => [x.startMs, x.open, x.close, x.volume])).toEqual([
      [0, 10, 10, 1],
      [1_000, 10, 10, 0],
      [2_000, 10, 10, 0],
    ]);
  });

  it('advanceTo closes bars whose interval has ended, and only those', () => {
    const bars: Bar[] = [];
    const b = new TimeBarBuilder(1_000, (bar) => bars.push(bar));
    b.advanceTo(10_000); // nothing before the first trade
    b.addTrade(t(10, 5_100));
    b.advanceTo(5_999);
    expect(bars).toHaveLength(0);
    b.advanceTo(6_000);
    expect(bars.map((x) => x.startMs)).toEqual([5_000]);
    b.advanceTo(8_500);
    expect(bars.map((x) => [x.startMs, x.volume])).toEqual([[5_000, 1], [6_000, 0], [7_000, 0]]);
    b.addTrade(t(11, 8_600));
    b.advanceTo(9_000);
    expect(bars.at(-1)).toMatchObject({ startMs: 8_000, open: 11, close: 11, volume: 1 });
  });

  it('counts and ignores trades for intervals already emitted', () => {
    const bars: Bar[] = [];
    const b = new TimeBarBuilder(1_000, (bar) => bars.push(bar));
    b.addTrade(t(10, 1_500));
    b.addTrade(t(11, 2_100));
    b.addTrade(t(50, 1_900));
    expect(b.lateTrades).toBe(1);
    expect(bars[0]!.high).toBe(10);
    expect(b.current!.high).toBe(11);
  });

  it('refuses bad input naming it, and a clock jump that would invent huge numbers of bars', () => {
    const b = new TimeBarBuilder(1_000, () => {});
    expect(() => new TimeBarBuilder(0, () => {})).toThrow(/intervalMs must be an integer >= 1, got 0/);
    expect(() => b.addTrade(t(-1, 0))).toThrow(/trade price must be a finite number > 0, got -1/);
    expect(() => b.addTrade(t(1, NaN))).toThrow(/exchangeTsMs/);
    b.addTrade(t(1, 0));
    expect(() => b.addTrade(t(1, 1e12))).toThrow(/time jumped .* refusing to fill more than 100000 bars/);
  });
});
