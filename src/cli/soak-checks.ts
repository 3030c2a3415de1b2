/**
 * The chaos soak's end-of-run checks (docs/soak.md): pure functions over the venues' own order and
 * trade records (the ground truth: the venue processes outlive every crash of the bot) and the
 * bot's records (the order manager's journal, risk's positions, the database, what the soak saw).
 * Quantities are exact: bigint units of 1e-8, the venue's own resolution.
 */
import { FLATTEN_STRATEGY_ID, parseClientOrderId } from '../../actors/order-manager/client-order-id.js';

export type Side = 'BUY' | 'SELL';

/** One order in a venue's records (GET allOrders). */
export interface VenueOrder {
  readonly venue: number;
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  /** The venue's time of acceptance, epoch ms. */
  readonly timeMs: number;
}

/** One of our trades in a venue's records (GET myTrades). */
export interface VenueTrade {
  readonly venue: number;
  readonly symbol: string;
  readonly tradeId: number;
  readonly orderId: number;
  readonly side: Side;
  readonly qty: bigint;
}

/** A fill as the bot booked it (order manager journal or database). */
export interface BookedFill {
  readonly venue: number;
  readonly symbol: string;
  readonly tradeId: number;
}

export interface BotPosition {
  readonly venue: number;
  readonly symbol: string;
  readonly qty: bigint;
}

export interface OpenOrderRef {
  readonly venue: number;
  readonly clientOrderId: string;
}

/** A stretch of time during which the kill switch held HALTED: from the trip's acknowledgement to the reset request. */
export interface HaltWindow {
  readonly fromMs: number;
  /** null: never reset (the run ended HALTED). */
  readonly toMs: number | null;
}

/** The trading state the bot reported right after a restart that followed a trip without a reset. */
export interface RestartAfterTrip {
  readonly atMs: number;
  readonly state: string;
}

export interface SoakRecords {
  readonly venueOrders: readonly VenueOrder[];
  readonly venueTrades: readonly VenueTrade[];
  readonly venueOpenAtEnd: readonly OpenOrderRef[];
  /** The order manager's journal: every fill of every order it holds. */
  readonly orderManagerFills: readonly BookedFill[];
  readonly botOpenAtEnd: readonly OpenOrderRef[];
  /** Risk's positions at the end (`ctl status`). */
  readonly riskPositions: readonly BotPosition[];
  /** Client order ids in the database's `orders` table. */
  readonly databaseOrders: readonly string[];
  readonly databaseFills: readonly BookedFill[];
  readonly halts: readonly HaltWindow[];
  readonly restartsAfterTrip: readonly RestartAfterTrip[];
}

export const CHECKS = ['intent-sent-once', 'fills-booked-once', 'positions-match-venue', 'no-order-after-trip', 'halted-latch', 'nothing-stuck-open', 'nothing-lost'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface Violation {
  readonly check: CheckName;
  readonly detail: string;
}

const fillKey = (f: BookedFill): string => `${f.venue}/${f.symbol}/${f.tradeId}`;

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** A bigint of 1e-8 units as a decimal text, for messages. */
export function units(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const text = `${abs / 100_000_000n}.${(abs % 100_000_000n).toString().padStart(8, '0')}`.replace(/\.?0+$/, '');
  return `${negative ? '-' : ''}${text}`;
}

/** No intent was sent twice: one venue order per client order id, across all venues. */
export function checkIntentSentOnce(r: SoakRecords): Violation[] {
  const byClientId = new Map<string, VenueOrder[]>();
  for (const o of r.venueOrders) byClientId.set(o.clientOrderId, [...(byClientId.get(o.clientOrderId) ?? []), o]);
  return [...byClientId]
    .filter(([, orders]) => orders.length > 1)
    .map(([id, orders]) => ({
      check: 'intent-sent-once' as const,
      detail: `client order id ${id} has ${orders.length} venue orders: ${orders.map((o) => `venue ${o.venue} ${o.symbol} #${o.orderId}`).join(', ')}`,
    }));
}

/** Every venue trade booked exactly once by the order manager and by the database, and nothing booked the venue never traded. */
export function checkFillsBookedOnce(r: SoakRecords): Violation[] {
  const out: Violation[] = [];
  const venue = new Set(r.venueTrades.map((t) => fillKey(t)));
  for (const [book, fills] of [['order manager', r.orderManagerFills], ['database', r.databaseFills]] as const) {
    const counts = countBy(fills, fillKey);
    for (const [key, n] of counts) {
      if (n > 1) out.push({ check: 'fills-booked-once', detail: `${book} booked trade ${key} ${n} times` });
      if (!venue.has(key)) out.push({ check: 'fills-booked-once', detail: `${book} booked trade ${key}, which the venue never made` });
    }
    // Trades the database misses are "lost" (checkNothingLost); the order manager must hold them all.
    if (book === 'order manager') {
      for (const key of venue) if (!counts.has(key)) out.push({ check: 'fills-booked-once', detail: `order manager never booked venue trade ${key}` });
    }
  }
  return out;
}

/** Risk's position per venue and instrument equals the net of the venue's own trades, exactly. */
export function checkPositionsMatchVenue(r: SoakRecords): Violation[] {
  const net = new Map<string, bigint>();
  for (const t of r.venueTrades) net.set(`${t.venue}/${t.symbol}`, (net.get(`${t.venue}/${t.symbol}`) ?? 0n) + (t.side === 'BUY' ? t.qty : -t.qty));
  const risk = new Map<string, bigint>();
  for (const p of r.riskPositions) risk.set(`${p.venue}/${p.symbol}`, (risk.get(`${p.venue}/${p.symbol}`) ?? 0n) + p.qty);
  const out: Violation[] = [];
  for (const key of new Set([...net.keys(), ...risk.keys()])) {
    const venueQty = net.get(key) ?? 0n;
    const riskQty = risk.get(key) ?? 0n;
    if (venueQty !== riskQty) out.push({ check: 'positions-match-venue', detail: `${key}: risk holds ${units(riskQty)}, the venue's trades net to ${units(venueQty)}` });
  }
  return out;
}

const isFlatten = (clientOrderId: string): boolean => parseClientOrderId(clientOrderId)?.strategy === FLATTEN_STRATEGY_ID;

/** While HALTED (trip acknowledged, not yet reset) only reduce-only flatten orders may reach a venue. */
export function checkNoOrderAfterTrip(r: SoakRecords): Violation[] {
  return r.venueOrders
    .filter((o) => !isFlatten(o.clientOrderId))
    .flatMap((o) => {
      const halt = r.halts.find((h) => o.timeMs > h.fromMs && (h.toMs === null || o.timeMs < h.toMs));
      if (!halt) return [];
      return [{ check: 'no-order-after-trip' as const, detail: `${o.clientOrderId} reached venue ${o.venue} at ${new Date(o.timeMs).toISOString()}, ${o.timeMs - halt.fromMs} ms after the trip at ${new Date(halt.fromMs).toISOString()} was acknowledged` }];
    });
}

/** Every restart that followed a trip (no reset between) came back HALTED. */
export function checkHaltedLatch(r: SoakRecords): Violation[] {
  return r.restartsAfterTrip
    .filter((restart) => restart.state !== 'HALTED')
    .map((restart) => ({ check: 'halted-latch' as const, detail: `the restart at ${new Date(restart.atMs).toISOString()} followed a trip but came back ${restart.state}` }));
}

/** After the final cancel nothing is open, on the venues or in the order manager. */
export function checkNothingStuckOpen(r: SoakRecords): Violation[] {
  return [
    ...r.venueOpenAtEnd.map((o) => ({ check: 'nothing-stuck-open' as const, detail: `${o.clientOrderId} still open on venue ${o.venue}` })),
    ...r.botOpenAtEnd.map((o) => ({ check: 'nothing-stuck-open' as const, detail: `the order manager still holds ${o.clientOrderId} (venue ${o.venue}) open` })),
  ];
}

/** Every order and trade the venues have is in the database, across the outage and the SIGKILLs. */
export function checkNothingLost(r: SoakRecords): Violation[] {
  const orders = new Set(r.databaseOrders);
  const fills = new Set(r.databaseFills.map(fillKey));
  return [
    ...r.venueOrders.filter((o) => !orders.has(o.clientOrderId)).map((o) => ({ check: 'nothing-lost' as const, detail: `venue ${o.venue} order ${o.clientOrderId} (#${o.orderId}) is not in the database` })),
    ...r.venueTrades.filter((t) => !fills.has(fillKey(t))).map((t) => ({ check: 'nothing-lost' as const, detail: `venue trade ${fillKey(t)} (order #${t.orderId}) is not in the database` })),
  ];
}

export function runChecks(r: SoakRecords): Violation[] {
  return [
    ...checkIntentSentOnce(r),
    ...checkFillsBookedOnce(r),
    ...checkPositionsMatchVenue(r),
    ...checkNoOrderAfterTrip(r),
    ...checkHaltedLatch(r),
    ...checkNothingStuckOpen(r),
    ...checkNothingLost(r),
  ];
}
