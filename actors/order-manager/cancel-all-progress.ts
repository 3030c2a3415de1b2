/**
 * Progress of one cancel-all (on HALTED, or asked by an operator) until it is confirmed:
 * every order of ours that was open is terminal, and then every venue's own snapshot lists no
 * open order at all (that also covers external orders and orders we never heard back about).
 * Pure bookkeeping; the actor sends the commands and snapshot requests it asks for.
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
  venues: Map<number, { state: VenueConfirmation; requestId: string | null; retryAtMs: number; openSeen: number }>;
  doneAtMs: number | null;
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
    venues: new Map([...venues].map((v) => [v, { state: 'waiting-for-orders' as VenueConfirmation, requestId: null, retryAtMs: 0, openSeen: 0 }])),
    doneAtMs: null,
  };
}

/** Venues whose confirmation snapshot should be requested now. */
export function venuesToConfirm(p: CancelAllProgress, nowMs: number): number[] {
  if (p.doneAtMs !== null || p.awaiting.size > 0) return [];
  const due: number[] = [];
  for (const [venue, v] of p.venues) {
    if (v.state === 'waiting-for-orders' || (v.state === 'retry-pending' && nowMs >= v.retryAtMs)) due.push(venue);
  }
  return due;
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

/** Venues that still need a CANCEL_ALL sent again (not confirmed, last round older than retryMs). */
export function venuesToResend(p: CancelAllProgress, nowMs: number, retryMs: number): number[] {
  if (p.doneAtMs !== null || nowMs - p.lastSentMs < retryMs) return [];
  return [...p.venues].filter(([, v]) => v.state !== 'confirmed').map(([venue]) => venue);
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
