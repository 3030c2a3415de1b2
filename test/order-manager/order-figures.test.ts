import { describe, expect, it } from 'vitest';
import { orderFigures } from '../../actors/order-manager/order-figures.js';
import { instrumentSpecsFromConfig } from '../../src/domain/instrument-config.js';
import type { OrderFillRecord } from '../../actors/order-manager/order-lifecycle.js';

const specs = instrumentSpecsFromConfig([
  { id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tick_size: 0.01, step_size: 0.00001, min_qty: 0, min_price: 0, min_notional: 0 },
  { id: 2, symbol: 'DOGEUSDT', base: 'DOGE', quote: 'USDT', tick_size: 0.00001, step_size: 1, min_qty: 0, min_price: 0, min_notional: 0 },
]);
const fill = (qty: number, price: number, fee: number): OrderFillRecord => ({ tradeId: 1, qty, price, fee, tsUs: 0, late: false, statusAtArrival: 'ACCEPTED' });

describe('order figures at the instrument precision', () => {
  const cases: Array<[string, number, Parameters<typeof orderFigures>[0], ReturnType<typeof orderFigures>]> = [
    [
      'double sums that print noise (0.1 + 0.2, Σ qty × price / Σ qty) print exact',
      1,
      { price: 100.2, qty: 0.5, cumQty: 0.1 + 0.2, leavesQty: 0.5 - (0.1 + 0.2), fills: [fill(0.1, 100.1, 0.1), fill(0.2, 100.2, 0.2)] },
      // avg = (10.01 + 20.04) / 0.3 = 100.1666.. -> 100.17; fees 0.1 + 0.2 = 0.3
      { price: '100.20', qty: '0.50000', cumQty: '0.30000', avgPrice: '100.17', leavesQty: '0.20000', fees: '0.30000000' },
    ],
    [
      'no fill yet: no average price',
      1,
      { price: 61837.64, qty: 0.00331, cumQty: 0, leavesQty: 0.00331, fills: [] },
      { price: '61837.64', qty: '0.00331', cumQty: '0.00000', avgPrice: null, leavesQty: '0.00331', fees: '0.00000000' },
    ],
    [
      'whole-unit steps and a five-decimal tick; an average on the half tick rounds to even',
      2,
      { price: 0.12345, qty: 200, cumQty: 200, leavesQty: 0, fills: [fill(100, 0.12345, 0.0001), fill(100, 0.12346, 0.0001)] },
      // (12.345 + 12.346) / 200 = 0.123455 -> 0.12346 (half to even: 12345.5 -> 12346)
      { price: '0.12345', qty: '200', cumQty: '200', avgPrice: '0.12346', leavesQty: '0', fees: '0.00020000' },
    ],
  ];
  it.each(cases)('%s', (_what, instrument, order, figures) => {
    expect(orderFigures(order, specs.get(instrument)!)).toEqual(figures);
  });
});
