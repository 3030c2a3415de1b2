import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER, PaperRig, positionQty, venueNetQty, venueOpen } from './paper-rig.js';

/**
 * Issue 4's "flatten positions on HALT with reduce-only market orders", end to end: the real
 * `bot4 start` with the kill switch's flatten_on_halt, trading against two emulators until it
 * holds positions on both; a trip cancels every open order, then closes those positions with
 * market orders, and after that nothing more leaves.
 */
let rig: PaperRig;

beforeAll(async () => {
  rig = await PaperRig.start({ flattenOnHalt: true });
}, 90_000);

afterAll(async () => {
  await rig?.close();
}, 60_000);

interface FlattenState {
  orderIds: number[];
  doneAtMs: number | null;
  leftOver: unknown[];
  dust: unknown[];
}

describe('flatten on halt: bot4 start against two emulated venues', () => {
  it('a trip cancels every open order, closes our positions on both venues with market orders, then nothing leaves', async () => {
    const [a, b] = rig.venues;
    // The arbitrage buys on A and sells on B (B trades 20 bps above A); the market makers quote on both.
    await rig.until('positions on both venues and quotes resting', async () => ({ status: await rig.status(), open: await Promise.all(rig.venues.map(venueOpen)) }),
      (x) => positionQty(x.status, 1) !== 0 && positionQty(x.status, 2) !== 0 && x.open.every((ids) => ids.length > 0), 45_000);
    // Freeze decisions so the position is settled before the trip: nothing in flight when it is measured.
    await rig.admin.call('mode.set', { mode: 'paused' });
    const before = await rig.until('status positions to equal the venues\' trade lists', async () => {
      const s = await rig.status();
      return { status: [positionQty(s, 1), positionQty(s, 2)], venues: [await venueNetQty(a), await venueNetQty(b)] };
    }, (x) => x.status[0] === x.venues[0] && x.status[1] === x.venues[1] && x.venues.every((q) => q !== 0));

    const tripped = await rig.admin.call<{ state: string }>('killswitch.trip', { reason: 'paper e2e: flatten on halt' });
    expect(tripped.state).toBe('HALTED');
    const flatten = await rig.until('the flatten to finish', async () => (await rig.admin.call<{ snapshot: { flatten: FlattenState | null } }>('actor.get', { path: 'root/execution/order-manager' })).snapshot.flatten,
      (f) => f !== null && f.doneAtMs !== null);
    expect(flatten!.orderIds).toHaveLength(2);
    expect(flatten!.leftOver).toEqual([]);

    // The venues' own trade lists: our account is flat on both, and nothing rests there.
    const after = await rig.until('both venues flat', async () => [await venueNetQty(a), await venueNetQty(b)], (q) => q.every((x) => x === 0));
    expect(after).toEqual([0, 0]);
    expect(before.venues.every((q) => q !== 0)).toBe(true);
    expect(await Promise.all(rig.venues.map(venueOpen))).toEqual([[], []]);
    const s = await rig.status();
    expect(s.trading.state).toBe('HALTED');
    expect([positionQty(s, 1), positionQty(s, 2)]).toEqual([0, 0]);
    expect(s.openOrders).toEqual([]);

    // Still HALTED: the strategies keep deciding, nothing reaches a venue any more.
    const submitted = rig.venues.map((v) => v.requests.get(ORDER) ?? 0);
    await new Promise((r) => setTimeout(r, 2500));
    expect(rig.venues.map((v) => v.requests.get(ORDER) ?? 0)).toEqual(submitted);
  }, 90_000);
});
