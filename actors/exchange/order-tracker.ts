import { ExecStatus, Liquidity, RejectReason, Side, type ExecutionReport, type Fill } from '../../src/domain/messages.js';

/**
 * What the venue says about our orders, turned into execution reports and fills exactly
 * once each. The same order state reaches us several ways (the createOrder reply, the
 * user-data stream, REST polling), so a report is produced only when the status or the
 * filled quantity changed, and a fill only for a trade id not seen before.
 *
 * VenueOrder / VenueTrade are the fields of ccxt's unified Order and Trade this needs.
 */
export interface VenueOrder {
  id?: string | undefined;
  clientOrderId?: string | undefined;
  status?: string | undefined;
  side?: string | undefined;
  filled?: number | undefined;
  remaining?: number | undefined;
  amount?: number | undefined;
  average?: number | undefined;
  cost?: number | undefined;
  timestamp?: number | undefined;
  lastUpdateTimestamp?: number | undefined;
}

export interface VenueTrade {
  id?: string | undefined;
  order?: string | undefined;
  side?: string | undefined;
  price?: number | undefined;
  amount?: number | undefined;
  fee?: { cost?: number | undefined; currency?: string | undefined } | undefined;
  takerOrMaker?: string | undefined;
  timestamp?: number | undefined;
}

export interface TrackedOrder {
  readonly orderId: number;
  readonly instrument: number;
  readonly side: Side;
  readonly qty: number;
  venueOrderId: string | undefined;
  status: ExecStatus | 0;
  filled: number;
  /** filled × average price: the difference between two states gives the last fill's price. */
  cost: number;
}

/** Trades of orders not (yet) known to us; strangers' trades age out. */
const MAX_PENDING_TRADES = 1000;

const TERMINAL: ReadonlySet<number> = new Set([ExecStatus.FILLED, ExecStatus.CANCELED, ExecStatus.REJECTED, ExecStatus.EXPIRED]);

export function isTerminal(status: number): boolean {
  return TERMINAL.has(status);
}

export function execStatusOf(order: VenueOrder): ExecStatus | undefined {
  switch (order.status) {
    case 'open':
      return (order.filled ?? 0) > 0 ? ExecStatus.PARTIALLY_FILLED : ExecStatus.ACCEPTED;
    case 'closed':
      return ExecStatus.FILLED;
    case 'canceled':
      return ExecStatus.CANCELED;
    case 'expired':
      return ExecStatus.EXPIRED;
    case 'rejected':
      return ExecStatus.REJECTED;
    default:
      return undefined;
  }
}

/** A venue order id as the u64 of a report: numeric ids as they are, others as 0 (their text stays in the tracker). */
export function numericVenueId(id: string | undefined): number {
  if (id === undefined || !/^[0-9]{1,16}$/.test(id)) return 0;
  const value = Number(id);
  return Number.isSafeInteger(value) ? value : 0;
}

export interface FeeAssets {
  base: string;
  quote: string;
}

export interface TrackerCounters {
  reports: number;
  fills: number;
  duplicateTrades: number;
  /** Trades whose order we could not attribute to one of ours (yet). */
  unattributedTrades: number;
  /** Fees paid in an asset that is neither base nor quote: reported as 0 in quote terms. */
  feesInOtherAsset: number;
}

export class OrderTracker {
  private readonly byOrderId = new Map<number, TrackedOrder>();
  private readonly byVenueId = new Map<string, TrackedOrder>();
  private readonly seenTrades = new Set<string>();
  /** Trades that arrived before we learnt which of our orders their venue id belongs to. */
  private readonly pendingTrades: { trade: VenueTrade; assets: FeeAssets }[] = [];
  readonly counters: TrackerCounters = { reports: 0, fills: 0, duplicateTrades: 0, unattributedTrades: 0, feesInOtherAsset: 0 };

  constructor(private readonly venue: number) {}

  track(orderId: number, instrument: number, side: Side, qty: number): TrackedOrder {
    const existing = this.byOrderId.get(orderId);
    if (existing) return existing;
    const order: TrackedOrder = { orderId, instrument, side, qty, venueOrderId: undefined, status: 0, filled: 0, cost: 0 };
    this.byOrderId.set(orderId, order);
    return order;
  }

  get(orderId: number): TrackedOrder | undefined {
    return this.byOrderId.get(orderId);
  }

  byVenueOrderId(id: string): TrackedOrder | undefined {
    return this.byVenueId.get(id);
  }

  /** Orders not known to be finished, per instrument. */
  openOrders(): TrackedOrder[] {
    return [...this.byOrderId.values()].filter((order) => !isTerminal(order.status));
  }

  /**
   * Folds a venue order state into the tracked order; fills `out` and returns true when it
   * changes what we last reported (a new status or more filled).
   */
  onOrder(tracked: TrackedOrder, order: VenueOrder, receiveTsUs: number, out: ExecutionReport): boolean {
    if (order.id !== undefined && tracked.venueOrderId === undefined) {
      tracked.venueOrderId = order.id;
      this.byVenueId.set(order.id, tracked);
    }
    const status = execStatusOf(order);
    if (status === undefined) return false;
    const filled = order.filled ?? tracked.filled;
    // Never move backwards: a stale REST answer can arrive after a newer stream update.
    if (isTerminal(tracked.status) || filled < tracked.filled || (status === tracked.status && filled === tracked.filled)) return false;
    const cost = order.cost ?? (order.average !== undefined ? order.average * filled : tracked.cost);
    const lastQty = filled - tracked.filled;
    const lastPrice = lastQty > 0 && cost > tracked.cost ? (cost - tracked.cost) / lastQty : 0;
    tracked.status = status;
    tracked.filled = filled;
    tracked.cost = cost;
    out.orderId = tracked.orderId;
    out.venueOrderId = numericVenueId(tracked.venueOrderId);
    out.venue = this.venue;
    out.instrument = tracked.instrument;
    out.status = status;
    out.rejectReason = status === ExecStatus.REJECTED ? RejectReason.VENUE_REJECTED : RejectReason.NONE;
    out.side = tracked.side;
    out.cumQty = filled;
    out.avgPrice = filled > 0 ? cost / filled : 0;
    out.leavesQty = status === ExecStatus.ACCEPTED || status === ExecStatus.PARTIALLY_FILLED ? Math.max(0, order.remaining ?? tracked.qty - filled) : 0;
    out.lastQty = lastQty;
    out.lastPrice = lastPrice;
    out.exchangeTsMs = order.lastUpdateTimestamp ?? order.timestamp ?? 0;
    out.receiveTsUs = receiveTsUs;
    this.counters.reports++;
    return true;
  }

  /** A refusal (by the gate, or the venue's error on submit/cancel) as a REJECTED report. */
  rejection(orderId: number, instrument: number, side: Side, reason: RejectReason, receiveTsUs: number, out: ExecutionReport): void {
    const tracked = this.byOrderId.get(orderId);
    // A refused cancel does not end the order; only a refused submit does.
    out.orderId = orderId;
    out.venueOrderId = numericVenueId(tracked?.venueOrderId);
    out.venue = this.venue;
    out.instrument = instrument;
    out.status = ExecStatus.REJECTED;
    out.rejectReason = reason;
    out.side = side;
    out.cumQty = tracked?.filled ?? 0;
    out.avgPrice = tracked && tracked.filled > 0 ? tracked.cost / tracked.filled : 0;
    out.leavesQty = 0;
    out.lastQty = 0;
    out.lastPrice = 0;
    out.exchangeTsMs = 0;
    out.receiveTsUs = receiveTsUs;
    this.counters.reports++;
  }

  /** Marks a submit that never reached the book as finished. */
  closeRejected(orderId: number): void {
    const tracked = this.byOrderId.get(orderId);
    if (tracked && tracked.status === 0) tracked.status = ExecStatus.REJECTED;
  }

  /** Fills `out` for a trade of one of our orders not seen before; false for duplicates and strangers. */
  onTrade(trade: VenueTrade, assets: FeeAssets, receiveTsUs: number, out: Fill): boolean {
    if (trade.id === undefined || trade.order === undefined) return false;
    const tracked = this.byVenueId.get(trade.order);
    if (!tracked) {
      this.counters.unattributedTrades++;
      if (this.pendingTrades.length >= MAX_PENDING_TRADES) this.pendingTrades.shift();
      this.pendingTrades.push({ trade, assets });
      return false;
    }
    const key = `${trade.order}:${trade.id}`;
    if (this.seenTrades.has(key)) {
      this.counters.duplicateTrades++;
      return false;
    }
    this.seenTrades.add(key);
    const price = trade.price ?? 0;
    const qty = trade.amount ?? 0;
    out.orderId = tracked.orderId;
    out.venue = this.venue;
    out.instrument = tracked.instrument;
    out.side = tracked.side;
    out.price = price;
    out.qty = qty;
    out.fee = this.feeInQuote(trade, assets, price);
    out.liquidity = trade.takerOrMaker === 'maker' ? Liquidity.MAKER : Liquidity.TAKER;
    out.tradeId = numericVenueId(trade.id);
    out.exchangeTsMs = trade.timestamp ?? 0;
    out.receiveTsUs = receiveTsUs;
    this.counters.fills++;
    return true;
  }

  /** Trades that were waiting for `venueOrderId` to become known (removed from the waiting list). */
  takePending(venueOrderId: string): { trade: VenueTrade; assets: FeeAssets }[] {
    const matching = this.pendingTrades.filter((pending) => pending.trade.order === venueOrderId);
    if (matching.length > 0) {
      const rest = this.pendingTrades.filter((pending) => pending.trade.order !== venueOrderId);
      this.pendingTrades.splice(0, this.pendingTrades.length, ...rest);
    }
    return matching;
  }

  /** Drops finished orders (their trades may still arrive for a while, so keep the newest). */
  prune(keepFinished: number): void {
    const finished = [...this.byOrderId.values()].filter((order) => isTerminal(order.status));
    for (const order of finished.slice(0, Math.max(0, finished.length - keepFinished))) {
      this.byOrderId.delete(order.orderId);
      if (order.venueOrderId !== undefined) this.byVenueId.delete(order.venueOrderId);
    }
  }

  private feeInQuote(trade: VenueTrade, assets: FeeAssets, price: number): number {
    const cost = trade.fee?.cost ?? 0;
    if (cost === 0) return 0;
    if (trade.fee?.currency === assets.quote) return cost;
    if (trade.fee?.currency === assets.base) return cost * price;
    this.counters.feesInOtherAsset++;
    return 0;
  }
}
