/**
 * Reconciliation of our order records with what the venue reports after a restart or a
 * reconnect: a pure diff that says what to do, never does it.
 *
 * The venue is the authority on what is open and what traded; our records are the authority on
 * which orders are ours. Our client ids carry our namespace (client-order-id.ts), so an open
 * venue order with our namespace but no record is ours (we crashed between sending and
 * persisting) and is adopted with its strategy; anything else is external and adopted as
 * external, never cancelled blindly: it may belong to a human or another bot on the account.
 */
import type { Side } from '../../src/domain/messages.js';
import { parseClientOrderId } from './client-order-id.js';
import { OPEN_STATUSES, type OrderStatus } from './order-lifecycle.js';

export interface OwnOrderView {
  orderId: number;
  clientOrderId: string;
  instrument: number;
  side: Side;
  status: OrderStatus;
  qty: number;
  cumQty: number;
  price: number;
  /** Trade ids of the fills already applied to this order. */
  tradeIds: readonly number[];
}

export interface VenueOpenOrder {
  clientOrderId: string;
  venueOrderId: number;
  instrument: number;
  side: Side;
  qty: number;
  cumQty: number;
  price: number;
}

export interface VenueFill {
  tradeId: number;
  clientOrderId: string;
  venueOrderId: number;
  instrument: number;
  side: Side;
  qty: number;
  price: number;
  fee: number;
  exchangeTsMs: number;
}

export interface ReconcileInput {
  namespace: string;
  ownOrders: readonly OwnOrderView[];
  venueOpenOrders: readonly VenueOpenOrder[];
  venueRecentFills: readonly VenueFill[];
}

export type FillOwner = 'own' | 'orphan' | 'external';

export interface ReconciliationPlan {
  /** Open on both sides with the same side, qty and (after applying unknown fills) cumQty. */
  matched: Array<{ orderId: number; clientOrderId: string; venueOrderId: number }>;
  /** We think it is open; the venue does not list it. Closed while we were away. */
  missingOnVenue: Array<{
    orderId: number;
    clientOrderId: string;
    ourStatus: OrderStatus;
    /** MARK_FILLED when the unknown fills complete it, else QUERY_ORDER to learn how it closed. */
    action: 'MARK_FILLED' | 'QUERY_ORDER';
  }>;
  /** Open on the venue under our namespace with no record of ours: adopt as our strategy's order. */
  adoptOwn: Array<VenueOpenOrder & { strategy: number; intentId: number }>;
  /** Open on the venue, not ours: track it (exposure, open-order counts), do not touch it. */
  adoptExternal: VenueOpenOrder[];
  /** Venue fills whose trade id we never applied: apply them (own/orphan) or record them (external). */
  unknownFills: Array<{ fill: VenueFill; owner: FillOwner; orderId: number | null }>;
  /** Present on both sides but the numbers disagree even after applying the unknown fills. */
  quantityMismatches: Array<{
    orderId: number;
    clientOrderId: string;
    field: 'qty' | 'cumQty' | 'side';
    ours: number;
    venue: number;
    action: 'QUERY_ORDER';
  }>;
  /** We hold the order as not open (terminal or never sent) but the venue lists it open. */
  statusConflicts: Array<{ orderId: number; clientOrderId: string; ourStatus: OrderStatus; action: 'ADOPT_VENUE_OPEN' }>;
  /** Nothing to do: every category except `matched` is empty. */
  clean: boolean;
}

const sameQty = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12;

/** Trade ids are unique per venue instrument (Binance numbers trades per symbol). */
const fillKey = (instrument: number, tradeId: number): string => `${instrument}:${tradeId}`;

function assertInput(input: ReconcileInput): void {
  const seen = new Set<string>();
  for (const o of input.ownOrders) {
    if (seen.has(o.clientOrderId)) throw new RangeError(`reconcile: two own orders share clientOrderId ${JSON.stringify(o.clientOrderId)}`);
    seen.add(o.clientOrderId);
  }
  const venueSeen = new Set<string>();
  for (const v of input.venueOpenOrders) {
    if (venueSeen.has(v.clientOrderId)) throw new RangeError(`reconcile: venue lists clientOrderId ${JSON.stringify(v.clientOrderId)} twice as open`);
    venueSeen.add(v.clientOrderId);
  }
}

export function reconcile(input: ReconcileInput): ReconciliationPlan {
  assertInput(input);
  const ownById = new Map(input.ownOrders.map((o) => [o.clientOrderId, o]));
  const venueById = new Map(input.venueOpenOrders.map((v) => [v.clientOrderId, v]));

  const knownFills = new Set<string>();
  for (const o of input.ownOrders) for (const t of o.tradeIds) knownFills.add(fillKey(o.instrument, t));

  const plan: ReconciliationPlan = {
    matched: [],
    missingOnVenue: [],
    adoptOwn: [],
    adoptExternal: [],
    unknownFills: [],
    quantityMismatches: [],
    statusConflicts: [],
    clean: true,
  };

  const unknownFillQty = new Map<string, number>();
  const reportedFills = new Set<string>();
  for (const fill of input.venueRecentFills) {
    const key = fillKey(fill.instrument, fill.tradeId);
    if (knownFills.has(key) || reportedFills.has(key)) continue;
    reportedFills.add(key);
    const own = ownById.get(fill.clientOrderId);
    const owner: FillOwner = own ? 'own' : parseClientOrderId(fill.clientOrderId, input.namespace) ? 'orphan' : 'external';
    plan.unknownFills.push({ fill, owner, orderId: own ? own.orderId : null });
    unknownFillQty.set(fill.clientOrderId, (unknownFillQty.get(fill.clientOrderId) ?? 0) + fill.qty);
  }

  for (const own of input.ownOrders) {
    const venue = venueById.get(own.clientOrderId);
    const cumAfterFills = own.cumQty + (unknownFillQty.get(own.clientOrderId) ?? 0);
    if (!venue) {
      if (OPEN_STATUSES.has(own.status)) {
        const completed = cumAfterFills >= own.qty || sameQty(cumAfterFills, own.qty);
        plan.missingOnVenue.push({ orderId: own.orderId, clientOrderId: own.clientOrderId, ourStatus: own.status, action: completed ? 'MARK_FILLED' : 'QUERY_ORDER' });
      }
      continue;
    }
    if (!OPEN_STATUSES.has(own.status)) {
      plan.statusConflicts.push({ orderId: own.orderId, clientOrderId: own.clientOrderId, ourStatus: own.status, action: 'ADOPT_VENUE_OPEN' });
      continue;
    }
    const before = plan.quantityMismatches.length;
    const mismatch = (field: 'qty' | 'cumQty' | 'side', ours: number, theirs: number): void => {
      plan.quantityMismatches.push({ orderId: own.orderId, clientOrderId: own.clientOrderId, field, ours, venue: theirs, action: 'QUERY_ORDER' });
    };
    if (own.side !== venue.side) mismatch('side', own.side, venue.side);
    if (!sameQty(own.qty, venue.qty)) mismatch('qty', own.qty, venue.qty);
    if (!sameQty(cumAfterFills, venue.cumQty)) mismatch('cumQty', cumAfterFills, venue.cumQty);
    if (plan.quantityMismatches.length === before) {
      plan.matched.push({ orderId: own.orderId, clientOrderId: own.clientOrderId, venueOrderId: venue.venueOrderId });
    }
  }

  for (const venue of input.venueOpenOrders) {
    if (ownById.has(venue.clientOrderId)) continue;
    const parts = parseClientOrderId(venue.clientOrderId, input.namespace);
    if (parts) plan.adoptOwn.push({ ...venue, strategy: parts.strategy, intentId: parts.intentId });
    else plan.adoptExternal.push(venue);
  }

  plan.clean =
    plan.missingOnVenue.length === 0 &&
    plan.adoptOwn.length === 0 &&
    plan.adoptExternal.length === 0 &&
    plan.unknownFills.length === 0 &&
    plan.quantityMismatches.length === 0 &&
    plan.statusConflicts.length === 0;
  return plan;
}
