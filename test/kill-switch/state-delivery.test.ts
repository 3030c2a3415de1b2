import { describe, expect, it } from 'vitest';
import { deliver, deliveryStatus, enqueueChange, hasPending, newDeliveries, PEER_QUEUE_LIMIT, type TrySend } from '../../actors/kill-switch/state-delivery.js';
import { TradingState, TripSource, type TradingStateChange } from '../../src/domain/messages.js';

const change = (seq: number, state: TradingState = TradingState.HALTED): TradingStateChange => ({ state, previous: TradingState.ACTIVE, source: TripSource.ADMIN, seq, tsUs: seq });

/** A peer ring that takes `room[peer]` more frames, recording what it took. */
function rings(room: Record<string, number>) {
  const taken: Record<string, number[]> = {};
  const trySend: TrySend = (peer, c) => {
    if ((room[peer] ?? 0) <= 0) return `ring to ${peer} full`;
    room[peer]!--;
    (taken[peer] ??= []).push(c.seq);
    return null;
  };
  return { taken, trySend };
}

describe('state delivery to the kill switch peers', () => {
  it.each([
    ['every ring has room: all delivered at once', { a: 5, b: 5 }, [1, 2], { a: [1, 2], b: [1, 2] }, { a: 0, b: 0 }],
    ['b is full: a gets both, b keeps both queued in order', { a: 5, b: 0 }, [1, 2], { a: [1, 2] }, { a: 0, b: 2 }],
    ['b has room for one: the oldest goes, the newer waits', { a: 5, b: 1 }, [1, 2], { a: [1, 2], b: [1] }, { a: 0, b: 1 }],
  ])('%s', (_what, room, seqs, expectedTaken, expectedPending) => {
    const d = newDeliveries(['a', 'b']);
    const { taken, trySend } = rings({ ...room });
    for (const seq of seqs) enqueueChange(d, change(seq));
    deliver(d, trySend);
    expect(taken).toEqual(expectedTaken);
    expect(Object.fromEntries(Object.entries(deliveryStatus(d)).map(([peer, s]) => [peer, s.pending]))).toEqual(expectedPending);
  });

  it('retries a refused change until the ring takes it, counting every refusal, and reports block and catch-up once', () => {
    const d = newDeliveries(['listener']);
    const room = { listener: 0 };
    const { taken, trySend } = rings(room);
    enqueueChange(d, change(7));
    expect(deliver(d, trySend)).toEqual({ newlyBlocked: ['listener'], caughtUp: [] });
    expect(deliver(d, trySend)).toEqual({ newlyBlocked: [], caughtUp: [] });
    expect(hasPending(d)).toBe(true);
    expect(deliveryStatus(d).listener).toMatchObject({ pending: 1, pendingSeqs: [7], failedAttempts: 2, delivered: 0, lastError: 'ring to listener full' });
    room.listener = 1;
    expect(deliver(d, trySend)).toEqual({ newlyBlocked: [], caughtUp: ['listener'] });
    expect(taken.listener).toEqual([7]);
    expect(hasPending(d)).toBe(false);
    expect(deliveryStatus(d).listener).toMatchObject({ pending: 0, failedAttempts: 2, delivered: 1, lastError: null });
  });

  it('keeps a copy: the caller may reuse its message object', () => {
    const d = newDeliveries(['a']);
    const reused = change(1);
    enqueueChange(d, reused);
    reused.seq = 2;
    enqueueChange(d, reused);
    expect(deliveryStatus(d).a!.pendingSeqs).toEqual([1, 2]);
  });

  it('gives up the oldest at the queue limit, counted; the newest always stays', () => {
    const d = newDeliveries(['a']);
    for (let seq = 1; seq <= PEER_QUEUE_LIMIT + 3; seq++) enqueueChange(d, change(seq));
    const status = deliveryStatus(d).a!;
    expect(status.superseded).toBe(3);
    expect(status.pendingSeqs[0]).toBe(4);
    expect(status.pendingSeqs.at(-1)).toBe(PEER_QUEUE_LIMIT + 3);
  });
});
