/**
 * An order's figures as decimal text at its instrument's precision, for the status answer
 * (`bot4 ctl status`): prices at the tick's decimals, quantities at the step's, fees at the
 * money precision risk books with (8 decimals, more where tick + step decimals need it).
 *
 * The record keeps doubles (it is journaled as JSON and its quantities are whole steps), and
 * its running sums (Σ qty × price, Σ fee) are double sums; the average price and the fees are
 * therefore recomputed here exactly from the order's fills, then rounded half to even once.
 */
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import { decimalsOf, divideRounded, formatUnits, pow10, unitsFromNumber } from '../../src/domain/money.js';
import type { OrderRecord } from './order-lifecycle.js';

export interface OrderFigures {
  price: string;
  qty: string;
  cumQty: string;
  /** Volume-weighted average fill price; null before the first fill. */
  avgPrice: string | null;
  leavesQty: string;
  fees: string;
}

/** Money decimals for one instrument: as risk's ledger books it (actors/risk/accounting.ts). */
const MIN_FEE_DECIMALS = 8;

export function orderFigures(order: Pick<OrderRecord, 'price' | 'qty' | 'cumQty' | 'leavesQty' | 'fills'>, spec: InstrumentSpec): OrderFigures {
  const tick = decimalsOf(spec.tickSize);
  const step = decimalsOf(spec.stepSize);
  const money = Math.max(MIN_FEE_DECIMALS, tick + step);
  const quantity = (value: number): string => formatUnits(unitsFromNumber(value, step, 'half-even'), step);
  // A fill's price may be finer than the tick (a venue's average); book it at money − step decimals.
  const priceScale = money - step;
  let filled = 0n;
  let notional = 0n;
  let fees = 0n;
  for (const fill of order.fills) {
    const qty = unitsFromNumber(fill.qty, step, 'half-even');
    filled += qty;
    notional += qty * unitsFromNumber(fill.price, priceScale, 'half-even');
    fees += unitsFromNumber(fill.fee, money, 'half-even');
  }
  return {
    price: formatUnits(unitsFromNumber(order.price, tick, 'half-even'), tick),
    qty: quantity(order.qty),
    cumQty: quantity(order.cumQty),
    // notional is in money units (10^-money); avg = notional / filled, expressed at the tick's decimals.
    avgPrice: filled === 0n ? null : formatUnits(divideRounded(notional * pow10(step), filled * pow10(money - tick)), tick),
    leavesQty: quantity(order.leavesQty),
    fees: formatUnits(fees, money),
  };
}

/** One fill's figures at its instrument's precision: price as a fill price may be (money − step decimals), fee at the money precision. */
export function fillFigures(fill: { qty: number; price: number; fee: number }, spec: InstrumentSpec): { qty: string; price: string; fee: string } {
  const step = decimalsOf(spec.stepSize);
  const money = Math.max(MIN_FEE_DECIMALS, decimalsOf(spec.tickSize) + step);
  return {
    qty: formatUnits(unitsFromNumber(fill.qty, step, 'half-even'), step),
    price: formatUnits(unitsFromNumber(fill.price, money - step, 'half-even'), money - step),
    fee: formatUnits(unitsFromNumber(fill.fee, money, 'half-even'), money),
  };
}
