import { describe, expect, it } from 'vitest';
import { planFlatten, settleFlatten, startFlatten } from '../../actors/order-manager/flatten.js';
import { gateRefusal } from '../../actors/order-manager/order-gate.js';
import { RejectReason, Side, TradingState } from '../../src/domain/messages.js';

const sizing = (instrument: number) => (instrument === 1 ? { stepSize: 0.00001, minQty: 0.0001 } : instrument === 2 ? { stepSize: 0.001, minQty: 0.001 } : undefined);

describe('flatten on halt: the plan', () => {
  it('closes each position with one order on the other side, sized on the step grid', () => {
    const plan = planFlatten(
      [
        { venue: 1, instrument: 1, qty: 0.00249 },
        { venue: 2, instrument: 1, qty: -0.0040000000000001 },
        { venue: 1, instrument: 2, qty: 0 },
      ],
      sizing,
    );
    expect(plan.orders).toEqual([
      { venue: 1, instrument: 1, side: Side.SELL, qty: 0.00249 },
      { venue: 2, instrument: 1, side: Side.BUY, qty: 0.004 },
    ]);
    expect(plan.dust).toEqual([]);
  });

  it('leaves a position below the minimum order size as dust, and one on an unknown instrument alone', () => {
    const plan = planFlatten([{ venue: 1, instrument: 1, qty: 0.00005 }, { venue: 1, instrument: 9, qty: 1 }], sizing);
    expect(plan.orders).toEqual([]);
    expect(plan.dust).toEqual([{ venue: 1, instrument: 1, qty: 0.00005 }]);
  });
});

describe('flatten on halt: progress', () => {
  it('is done once none of its orders is open, and names what is left over', () => {
    const p = startFlatten(7, 1000, [11, 12], []);
    const open = new Set([11, 12]);
    expect(settleFlatten(p, (id) => open.has(id), [], 1100)).toBe(false);
    open.delete(11);
    open.delete(12);
    expect(settleFlatten(p, (id) => open.has(id), [{ venue: 1, instrument: 1, qty: 0 }, { venue: 2, instrument: 1, qty: -0.001 }], 1200)).toBe(true);
    expect(p.doneAtMs).toBe(1200);
    expect(p.leftOver).toEqual([{ venue: 2, instrument: 1, qty: -0.001 }]);
    expect(settleFlatten(p, () => false, [], 1300)).toBe(false);
  });
});

describe("the order manager's gate and flatten orders", () => {
  const flattenSell = { side: Side.SELL, qty: 0.002, reduceOnly: 1, flatten: true };
  it('while HALTED lets out only a flatten order that shrinks the position, and only with the permit', () => {
    expect(gateRefusal(TradingState.HALTED, flattenSell, 0.002, 0, 0, true)).toBe(RejectReason.NONE);
    expect(gateRefusal(TradingState.HALTED, flattenSell, 0.002, 0, 0, false)).toBe(RejectReason.TRADING_HALTED);
    expect(gateRefusal(TradingState.HALTED, flattenSell, 0.001, 0, 0, true)).toBe(RejectReason.TRADING_HALTED); // would flip it short
    expect(gateRefusal(TradingState.HALTED, flattenSell, -0.002, 0, 0, true)).toBe(RejectReason.TRADING_HALTED); // would grow a short
    expect(gateRefusal(TradingState.HALTED, { ...flattenSell, flatten: false }, 0.002, 0, 0, true)).toBe(RejectReason.TRADING_HALTED);
    expect(gateRefusal(TradingState.HALTED, { ...flattenSell, reduceOnly: 0 }, 0.002, 0, 0, true)).toBe(RejectReason.TRADING_HALTED);
  });
});
