/**
 * Breach detectors of the risk monitor. Each is a pure function of its inputs (time passed in)
 * and returns a panic descriptor when a limit is breached, null otherwise; the risk actor stamps
 * the time and sends it to the kill switch as a RiskPanic.
 */
import { PanicKind, Side, type BookTop, type RiskPanic } from '../../src/domain/messages.js';
import type { PositionState } from './accounting.js';
import { spreadBps } from './pre-trade-checks.js';

export type PanicDescriptor = Pick<RiskPanic, 'kind' | 'venue' | 'instrument' | 'value' | 'threshold'>;

const BPS = 10_000;
const US_PER_UTC_DAY = 86_400_000_000;

const panic = (kind: PanicKind, value: number, threshold: number, venue = 0, instrument = 0): PanicDescriptor => ({ kind, venue, instrument, value, threshold });

// ---- drawdown from the equity peak -------------------------------------------------------

export interface DrawdownState {
  /** Highest equity seen, starting from the equity the tracker was created with. */
  peakEquity: number;
}

export interface DrawdownReading {
  state: DrawdownState;
  /** peak − equity, quote currency (>= 0). */
  drawdown: number;
  /** drawdown / peak (0 when the peak is not positive). */
  drawdownFraction: number;
}

export function newDrawdownState(initialEquity: number): DrawdownState {
  if (!Number.isFinite(initialEquity)) throw new RangeError(`drawdown: initial equity must be finite, got ${initialEquity}`);
  return { peakEquity: initialEquity };
}

/**
 * Measured from the highest equity reached, not from the start: a run that doubles and then
 * gives back 40% is 40% down, even though it is still above where it began.
 */
export function updateDrawdown(state: DrawdownState, equity: number): DrawdownReading {
  if (!Number.isFinite(equity)) throw new RangeError(`drawdown: equity must be finite, got ${equity}`);
  const peakEquity = Math.max(state.peakEquity, equity);
  const drawdown = peakEquity - equity;
  return { state: peakEquity === state.peakEquity ? state : { peakEquity }, drawdown, drawdownFraction: peakEquity > 0 ? drawdown / peakEquity : 0 };
}

/** `maxFraction` e.g. 0.1 = panic once equity is 10% below its peak. */
export function drawdownBreach(reading: DrawdownReading, maxFraction: number): PanicDescriptor | null {
  return reading.drawdownFraction >= maxFraction ? panic(PanicKind.DRAWDOWN, reading.drawdownFraction, maxFraction) : null;
}

// ---- daily loss (UTC day) ----------------------------------------------------------------

export interface DailyLossState {
  /** Days since the epoch (UTC) the state belongs to. */
  utcDay: number;
  /** Equity at the first reading of that day. */
  dayStartEquity: number;
}

export const utcDayOf = (nowUs: number): number => Math.floor(nowUs / US_PER_UTC_DAY);

/** Rolls over to a new day at 00:00 UTC, taking the first equity seen that day as its start. */
export function updateDailyLoss(state: DailyLossState | undefined, equity: number, nowUs: number): DailyLossState {
  if (!Number.isFinite(equity) || !Number.isFinite(nowUs)) throw new RangeError(`daily loss: equity and time must be finite, got ${equity} at ${nowUs}`);
  const day = utcDayOf(nowUs);
  if (state !== undefined && state.utcDay === day) return state;
  return { utcDay: day, dayStartEquity: equity };
}

/** `maxLoss` in quote currency; panics when today's loss reaches it. */
export function dailyLossBreach(state: DailyLossState, equity: number, maxLoss: number): PanicDescriptor | null {
  const loss = state.dayStartEquity - equity;
  return loss >= maxLoss ? panic(PanicKind.DAILY_LOSS, loss, maxLoss) : null;
}

// ---- mandatory per-position stop loss ----------------------------------------------------

export interface StopLossPosition extends PositionState {
  venue: number;
  instrument: number;
}

/** Adverse move from the average entry, in bps (negative when the position is in profit). */
export function adverseMoveBps(pos: PositionState, mark: number): number {
  if (pos.qty === 0) return 0;
  return ((pos.avgPrice - mark) / pos.avgPrice) * BPS * Math.sign(pos.qty);
}

/**
 * Every open position is checked against the stop (mandatory: there is no way to exempt one).
 * A position without a usable mark cannot be shown safe and is reported as STALE_QUOTES.
 */
export function stopLossBreaches(
  positions: readonly StopLossPosition[],
  mark: (venue: number, instrument: number) => number | undefined,
  stopLossBps: number,
): PanicDescriptor[] {
  const breaches: PanicDescriptor[] = [];
  for (const p of positions) {
    if (p.qty === 0) continue;
    const m = mark(p.venue, p.instrument);
    if (m === undefined || !(Number.isFinite(m) && m > 0)) {
      breaches.push(panic(PanicKind.STALE_QUOTES, Number.POSITIVE_INFINITY, 0, p.venue, p.instrument));
      continue;
    }
    const move = adverseMoveBps(p, m);
    if (move >= stopLossBps) breaches.push(panic(PanicKind.STOP_LOSS, move, stopLossBps, p.venue, p.instrument));
  }
  return breaches;
}

// ---- slippage ----------------------------------------------------------------------------

/** How much worse than expected a fill was, in bps (negative = price improvement). */
export function slippageBps(side: Side, expectedPrice: number, fillPrice: number): number {
  if (!(expectedPrice > 0)) throw new RangeError(`slippage: expected price must be > 0, got ${expectedPrice}`);
  const diff = side === Side.BUY ? fillPrice - expectedPrice : expectedPrice - fillPrice;
  return (diff / expectedPrice) * BPS;
}

export function slippageBreach(side: Side, expectedPrice: number, fillPrice: number, maxBps: number, venue: number, instrument: number): PanicDescriptor | null {
  const bps = slippageBps(side, expectedPrice, fillPrice);
  return bps > maxBps ? panic(PanicKind.SLIPPAGE, bps, maxBps, venue, instrument) : null;
}

// ---- market-data health ------------------------------------------------------------------

/** What a venue connector said when it declared its feed stale (the `venue.stale` notice), and when risk heard it. */
export interface VenueStaleNotice {
  /** How long the connector had had no market data when it said so. */
  silentForMs: number;
  /** The connector's own limit (its `stale_after_ms`): the rule that fired. */
  staleAfterMs: number;
  /** Risk's time on receipt: the silence has grown by the time since. */
  receivedUs: number;
}

/**
 * Reads a `venue.stale` notice. A notice without usable numbers still marks the venue stale (its
 * prices cannot be trusted either way): the notice is then taken as silence 0 against limit 0, and
 * `problem` says which field was wrong.
 */
export function parseVenueStaleNotice(message: unknown, receivedUs: number): { notice: VenueStaleNotice; problem: string | null } {
  const fields = message as { silentForMs?: unknown; staleAfterMs?: unknown };
  const bad = (['silentForMs', 'staleAfterMs'] as const).filter((name) => !(typeof fields[name] === 'number' && fields[name] >= 0 && Number.isFinite(fields[name])));
  if (bad.length > 0) {
    return { notice: { silentForMs: 0, staleAfterMs: 0, receivedUs }, problem: `venue.stale: ${bad.map((name) => `${name} must be a number >= 0, got ${JSON.stringify(fields[name])}`).join('; ')}` };
  }
  return { notice: { silentForMs: fields.silentForMs as number, staleAfterMs: fields.staleAfterMs as number, receivedUs }, problem: null };
}

/**
 * One market we hold or quote in. Two rules, each reported with its own numbers, in ms: the venue
 * says its feed is silent (its silence, aged to now, against its `stale_after_ms`), or our book is
 * older than `maxAgeMs`. Reporting the book's age against `maxAgeMs` when the venue's rule fired
 * read "5363 breached 10000" for a panic that was right to fire at 5.4 s.
 */
export function staleMarketBreach(
  market: { venue: number; instrument: number },
  book: Pick<BookTop, 'receiveTsUs'> | undefined,
  venueStale: VenueStaleNotice | undefined,
  nowUs: number,
  maxAgeMs: number,
): PanicDescriptor | null {
  if (venueStale) {
    const silentMs = venueStale.silentForMs + Math.max(0, nowUs - venueStale.receivedUs) / 1000;
    return panic(PanicKind.STALE_QUOTES, silentMs, venueStale.staleAfterMs, market.venue, market.instrument);
  }
  if (!book) return null;
  const ageMs = (nowUs - book.receiveTsUs) / 1000;
  return ageMs > maxAgeMs ? panic(PanicKind.STALE_QUOTES, ageMs, maxAgeMs, market.venue, market.instrument) : null;
}

export function spreadBlowoutBreach(book: Pick<BookTop, 'venue' | 'instrument' | 'bidPrice' | 'askPrice'>, maxSpreadBps: number): PanicDescriptor | null {
  const valid = book.bidPrice > 0 && book.askPrice >= book.bidPrice;
  const bps = valid ? spreadBps(book.bidPrice, book.askPrice) : Number.POSITIVE_INFINITY;
  return bps > maxSpreadBps ? panic(PanicKind.SPREAD_BLOWOUT, bps, maxSpreadBps, book.venue, book.instrument) : null;
}

// ---- API error cascade -------------------------------------------------------------------

export interface ApiErrorWindow {
  /** Times of recent errors, ascending, none older than the window. */
  timesUs: readonly number[];
}

export const EMPTY_API_ERROR_WINDOW: ApiErrorWindow = { timesUs: [] };

export function recordApiError(window: ApiErrorWindow, nowUs: number, windowUs: number): ApiErrorWindow {
  const kept = window.timesUs.filter((t) => nowUs - t < windowUs);
  kept.push(nowUs);
  return { timesUs: kept };
}

/** Panics when `maxErrors` or more errors fall within the last `windowUs`. */
export function apiErrorCascadeBreach(window: ApiErrorWindow, nowUs: number, maxErrors: number, windowUs: number, venue = 0): PanicDescriptor | null {
  let count = 0;
  for (const t of window.timesUs) if (nowUs - t < windowUs) count++;
  return count >= maxErrors ? panic(PanicKind.API_ERROR_CASCADE, count, maxErrors, venue) : null;
}
