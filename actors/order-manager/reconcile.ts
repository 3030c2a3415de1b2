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
import type { OrderType, Side, TimeInForce } from '../../src/domain/messages.js';
import { FLATTEN_STRATEGY_ID, parseClientOrderId } from './client-order-id.js';
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
  /** As the venue lists it: an adopted order keeps it (a MARKET/IOC flatten stays one). */
  type: OrderType;
  timeInForce: TimeInForce;
  /** 1 when the venue flags it reduce-only (derivatives venues; spot venues have no such flag). */
  reduceOnly: number;
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
  /**
   * Keys (`instrument:tradeId`) of venue fills already booked without an order record of ours
   * (orphan and external fills of an earlier reconciliation): a re-check that sees them again in
   * the venue's recent trades must not book them twice.
   */
  bookedWithoutRecord?: ReadonlySet<string>;
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
export const fillKey = (instrument: number, tradeId: number): string => `${instrument}:${tradeId}`;

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
  for (const key of input.bookedWithoutRecord ?? []) knownFills.add(key);

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

/**
 * The terms an order adopted from the venue is kept under: the venue's type and time in force,
 * and reduce-only when the venue flags it or when our client id says it is one of the order
 * manager's own flatten orders (always reduce-only; a spot venue carries no such flag). Adopting
 * it as a plain order would let the trading gate treat a flatten as new risk.
 */
export function adoptedOrderTerms(order: VenueOpenOrder, strategy: number): { type: OrderType; timeInForce: TimeInForce; reduceOnly: number } {
  return { type: order.type, timeInForce: order.timeInForce, reduceOnly: order.reduceOnly === 1 || strategy === FLATTEN_STRATEGY_ID ? 1 : 0 };
}

export type DifferenceKind = 'missingOnVenue' | 'adoptOwn' | 'adoptExternal' | 'unknownFill' | 'quantityMismatch' | 'statusConflict';

/** One way our view and the venue's differed, with the action taken, for an event, a log line and a counter. */
export interface ReconcileDifference {
  kind: DifferenceKind;
  clientOrderId: string;
  /** What differed and what is done about it, in words. */
  detail: string;
}

/**
 * Every difference of a plan, one entry each. External orders already tracked (`knownExternal`,
 * by client id) are not new differences: a re-check lists them every time.
 */
export function differencesOf(plan: ReconciliationPlan, knownExternal: ReadonlySet<string> = new Set()): ReconcileDifference[] {
  const out: ReconcileDifference[] = [];
  for (const x of plan.missingOnVenue) {
    out.push({ kind: 'missingOnVenue', clientOrderId: x.clientOrderId, detail: `we hold it ${x.ourStatus}, the venue does not list it open: ${x.action === 'MARK_FILLED' ? 'its missed fills complete it' : 'asking the venue how it closed'}` });
  }
  for (const a of plan.adoptOwn) out.push({ kind: 'adoptOwn', clientOrderId: a.clientOrderId, detail: `open on the venue under our namespace (strategy ${a.strategy}, intent ${a.intentId}) with no record here: adopted` });
  for (const e of plan.adoptExternal) {
    if (!knownExternal.has(e.clientOrderId)) out.push({ kind: 'adoptExternal', clientOrderId: e.clientOrderId, detail: 'open on the venue, not ours: tracked, not touched' });
  }
  for (const u of plan.unknownFills) {
    const booked = u.owner === 'external' ? 'counted as an external fill' : 'booked once';
    out.push({ kind: 'unknownFill', clientOrderId: u.fill.clientOrderId, detail: `trade ${u.fill.tradeId} (${u.fill.qty} at ${u.fill.price}) was never applied here (${u.owner}): ${booked}` });
  }
  for (const q of plan.quantityMismatches) out.push({ kind: 'quantityMismatch', clientOrderId: q.clientOrderId, detail: `${q.field} is ${q.ours} here, ${q.venue} on the venue: querying the order` });
  for (const c of plan.statusConflicts) out.push({ kind: 'statusConflict', clientOrderId: c.clientOrderId, detail: `we hold it ${c.ourStatus}, the venue lists it open: adopting the venue's view` });
  return out;
}
