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
 */
import { z } from 'zod';

export const ORDER_CANCEL = 'order.cancel';
export const ORDER_CANCEL_STRATEGY = 'order.cancel-strategy';
export const VENUE_ERROR = 'venue.error';
export const VENUE_BALANCES = 'venue.balances';

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
