/**
 * Flatten on HALT (kill switch `flatten_on_halt`): once every open order is cancelled, the order
 * manager closes the positions its own fills built, one reduce-only market order per market,
 * under the runtime's own strategy id (FLATTEN_STRATEGY_ID) so the gates can tell them apart.
 * Pure: the plan from the positions, and the progress of the orders it sent.
 *
 * What it closes is what this order manager knows (its fills, journal and database recovery),
 * not the account's whole balance: coins the account held before are not ours to sell.
 */
import { Side } from '../../src/domain/messages.js';
import { incrementCount, multipleOf } from '../../src/domain/instrument.js';

export interface MarketPosition {
  venue: number;
  instrument: number;
  /** Signed base quantity: > 0 long, < 0 short. */
  qty: number;
}

export interface FlattenOrderPlan {
  venue: number;
  instrument: number;
  side: Side;
  qty: number;
}

export interface FlattenPlan {
  orders: FlattenOrderPlan[];
  /** Positions too small for an order (below the venue's minimum quantity): left, and said so. */
  dust: MarketPosition[];
}

export interface FlattenSizing {
  stepSize: number;
  minQty: number;
}

export function planFlatten(positions: Iterable<MarketPosition>, sizing: (instrument: number) => FlattenSizing | undefined): FlattenPlan {
  const plan: FlattenPlan = { orders: [], dust: [] };
  for (const p of positions) {
    const spec = sizing(p.instrument);
    if (spec === undefined || p.qty === 0) continue;
    const steps = Math.abs(incrementCount(p.qty, spec.stepSize));
    if (steps === 0) continue;
    const qty = multipleOf(steps, spec.stepSize);
    if (qty < spec.minQty) {
      plan.dust.push({ ...p });
      continue;
    }
    plan.orders.push({ venue: p.venue, instrument: p.instrument, side: p.qty > 0 ? Side.SELL : Side.BUY, qty });
  }
  return plan;
}

export interface FlattenProgress {
  /** Kill-switch transition seq of the halt that asked for it. */
  seq: number;
  startedAtMs: number;
  orderIds: number[];
  dust: MarketPosition[];
  doneAtMs: number | null;
  /** Markets still not flat when every flatten order had finished (rejected, partly filled). */
  leftOver: MarketPosition[];
}

export function startFlatten(seq: number, nowMs: number, orderIds: number[], dust: MarketPosition[]): FlattenProgress {
  return { seq, startedAtMs: nowMs, orderIds, dust, doneAtMs: null, leftOver: [] };
}

/**
 * Once no flatten order is open any more: done, with whatever position is left over on the markets
 * it tried to close. Returns true the moment it finishes.
 */
export function settleFlatten(p: FlattenProgress, stillOpen: (orderId: number) => boolean, positionsNow: readonly MarketPosition[], nowMs: number): boolean {
  if (p.doneAtMs !== null || p.orderIds.some(stillOpen)) return false;
  p.doneAtMs = nowMs;
  p.leftOver = positionsNow.filter((x) => x.qty !== 0);
  return true;
}
