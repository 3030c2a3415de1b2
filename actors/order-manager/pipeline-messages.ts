/**
 * The rare JSON control frames of the order path that are not about reconciliation
 * (docs/order-manager.md, "Control frames").
 *
 * - `order.cancel`: a strategy asks to cancel one of its intents. strategy -> risk -> order
 *   manager; risk forwards it unchanged (a cancel only lowers risk, so no check applies).
 * - `order.cancel-strategy`: a strategy that (re)starts asks to cancel every open order it
 *   issued before, i.e. with an intentId below `belowIntentId` (its first id in this
 *   incarnation). strategy -> risk -> order manager. The bound, not the arrival order, says
 *   which orders are old, so orders adopted by a later reconciliation are caught too.
 * - `venue.error`: the order manager tells risk about every error a venue answered, including
 *   the ones it retries and therefore never reports to strategies, so risk can count an API
 *   error cascade.
 * - `venue.balances`: after each reconciliation with a venue, the order manager passes the
 *   venue's balances to risk, behind the missed fills it booked (same ring, so risk has posted
 *   them first), for the ledger-versus-venue check (actors/risk/ledger-check.ts).
 * - `fills.replay`: risk, once it has rebuilt its positions from the database's fills at start,
 *   asks the order manager for every fill it holds (risk -> order manager). The database trails
 *   what risk booked before a crash by up to a recorder flush (longer while it is down), and
 *   those fills reach risk again only this way; risk books each fill once by its identity.
 * - `fills.known`: the answer, as many frames as the fills need (each within a control frame's
 *   size), the last one `final` (order manager -> risk).
 */
import { z } from 'zod';
import { Side } from '../../src/domain/messages.js';
import { CONTROL_MAX_BYTES } from '../../src/runtime/codec/control-frame.js';

export const ORDER_CANCEL = 'order.cancel';
export const ORDER_CANCEL_STRATEGY = 'order.cancel-strategy';
export const VENUE_ERROR = 'venue.error';
export const VENUE_BALANCES = 'venue.balances';
export const FILLS_REPLAY = 'fills.replay';
export const FILLS_KNOWN = 'fills.known';

export interface OrderCancelRequest {
  type: typeof ORDER_CANCEL;
  strategy: number;
  intentId: number;
}

export interface OrderCancelStrategyRequest {
  type: typeof ORDER_CANCEL_STRATEGY;
  strategy: number;
  /** Orders of the strategy with a smaller intentId are cancelled. */
  belowIntentId: number;
}

export interface VenueErrorNotice {
  type: typeof VENUE_ERROR;
  venue: number;
  instrument: number;
  orderId: number;
  /** RejectReason code the venue's answer carried. */
  reason: number;
  operation: 'submit' | 'cancel' | 'query';
  atMs: number;
}

export interface VenueBalancesNotice {
  type: typeof VENUE_BALANCES;
  venue: number;
  balances: Array<{ asset: string; total: number }>;
  /** When the venue was read (our clock, ms). */
  atMs: number;
}

export interface FillsReplayRequest {
  type: typeof FILLS_REPLAY;
}

/** One fill as the order manager holds it: what a ledger books (no liquidity, no venue time). */
export interface KnownFill {
  orderId: number;
  venue: number;
  instrument: number;
  side: Side;
  qty: number;
  price: number;
  fee: number;
  tradeId: number;
  /** When the order manager booked it (µs). */
  tsUs: number;
}

export interface FillsKnownNotice {
  type: typeof FILLS_KNOWN;
  fills: KnownFill[];
  /** The last frame of this answer. */
  final: boolean;
}

const cancelSchema = z.strictObject({
  type: z.literal(ORDER_CANCEL),
  strategy: z.number().int().min(0),
  intentId: z.number().int().min(0),
});

const cancelStrategySchema = z.strictObject({
  type: z.literal(ORDER_CANCEL_STRATEGY),
  strategy: z.number().int().min(0),
  belowIntentId: z.number().int().min(1),
});

const errorSchema = z.strictObject({
  type: z.literal(VENUE_ERROR),
  venue: z.number().int().min(0),
  instrument: z.number().int().min(0),
  orderId: z.number().int().min(0),
  reason: z.number().int().min(0),
  operation: z.enum(['submit', 'cancel', 'query']),
  atMs: z.number().finite(),
});

const balancesSchema = z.strictObject({
  type: z.literal(VENUE_BALANCES),
  venue: z.number().int().min(0).max(65535),
  balances: z.array(z.strictObject({ asset: z.string().min(1).max(20), total: z.number().finite() })),
  atMs: z.number().finite().min(0),
});

const replaySchema = z.strictObject({ type: z.literal(FILLS_REPLAY) });

const knownFillSchema = z.strictObject({
  orderId: z.number().int().min(0),
  venue: z.number().int().min(0).max(65535),
  instrument: z.number().int().min(0),
  side: z.union([z.literal(Side.BUY), z.literal(Side.SELL)]),
  qty: z.number().finite().positive(),
  price: z.number().finite().positive(),
  fee: z.number().finite(),
  tradeId: z.number().int().min(0),
  tsUs: z.number().finite().min(0),
});

const knownSchema = z.strictObject({
  type: z.literal(FILLS_KNOWN),
  fills: z.array(knownFillSchema),
  final: z.boolean(),
});

const describeIssues = (what: string, error: z.ZodError): string =>
  `${what}: ${error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')}`;

export function parseOrderCancel(message: unknown): OrderCancelRequest {
  const parsed = cancelSchema.safeParse(message);
  if (!parsed.success) throw new TypeError(describeIssues(ORDER_CANCEL, parsed.error));
  return parsed.data;
}

export function parseOrderCancelStrategy(message: unknown): OrderCancelStrategyRequest {
  const parsed = cancelStrategySchema.safeParse(message);
  if (!parsed.success) throw new TypeError(describeIssues(ORDER_CANCEL_STRATEGY, parsed.error));
  return parsed.data;
}

export function parseVenueErrorNotice(message: unknown): VenueErrorNotice {
  const parsed = errorSchema.safeParse(message);
  if (!parsed.success) throw new TypeError(describeIssues(VENUE_ERROR, parsed.error));
  return parsed.data;
}

export function parseVenueBalances(message: unknown): VenueBalancesNotice {
  const parsed = balancesSchema.safeParse(message);
  if (!parsed.success) throw new TypeError(describeIssues(VENUE_BALANCES, parsed.error));
  return parsed.data;
}

export function parseFillsReplay(message: unknown): FillsReplayRequest {
  const parsed = replaySchema.safeParse(message);
  if (!parsed.success) throw new TypeError(describeIssues(FILLS_REPLAY, parsed.error));
  return parsed.data;
}

export function parseFillsKnown(message: unknown): FillsKnownNotice {
  const parsed = knownSchema.safeParse(message);
  if (!parsed.success) throw new TypeError(describeIssues(FILLS_KNOWN, parsed.error));
  return parsed.data;
}

/** The `fills.known` frames for `fills`, each encoding to at most `maxBytes` of JSON; always at least one (the final). */
export function fillsKnownFrames(fills: readonly KnownFill[], maxBytes: number = CONTROL_MAX_BYTES): FillsKnownNotice[] {
  const frames: FillsKnownNotice[] = [];
  // Envelope with `final: false` (the longer spelling) and the list's brackets.
  const envelope = JSON.stringify({ type: FILLS_KNOWN, fills: [], final: false }).length;
  let current: KnownFill[] = [];
  let size = envelope;
  for (const fill of fills) {
    const bytes = JSON.stringify(fill).length + 1;
    if (envelope + bytes > maxBytes) throw new RangeError(`fills.known: one fill needs ${bytes} bytes, more than a frame holds (${maxBytes})`);
    if (size + bytes > maxBytes) {
      frames.push({ type: FILLS_KNOWN, fills: current, final: false });
      current = [];
      size = envelope;
    }
    current.push(fill);
    size += bytes;
  }
  frames.push({ type: FILLS_KNOWN, fills: current, final: true });
  return frames;
}
