import { describe, expect, it } from 'vitest';
import { PanicKind, Side } from '../../src/domain/messages.js';
import {
  EMPTY_API_ERROR_WINDOW,
  adverseMoveBps,
  apiErrorCascadeBreach,
  dailyLossBreach,
  drawdownBreach,
  newDrawdownState,
  recordApiError,
  slippageBps,
  slippageBreach,
  spreadBlowoutBreach,
  parseVenueStaleNotice,
  staleMarketBreach,
  stopLossBreaches,
  updateDailyLoss,
  updateDrawdown,
  utcDayOf,
  type DrawdownReading,
} from '../../actors/risk/breaches.js';

describe('drawdown from the equity peak', () => {
  it('up then down is measured from the peak, not from the start', () => {
    let state = newDrawdownState(100);
    let reading!: DrawdownReading;
    for (const equity of [110, 150, 140, 120]) {
      reading = updateDrawdown(state, equity);
      state = reading.state;
    }
    expect(state.peakEquity).toBe(150);
    expect(reading.drawdown).toBe(30);
    expect(reading.drawdownFraction).toBeCloseTo(0.2, 12);
    // Measured from the start (100) this run would be +20% and never breach; from the peak it does.
    expect(drawdownBreach(reading, 0.15)).toEqual({ kind: PanicKind.DRAWDOWN, venue: 0, instrument: 0, value: reading.drawdownFraction, threshold: 0.15 });
    expect(drawdownBreach(reading, 0.25)).toBeNull();
  });

  it('a new high resets the reference', () => {
    const r1 = updateDrawdown(newDrawdownState(100), 90);
    expect(r1.drawdownFraction).toBeCloseTo(0.1, 12);
    const r2 = updateDrawdown(r1.state, 200);
    expect(r2.drawdown).toBe(0);
    expect(updateDrawdown(r2.state, 190).drawdownFraction).toBeCloseTo(0.05, 12);
    expect(() => updateDrawdown(r2.state, Number.NaN)).toThrow(/equity must be finite/);
  });
});

describe('daily loss (UTC day)', () => {
  const DAY = 86_400_000_000;
  const day = 19_000;
  it('measures from the first equity of the UTC day and rolls over at midnight', () => {
    const s1 = updateDailyLoss(undefined, 1000, day * DAY + 60_000_000); // 00:01 UTC
    expect(s1).toEqual({ utcDay: day, dayStartEquity: 1000 });
    const late = day * DAY + DAY - 1; // 23:59:59.999999
    const s2 = updateDailyLoss(s1, 940, late);
    expect(s2).toBe(s1);
    expect(dailyLossBreach(s2, 940, 50)).toEqual({ kind: PanicKind.DAILY_LOSS, venue: 0, instrument: 0, value: 60, threshold: 50 });
    expect(dailyLossBreach(s2, 951, 50)).toBeNull();
    const s3 = updateDailyLoss(s2, 940, (day + 1) * DAY); // midnight: a new day starts at 940
    expect(s3).toEqual({ utcDay: day + 1, dayStartEquity: 940 });
    expect(dailyLossBreach(s3, 940, 50)).toBeNull();
    expect(utcDayOf((day + 1) * DAY - 1)).toBe(day);
  });
});

describe('mandatory stop loss per position', () => {
  it('returns exactly the positions whose adverse move reaches the stop', () => {
    const positions = [
      { venue: 1, instrument: 1, qty: 2, avgPrice: 100 }, // long, mark 97: 300 bps against
      { venue: 1, instrument: 2, qty: -1, avgPrice: 50 }, // short, mark 51: 200 bps against
      { venue: 1, instrument: 3, qty: 1, avgPrice: 10 }, // long, mark 11: in profit
      { venue: 2, instrument: 4, qty: 1, avgPrice: 10 }, // no mark
      { venue: 2, instrument: 5, qty: 0, avgPrice: 0 }, // flat
    ];
    const marks: Record<number, number> = { 1: 97, 2: 51, 3: 11 };
    const breaches = stopLossBreaches(positions, (_v, i) => marks[i], 200);
    expect(breaches).toHaveLength(3);
    expect(breaches[0]).toMatchObject({ kind: PanicKind.STOP_LOSS, instrument: 1, threshold: 200 });
    expect(breaches[0]!.value).toBeCloseTo(300, 9);
    expect(breaches[1]).toMatchObject({ kind: PanicKind.STOP_LOSS, instrument: 2 });
    expect(breaches[1]!.value).toBeCloseTo(200, 9);
    expect(breaches[2]).toMatchObject({ kind: PanicKind.STALE_QUOTES, venue: 2, instrument: 4 });
    expect(stopLossBreaches(positions.slice(0, 3), (_v, i) => marks[i], 301)).toEqual([]);
    expect(adverseMoveBps({ qty: 1, avgPrice: 10 }, 11)).toBeCloseTo(-1000, 9);
  });
});

describe('slippage', () => {
  it('is positive when worse for the side', () => {
    expect(slippageBps(Side.BUY, 100, 100.5)).toBeCloseTo(50, 9);
    expect(slippageBps(Side.SELL, 100, 100.5)).toBeCloseTo(-50, 9);
    expect(slippageBps(Side.SELL, 100, 99)).toBeCloseTo(100, 9);
    expect(slippageBreach(Side.BUY, 100, 100.5, 49, 1, 7)).toMatchObject({ kind: PanicKind.SLIPPAGE, venue: 1, instrument: 7, threshold: 49 });
    expect(slippageBreach(Side.BUY, 100, 100.5, 51, 1, 7)).toBeNull();
    expect(() => slippageBps(Side.BUY, 0, 1)).toThrow(/expected price must be > 0/);
  });
});

describe('market-data health', () => {
  it('spread blow-outs', () => {
    const book = { venue: 1, instrument: 2, receiveTsUs: 1_000_000, bidPrice: 99, askPrice: 101 };
    expect(spreadBlowoutBreach(book, 200)).toBeNull();
    expect(spreadBlowoutBreach(book, 199)).toMatchObject({ kind: PanicKind.SPREAD_BLOWOUT, threshold: 199 });
    expect(spreadBlowoutBreach({ ...book, bidPrice: 102 }, 1e9)).toMatchObject({ kind: PanicKind.SPREAD_BLOWOUT, value: Infinity });
  });

  // The chaos probe's panic: the venue said stale at 5000 ms silence (its stale_after_ms 5000), risk
  // looked 363 ms later, its own book-age limit 10000 ms. Value and threshold come from the rule that
  // fired, both in ms.
  const market = { venue: 1, instrument: 2 };
  const NOW = 100_000_000_000;
  const notice = { silentForMs: 5_000, staleAfterMs: 5_000, receivedUs: NOW - 363_000 };
  const cases: Array<{ name: string; bookAgeMs: number | null; venueStale: typeof notice | undefined; maxAgeMs: number; expected: { value: number; threshold: number } | null }> = [
    { name: 'fresh book, venue fine', bookAgeMs: 50, venueStale: undefined, maxAgeMs: 10_000, expected: null },
    { name: 'book exactly at the limit', bookAgeMs: 10_000, venueStale: undefined, maxAgeMs: 10_000, expected: null },
    { name: 'book 1 ms over the limit', bookAgeMs: 10_001, venueStale: undefined, maxAgeMs: 10_000, expected: { value: 10_001, threshold: 10_000 } },
    { name: 'no book, venue fine (nothing to judge yet)', bookAgeMs: null, venueStale: undefined, maxAgeMs: 10_000, expected: null },
    { name: 'venue stale, book 5363 ms old: the venue\'s rule and numbers', bookAgeMs: 5_363, venueStale: notice, maxAgeMs: 10_000, expected: { value: 5_363, threshold: 5_000 } },
    { name: 'venue stale, no book', bookAgeMs: null, venueStale: notice, maxAgeMs: 10_000, expected: { value: 5_363, threshold: 5_000 } },
    { name: 'venue stale and book over our own limit: the venue\'s rule', bookAgeMs: 20_000, venueStale: notice, maxAgeMs: 10_000, expected: { value: 5_363, threshold: 5_000 } },
  ];
  for (const c of cases) {
    it(`stale market: ${c.name}`, () => {
      const book = c.bookAgeMs === null ? undefined : { receiveTsUs: NOW - c.bookAgeMs * 1000 };
      const breach = staleMarketBreach(market, book, c.venueStale, NOW, c.maxAgeMs);
      expect(breach).toEqual(c.expected && { kind: PanicKind.STALE_QUOTES, ...market, ...c.expected });
    });
  }

  it('a venue.stale notice is read with its numbers; a notice without them still counts, and says what was wrong', () => {
    expect(parseVenueStaleNotice({ type: 'venue.stale', venue: 1, silentForMs: 5_000, staleAfterMs: 5_000 }, 7)).toEqual({ notice: { silentForMs: 5_000, staleAfterMs: 5_000, receivedUs: 7 }, problem: null });
    expect(parseVenueStaleNotice({ type: 'venue.stale', venue: 1, staleAfterMs: -1 }, 7)).toEqual({
      notice: { silentForMs: 0, staleAfterMs: 0, receivedUs: 7 },
      problem: 'venue.stale: silentForMs must be a number >= 0, got undefined; staleAfterMs must be a number >= 0, got -1',
    });
  });
});

describe('API error cascade', () => {
  it('N errors inside the window trip; older errors fall out', () => {
    const windowUs = 10_000_000;
    let w = EMPTY_API_ERROR_WINDOW;
    for (const t of [0, 4_000_000, 8_000_000]) w = recordApiError(w, t, windowUs);
    expect(apiErrorCascadeBreach(w, 8_000_000, 3, windowUs, 2)).toEqual({ kind: PanicKind.API_ERROR_CASCADE, venue: 2, instrument: 0, value: 3, threshold: 3 });
    expect(apiErrorCascadeBreach(w, 10_000_000, 3, windowUs)).toBeNull(); // the first one aged out
    w = recordApiError(w, 12_000_000, windowUs);
    expect(w.timesUs).toEqual([4_000_000, 8_000_000, 12_000_000]);
  });
});
