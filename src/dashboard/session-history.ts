/**
 * What the dashboard remembers of the session beyond the current snapshot: the equity and
 * drawdown series its charts draw, and the recent events. Pure: history + input -> new history.
 *
 * The series covers the whole session at a bounded size: when it is full, every second point
 * is dropped and points are taken half as often from then on, so an hours-long session keeps
 * its shape in `maxPoints` points instead of showing only its last minutes.
 */
import type { AdminEvent } from '../admin/protocol.js';

export interface SeriesPoint {
  readonly atMs: number;
  /** Plotted only: the exact figures are the status's decimal text. Null while a position has no mark. */
  readonly equity: number | null;
  /** Fraction below the equity peak (0.02 = 2 %). */
  readonly drawdown: number | null;
}

export interface SessionHistory {
  readonly points: readonly SeriesPoint[];
  /** A point is taken only this long after the previous one (doubles each time the series is thinned). */
  readonly spacingMs: number;
  /** Newest last. */
  readonly events: readonly NumberedEvent[];
  readonly nextEventSeq: number;
}

export interface NumberedEvent extends AdminEvent {
  readonly seq: number;
}

export interface HistoryLimits {
  readonly maxPoints: number;
  readonly maxEvents: number;
  /** The spacing of points at the start of a session. */
  readonly initialSpacingMs: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = { maxPoints: 600, maxEvents: 300, initialSpacingMs: 1000 };

export function emptyHistory(limits: HistoryLimits = DEFAULT_HISTORY_LIMITS): SessionHistory {
  return { points: [], spacingMs: limits.initialSpacingMs, events: [], nextEventSeq: 1 };
}

/** Adds a point unless it comes sooner than `spacingMs` after the last one; thins the series when full. */
export function addPoint(history: SessionHistory, point: SeriesPoint, limits: HistoryLimits = DEFAULT_HISTORY_LIMITS): SessionHistory {
  const last = history.points.at(-1);
  if (last && point.atMs - last.atMs < history.spacingMs) return history;
  let points = [...history.points, point];
  let spacingMs = history.spacingMs;
  if (points.length > limits.maxPoints) {
    // keep the newest point: the chart must end where the session is now
    points = points.filter((_, i) => (points.length - 1 - i) % 2 === 0);
    spacingMs *= 2;
  }
  return { ...history, points, spacingMs };
}

export function addEvent(history: SessionHistory, event: AdminEvent, limits: HistoryLimits = DEFAULT_HISTORY_LIMITS): SessionHistory {
  const events = [...history.events, { ...event, seq: history.nextEventSeq }];
  return { ...history, events: events.length > limits.maxEvents ? events.slice(events.length - limits.maxEvents) : events, nextEventSeq: history.nextEventSeq + 1 };
}

/** The chart's figure from a decimal text (null stays null; text that is not a number is not plotted). */
export function plotted(decimal: string | null | undefined): number | null {
  if (decimal === null || decimal === undefined) return null;
  const value = Number(decimal);
  return Number.isFinite(value) ? value : null;
}
