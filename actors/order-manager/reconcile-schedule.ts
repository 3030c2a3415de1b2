/**
 * When the order manager reconciles a venue, and what trading does meanwhile (docs/order-manager.md,
 * "Continuous reconciliation"). Pure: the actor passes its clock and per-venue state.
 *
 * - `start`: once per venue at start-up. Intents for the venue wait until it is done.
 * - `stream-gap`: the exchange actor's user-data stream came back after a gap (`venue.stream-gap`):
 *   reports and fills of the gap may be lost, so intents wait again until the venue was read.
 * - `periodic`: every `reconcile_every_ms` after the last reconciliation, a re-check that trading
 *   does not wait for (it finds what no notice announced: a silent stream, a venue-side cancel).
 */
export type ReconcileTrigger = 'start' | 'stream-gap' | 'periodic';
export type ReconcileStatus = 'requested' | 'retry-pending' | 'reconciled';

/** Intents for the venue are held: it was never reconciled, or it is being reconciled after a stream gap. */
export function holdsTrading(status: ReconcileStatus, trigger: ReconcileTrigger): boolean {
  return status !== 'reconciled' && trigger !== 'periodic';
}

/** A periodic re-check is due: the venue is reconciled and its last reconciliation is `everyMs` old (0 = never). */
export function periodicDue(status: ReconcileStatus, reconciledAtMs: number | null, nowMs: number, everyMs: number): boolean {
  return everyMs > 0 && status === 'reconciled' && reconciledAtMs !== null && nowMs - reconciledAtMs >= everyMs;
}

/**
 * The trigger of the request a stream-gap notice starts. It supersedes a pending periodic
 * re-check (that one may have read the venue before the gap ended, and trading must now wait);
 * a start-up reconciliation still pending stays one.
 */
export function triggerAfterStreamGap(status: ReconcileStatus, trigger: ReconcileTrigger): ReconcileTrigger {
  return status !== 'reconciled' && trigger === 'start' ? 'start' : 'stream-gap';
}

/**
 * From when the venue's trades are fetched. At start, the whole lookback. A re-check needs only
 * what happened since the last venue read that succeeded, with an overlap for clock skew and
 * trades still settling, and never more than the lookback: a short window keeps each re-check
 * cheap, and keeps out fills of orders pruned from memory since (they would look unknown).
 */
export function fillsSinceMs(trigger: ReconcileTrigger, nowMs: number, lookbackMs: number, lastReadAtMs: number | null, overlapMs: number): number {
  const lookbackStart = Math.max(0, nowMs - lookbackMs);
  if (trigger === 'start' || lastReadAtMs === null) return lookbackStart;
  return Math.max(lookbackStart, lastReadAtMs - overlapMs);
}

/** Trade keys booked without an order record, older than the lookback: no reconciliation can list them again. */
export function expiredTradeKeys(booked: ReadonlyMap<string, number>, nowMs: number, lookbackMs: number): string[] {
  const out: string[] = [];
  for (const [key, atMs] of booked) if (nowMs - atMs > lookbackMs) out.push(key);
  return out;
}
