/**
 * The JSON control frames between the order manager and the exchange actors for
 * reconciliation (docs/order-manager.md, "Venue protocol"). Both sides import this file:
 * the exchange actor builds snapshots with `snapshotChunks`, the order manager validates
 * them with `parseVenueSnapshot`.
 *
 * order manager --{type:'venue.reconcile', requestId, sinceMs, openOrdersOnly?}--> exchange
 * exchange --{type:'venue.snapshot', requestId, venue, chunk, final, openOrders, fills, balances, error?}--> order manager
 * exchange --{type:'venue.stream-gap', venue, detail, atMs}--> order manager
 *
 * `venue.stream-gap`: the exchange actor's user-data stream came back after being down, so
 * reports and fills of the time in between may never arrive; the order manager reconciles
 * that venue again at once.
 *
 * A snapshot may span several frames (a control frame holds at most CONTROL_MAX_BYTES of
 * JSON): chunks are numbered from 0 and the last has `final: true`. A venue that could not
 * be read answers one final chunk with `error` set and empty lists.
 */
import { z } from 'zod';
import { Liquidity, OrderType, Side, TimeInForce } from '../../src/domain/messages.js';
import { CONTROL_MAX_BYTES } from '../../src/runtime/codec/control-frame.js';
import type { VenueFill, VenueOpenOrder } from './reconcile.js';

export const VENUE_RECONCILE = 'venue.reconcile';
export const VENUE_SNAPSHOT = 'venue.snapshot';
export const VENUE_STREAM_GAP = 'venue.stream-gap';

export interface VenueReconcileRequest {
  type: typeof VENUE_RECONCILE;
  /** Echoed in every chunk of the answer. */
  requestId: string;
  /** Fills executed at or after this time (venue clock, ms since epoch). */
  sinceMs: number;
  /** Open orders only, no fills (a cancel-all confirmation); absent means false. */
  openOrdersOnly?: boolean;
}

export interface VenueSnapshotFill extends VenueFill {
  liquidity: Liquidity;
}

/** One asset of the account on the venue: free plus locked, in the venue's units. */
export interface VenueBalance {
  asset: string;
  total: number;
}

export interface VenueStreamGap {
  type: typeof VENUE_STREAM_GAP;
  venue: number;
  /** Why the stream was down and how it came back, for the log. */
  detail: string;
  atMs: number;
}

export interface VenueSnapshot {
  type: typeof VENUE_SNAPSHOT;
  requestId: string;
  venue: number;
  chunk: number;
  final: boolean;
  /** Every order open on the venue for the actor's instruments, ours and not ours. */
  openOrders: VenueOpenOrder[];
  /** Our account's trades since `sinceMs`, ours and not ours. */
  fills: VenueSnapshotFill[];
  /** The account's balances on the venue, read after the orders and trades. */
  balances: VenueBalance[];
  /** Set when the venue could not be read: the request failed, nothing is known. */
  error?: string;
}

const side = z.union([z.literal(Side.BUY), z.literal(Side.SELL)]);
const qty = z.number().finite().min(0);
const id = z.number().int().min(0);

const openOrderSchema = z.strictObject({
  clientOrderId: z.string(),
  venueOrderId: id,
  instrument: id,
  side,
  qty,
  cumQty: qty,
  price: qty,
  type: z.union([z.literal(OrderType.LIMIT), z.literal(OrderType.MARKET), z.literal(OrderType.LIMIT_MAKER)]),
  timeInForce: z.union([z.literal(TimeInForce.GTC), z.literal(TimeInForce.IOC), z.literal(TimeInForce.FOK)]),
  reduceOnly: z.union([z.literal(0), z.literal(1)]),
});

const balanceSchema = z.strictObject({
  asset: z.string().min(1).max(20),
  total: z.number().finite(),
});

const fillSchema = z.strictObject({
  tradeId: id,
  clientOrderId: z.string(),
  venueOrderId: id,
  instrument: id,
  side,
  qty: z.number().finite().positive(),
  price: z.number().finite().positive(),
  fee: z.number().finite(),
  exchangeTsMs: z.number().finite().min(0),
  liquidity: z.union([z.literal(Liquidity.MAKER), z.literal(Liquidity.TAKER)]),
});

const snapshotSchema = z.strictObject({
  type: z.literal(VENUE_SNAPSHOT),
  requestId: z.string().min(1),
  venue: id,
  chunk: id,
  final: z.boolean(),
  openOrders: z.array(openOrderSchema),
  fills: z.array(fillSchema),
  balances: z.array(balanceSchema),
  error: z.string().optional(),
});

const streamGapSchema = z.strictObject({
  type: z.literal(VENUE_STREAM_GAP),
  venue: id,
  detail: z.string().max(2000),
  atMs: z.number().finite().min(0),
});

const requestSchema = z.strictObject({
  type: z.literal(VENUE_RECONCILE),
  requestId: z.string().min(1).max(200),
  sinceMs: z.number().finite().min(0),
  openOrdersOnly: z.boolean().optional(),
});

function issues(what: string, error: z.ZodError): string {
  return `${what}: ${error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')}`;
}

/** The control message's `type`, or undefined when it has none. */
export function controlType(message: unknown): string | undefined {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

/** Throws naming the bad field. */
export function parseVenueSnapshot(message: unknown): VenueSnapshot {
  const parsed = snapshotSchema.safeParse(message);
  if (!parsed.success) throw new TypeError(issues('venue.snapshot', parsed.error));
  return parsed.data;
}

/** Throws naming the bad field. */
export function parseVenueStreamGap(message: unknown): VenueStreamGap {
  const parsed = streamGapSchema.safeParse(message);
  if (!parsed.success) throw new TypeError(issues(VENUE_STREAM_GAP, parsed.error));
  return parsed.data;
}

/** Throws naming the bad field. */
export function parseReconcileRequest(message: unknown): VenueReconcileRequest {
  const parsed = requestSchema.safeParse(message);
  if (!parsed.success) throw new TypeError(issues('venue.reconcile', parsed.error));
  return parsed.data;
}

/**
 * Splits one venue's answer into chunks that each encode to at most `maxBytes` of JSON.
 * Always at least one chunk (an empty venue answers `final: true` with empty lists).
 */
export function snapshotChunks(
  requestId: string,
  venue: number,
  openOrders: readonly VenueOpenOrder[],
  fills: readonly VenueSnapshotFill[],
  balances: readonly VenueBalance[],
  maxBytes: number = CONTROL_MAX_BYTES,
): VenueSnapshot[] {
  const chunks: VenueSnapshot[] = [];
  const fresh = (): VenueSnapshot => ({ type: VENUE_SNAPSHOT, requestId, venue, chunk: chunks.length, final: false, openOrders: [], fills: [], balances: [] });
  // Envelope plus a margin for the chunk number and the final flag growing.
  const envelope = JSON.stringify(fresh()).length + 32;
  let current = fresh();
  let size = envelope;
  const add = (list: 'openOrders' | 'fills' | 'balances', item: VenueOpenOrder | VenueSnapshotFill | VenueBalance): void => {
    const itemBytes = JSON.stringify(item).length + 1;
    if (envelope + itemBytes > maxBytes) throw new RangeError(`venue.snapshot: one ${list} entry needs ${itemBytes} bytes, more than a frame holds (${maxBytes})`);
    if (size + itemBytes > maxBytes) {
      chunks.push(current);
      current = fresh();
      size = envelope;
    }
    (current[list] as unknown[]).push(item);
    size += itemBytes;
  };
  for (const o of openOrders) add('openOrders', o);
  for (const f of fills) add('fills', f);
  for (const b of balances) add('balances', b);
  current.final = true;
  chunks.push(current);
  return chunks;
}

/** The single-chunk answer of a venue that could not be read. */
export function snapshotError(requestId: string, venue: number, error: string): VenueSnapshot {
  return { type: VENUE_SNAPSHOT, requestId, venue, chunk: 0, final: true, openOrders: [], fills: [], balances: [], error: error.slice(0, 2000) };
}
