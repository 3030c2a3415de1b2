import type { TradingStateChange } from '../../src/domain/messages.js';

/**
 * Delivery of trading-state changes to the kill switch's peers, without ever waiting on a
 * ring. The gate word is the source of truth (every order path reads it before an order
 * leaves); the TradingStateChange frame only tells peers to act at once (cancel-all on
 * HALTED). So a transition never blocks or throws on a full ring: a change that does not
 * fit stays queued for that peer, in order, and is retried (on the next transition and on
 * the actor's retry timer) until the peer's ring takes it. Every failed attempt is counted.
 * Pure bookkeeping: the actor supplies the non-blocking send.
 */

/** Changes kept per peer; beyond it the oldest is given up (counted): the newest always stays. */
export const PEER_QUEUE_LIMIT = 32;

export interface PeerDelivery {
  /** Changes not yet in this peer's ring, oldest first. */
  readonly queue: TradingStateChange[];
  delivered: number;
  /** Sends refused (ring full, or the encoder threw), each retry included. */
  failedAttempts: number;
  /** Oldest queued changes given up at the queue limit. */
  superseded: number;
  lastError: string | null;
}

export type Deliveries = Map<string, PeerDelivery>;

export function newDeliveries(peers: Iterable<string>): Deliveries {
  return new Map([...peers].map((peer) => [peer, { queue: [], delivered: 0, failedAttempts: 0, superseded: 0, lastError: null }]));
}

/** Queues a copy of `change` for every peer (the caller reuses its message object). */
export function enqueueChange(deliveries: Deliveries, change: TradingStateChange): void {
  for (const peer of deliveries.values()) {
    peer.queue.push({ ...change });
    if (peer.queue.length > PEER_QUEUE_LIMIT) {
      peer.queue.shift();
      peer.superseded++;
    }
  }
}

/** A send that never waits: null when the frame is in the peer's ring, else why not. */
export type TrySend = (peer: string, change: TradingStateChange) => string | null;

export interface DeliveryOutcome {
  /** Peers that had everything delivered before and now have a change stuck. */
  newlyBlocked: string[];
  /** Peers that had a change stuck and are now fully delivered. */
  caughtUp: string[];
}

/** Sends each peer's queued changes in order until its ring refuses one. */
export function deliver(deliveries: Deliveries, trySend: TrySend): DeliveryOutcome {
  const outcome: DeliveryOutcome = { newlyBlocked: [], caughtUp: [] };
  for (const [name, peer] of deliveries) {
    if (peer.queue.length === 0) continue;
    const wasBlocked = peer.lastError !== null;
    while (peer.queue.length > 0) {
      const error = trySend(name, peer.queue[0]!);
      if (error !== null) {
        peer.failedAttempts++;
        peer.lastError = error;
        break;
      }
      peer.queue.shift();
      peer.delivered++;
    }
    if (peer.queue.length === 0) {
      peer.lastError = null;
      if (wasBlocked) outcome.caughtUp.push(name);
    } else if (!wasBlocked) {
      outcome.newlyBlocked.push(name);
    }
  }
  return outcome;
}

export const hasPending = (deliveries: Deliveries): boolean => [...deliveries.values()].some((peer) => peer.queue.length > 0);

/** Per peer, for the actor's status: what is still owed and what it cost. */
export function deliveryStatus(deliveries: Deliveries) {
  return Object.fromEntries(
    [...deliveries].map(([name, peer]) => [
      name,
      {
        pending: peer.queue.length,
        pendingSeqs: peer.queue.map((change) => change.seq),
        delivered: peer.delivered,
        failedAttempts: peer.failedAttempts,
        superseded: peer.superseded,
        lastError: peer.lastError,
      },
    ]),
  );
}
