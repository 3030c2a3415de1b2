import { describe, expect, it } from 'vitest';
import { markRequested, onConfirmationSnapshot, startCancelAll, startNextRound, venuesToConfirm } from '../../actors/order-manager/cancel-all-progress.js';

const RETRY_MS = 3000;
const REQUEST_TIMEOUT_MS = 15_000;

/** A halt at t=0 on venues 1 and 2 with order 11 open; both venues' confirmations requested at t=100. */
function requestedAt100() {
  const p = startCancelAll('halt', 1, 0, [1, 2], [11]);
  p.awaiting.delete(11);
  for (const venue of venuesToConfirm(p, 100, REQUEST_TIMEOUT_MS)) markRequested(p, venue, `r${venue}`, 100);
  return p;
}

describe('cancel-all progress', () => {
  it('asks no venue before every order of ours is terminal, then every venue once', () => {
    const p = startCancelAll('halt', 1, 0, [1, 2], [11]);
    expect(venuesToConfirm(p, 50, REQUEST_TIMEOUT_MS)).toEqual([]);
    p.awaiting.delete(11);
    expect(venuesToConfirm(p, 100, REQUEST_TIMEOUT_MS)).toEqual([1, 2]);
  });

  it.each([
    ['a round later, still unanswered: not asked again (no pile of requests on a slow venue)', 100 + RETRY_MS, []],
    ['four rounds later, still unanswered: not asked again', 100 + 4 * RETRY_MS, []],
    ['unanswered for the request timeout: asked again (the request or its answer was lost)', 100 + REQUEST_TIMEOUT_MS, [1, 2]],
  ])('%s', (_what, nowMs, expected) => {
    const p = requestedAt100();
    startNextRound(p, nowMs, RETRY_MS);
    expect(venuesToConfirm(p, nowMs, REQUEST_TIMEOUT_MS)).toEqual(expected);
  });

  it('a venue that still lists an open order is asked again after retryMs; the others stay as they are', () => {
    const p = requestedAt100();
    expect(onConfirmationSnapshot(p, 1, 1, 200, RETRY_MS)).toBe(false);
    expect(onConfirmationSnapshot(p, 2, 0, 200, RETRY_MS)).toBe(false);
    expect(venuesToConfirm(p, 200 + RETRY_MS - 1, REQUEST_TIMEOUT_MS)).toEqual([]);
    expect(venuesToConfirm(p, 200 + RETRY_MS, REQUEST_TIMEOUT_MS)).toEqual([1]);
  });

  it('confirmed in round 1 when both venues answer with nothing open before a round is due', () => {
    const p = requestedAt100();
    expect(onConfirmationSnapshot(p, 1, 0, 300, RETRY_MS)).toBe(false);
    expect(onConfirmationSnapshot(p, 2, 0, 400, RETRY_MS)).toBe(true);
    expect(p).toMatchObject({ rounds: 1, doneAtMs: 400 });
    expect(startNextRound(p, 400 + RETRY_MS, RETRY_MS)).toEqual([]);
  });

  it('a round resends CANCEL_ALL to the venues not confirmed, once per retryMs, and counts it', () => {
    const p = requestedAt100();
    onConfirmationSnapshot(p, 2, 0, 200, RETRY_MS);
    expect(startNextRound(p, RETRY_MS - 1, RETRY_MS)).toEqual([]);
    expect(startNextRound(p, RETRY_MS, RETRY_MS)).toEqual([1]);
    expect(startNextRound(p, RETRY_MS + 1, RETRY_MS)).toEqual([]);
    expect(p.rounds).toBe(2);
  });
});
