/**
 * Progress of one cancel-all (on HALTED, or asked by an operator) until it is confirmed:
 * every order of ours that was open is terminal, and then every venue's own snapshot lists no
 * open order at all (that also covers external orders and orders we never heard back about).
 * Pure bookkeeping; the actor sends the commands and snapshot requests it asks for.
 *
 * A confirmation request is asked again only when it was answered with open orders (after
 * retryMs) or went unanswered for the request timeout, never merely because a round passed:
 * asking again each round piled requests onto a venue that was slow to answer, each slower
 * than the last, and a cancel-all of one order took 6 rounds (16.9 s) or never confirmed.
 */
export type CancelAllTrigger = 'halt' | 'operator';
export type VenueConfirmation = 'waiting-for-orders' | 'requested' | 'retry-pending' | 'confirmed';

export interface CancelAllProgress {
  trigger: CancelAllTrigger;
  /** Kill-switch transition seq for a halt, 0 for an operator request. */
  seq: number;
  startedAtMs: number;
  /** When CANCEL_ALL was last sent to the venues not yet confirmed. */
  lastSentMs: number;
  rounds: number;
  /** Our orders that were open when it began (or opened since) and are not terminal yet. */
  awaiting: Set<number>;
  cancelledOrders: number;
  venues: Map<number, VenueProgress>;
  doneAtMs: number | null;
}

export interface VenueProgress {
  state: VenueConfirmation;
  requestId: string | null;
  /** When the outstanding confirmation request was sent ('requested'). */
  requestedAtMs: number;
  retryAtMs: number;
  openSeen: number;
}

export function startCancelAll(trigger: CancelAllTrigger, seq: number, nowMs: number, venues: Iterable<number>, openOrderIds: Iterable<number>): CancelAllProgress {
  const awaiting = new Set(openOrderIds);
  return {
    trigger,
    seq,
    startedAtMs: nowMs,
    lastSentMs: nowMs,
    rounds: 1,
    awaiting,
    cancelledOrders: awaiting.size,
    venues: new Map([...venues].map((v): [number, VenueProgress] => [v, { state: 'waiting-for-orders', requestId: null, requestedAtMs: 0, retryAtMs: 0, openSeen: 0 }])),
    doneAtMs: null,
  };
}

/** Venues whose confirmation snapshot should be requested now (a request unanswered for `requestTimeoutMs` counts as lost). */
export function venuesToConfirm(p: CancelAllProgress, nowMs: number, requestTimeoutMs: number): number[] {
  if (p.doneAtMs !== null || p.awaiting.size > 0) return [];
  const due: number[] = [];
  for (const [venue, v] of p.venues) {
    if (
      v.state === 'waiting-for-orders' ||
      (v.state === 'retry-pending' && nowMs >= v.retryAtMs) ||
      (v.state === 'requested' && nowMs - v.requestedAtMs >= requestTimeoutMs)
    ) {
      due.push(venue);
    }
  }
  return due;
}

export function markRequested(p: CancelAllProgress, venue: number, requestId: string, nowMs: number): void {
  const v = p.venues.get(venue);
  if (!v) return;
  v.state = 'requested';
  v.requestId = requestId;
  v.requestedAtMs = nowMs;
}

/** A venue's confirmation snapshot: confirmed when it lists nothing open. Returns true when the whole cancel-all is done. */
export function onConfirmationSnapshot(p: CancelAllProgress, venue: number, openOrders: number, nowMs: number, retryMs: number): boolean {
  const v = p.venues.get(venue);
  if (!v) return false;
  v.requestId = null;
  v.openSeen = openOrders;
  if (openOrders === 0) v.state = 'confirmed';
  else {
    v.state = 'retry-pending';
    v.retryAtMs = nowMs + retryMs;
  }
  if ([...p.venues.values()].every((x) => x.state === 'confirmed')) p.doneAtMs = nowMs;
  return p.doneAtMs !== null;
}

/**
 * Starts the next round once the last one is `retryMs` old and the cancel-all is not done:
 * returns the venues not confirmed yet, which get CANCEL_ALL again (none: no round due).
 */
export function startNextRound(p: CancelAllProgress, nowMs: number, retryMs: number): number[] {
  if (p.doneAtMs !== null || nowMs - p.lastSentMs < retryMs) return [];
  const resend = [...p.venues].filter(([, v]) => v.state !== 'confirmed').map(([venue]) => venue);
  if (resend.length === 0) return [];
  p.lastSentMs = nowMs;
  p.rounds++;
  return resend;
}

export function summary(p: CancelAllProgress) {
  return {
    trigger: p.trigger,
    seq: p.seq,
    startedAtMs: p.startedAtMs,
    rounds: p.rounds,
    cancelledOrders: p.cancelledOrders,
    awaiting: [...p.awaiting],
    venues: Object.fromEntries([...p.venues].map(([venue, v]) => [venue, { state: v.state, openSeen: v.openSeen }])),
    done: p.doneAtMs !== null,
    doneAtMs: p.doneAtMs,
    tookMs: p.doneAtMs !== null ? p.doneAtMs - p.startedAtMs : null,
  };
}
