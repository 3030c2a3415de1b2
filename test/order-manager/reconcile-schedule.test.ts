import { describe, expect, it } from 'vitest';
import { expiredTradeKeys, fillsSinceMs, holdsTrading, periodicDue, triggerAfterStreamGap, type ReconcileStatus, type ReconcileTrigger } from '../../actors/order-manager/reconcile-schedule.js';

describe('reconcile schedule', () => {
  it('holdsTrading: start and stream-gap reconciliations hold intents until done; a periodic re-check never does', () => {
    const table: [ReconcileStatus, ReconcileTrigger, boolean][] = [
      ['requested', 'start', true], ['retry-pending', 'start', true], ['reconciled', 'start', false],
      ['requested', 'stream-gap', true], ['retry-pending', 'stream-gap', true], ['reconciled', 'stream-gap', false],
      ['requested', 'periodic', false], ['retry-pending', 'periodic', false], ['reconciled', 'periodic', false],
    ];
    for (const [status, trigger, held] of table) expect([status, trigger, holdsTrading(status, trigger)]).toEqual([status, trigger, held]);
  });

  it('periodicDue: only a reconciled venue, only once the interval has passed, never with 0', () => {
    expect(periodicDue('reconciled', 1000, 30_999, 30_000)).toBe(false);
    expect(periodicDue('reconciled', 1000, 31_000, 30_000)).toBe(true);
    expect(periodicDue('requested', 1000, 99_000, 30_000)).toBe(false);
    expect(periodicDue('retry-pending', 1000, 99_000, 30_000)).toBe(false);
    expect(periodicDue('reconciled', null, 99_000, 30_000)).toBe(false);
    expect(periodicDue('reconciled', 1000, 99_000, 0)).toBe(false);
  });

  it('triggerAfterStreamGap: supersedes a periodic re-check and a finished reconciliation; a pending start stays a start', () => {
    expect(triggerAfterStreamGap('requested', 'periodic')).toBe('stream-gap');
    expect(triggerAfterStreamGap('reconciled', 'start')).toBe('stream-gap');
    expect(triggerAfterStreamGap('reconciled', 'periodic')).toBe('stream-gap');
    expect(triggerAfterStreamGap('requested', 'start')).toBe('start');
    expect(triggerAfterStreamGap('retry-pending', 'stream-gap')).toBe('stream-gap');
  });

  it('fillsSinceMs: the whole lookback at start; since the last read minus the overlap after, never beyond the lookback', () => {
    const day = 86_400_000;
    expect(fillsSinceMs('start', 10 * day, day, 10 * day - 5000, 60_000)).toBe(9 * day);
    expect(fillsSinceMs('periodic', 10 * day, day, null, 60_000)).toBe(9 * day);
    expect(fillsSinceMs('periodic', 10 * day, day, 10 * day - 30_000, 60_000)).toBe(10 * day - 90_000);
    expect(fillsSinceMs('stream-gap', 10 * day, day, 3 * day, 60_000)).toBe(9 * day);
    expect(fillsSinceMs('start', 1000, day, null, 60_000)).toBe(0);
  });

  it('expiredTradeKeys: only keys older than the lookback', () => {
    expect(expiredTradeKeys(new Map([['1:1:5', 0], ['1:1:6', 500], ['1:2:7', 1000]]), 1500, 1000)).toEqual(['1:1:5']);
  });
});
