/**
 * `bot4 ctl status` shows no float noise: fills whose sums are noisy in doubles (0.1 + 0.2 style)
 * go through risk's ledger and its report into the status lines, and every quantity, price, fee,
 * cash and PnL figure prints at its instrument's precision.
 */
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../actors/risk/accounting.js';
import type { StatusReport } from '../../src/admin/backend.js';
import { formatStatus } from '../../src/cli/tree-format.js';
import { instrumentSpecsFromConfig } from '../../src/domain/instrument-config.js';
import { Liquidity, Side, type Fill } from '../../src/domain/messages.js';

const specs = instrumentSpecsFromConfig([
  { id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tick_size: 0.01, step_size: 0.00001, min_qty: 0, min_price: 0, min_notional: 0 },
  { id: 2, symbol: 'ETHUSDT', base: 'ETH', quote: 'USDT', tick_size: 0.01, step_size: 0.0001, min_qty: 0, min_price: 0, min_notional: 0 },
]);

const fill = (tradeId: number, side: Side, qty: number, price: number, fee: number): Fill => ({
  orderId: 1, venue: 1, instrument: 1, side, qty, price, fee, liquidity: Liquidity.MAKER, tradeId, exchangeTsMs: 0, receiveTsUs: tradeId,
});

describe('status money formatting', () => {
  it('prints positions and PnL at the instrument precision, with no float noise', () => {
    const ledger = new Ledger('USDT', [...specs.values()]);
    ledger.deposit(1, 1000, 0);
    // In doubles: qty 0.1 + 0.2 - 0.1 = 0.20000000000000004, fees 3 × 0.1 = 0.30000000000000004,
    // realised 0.1 × (100.3 − 100.16666666666667) = 0.013333333333331865.
    ledger.postFill(fill(1, Side.BUY, 0.1, 100.1, 0.1));
    ledger.postFill(fill(2, Side.BUY, 0.2, 100.2, 0.1));
    ledger.postFill(fill(3, Side.SELL, 0.1, 100.3, 0.1));
    const report = ledger.report(() => 100.25);
    // The runtime's status takes risk's answer as it is (src/runtime/runtime.ts).
    const status: StatusReport = {
      trading: { state: 'ACTIVE', reason: 'start', since: '2026-01-01T00:00:00.000Z' },
      venues: [],
      positions: report.positions,
      openOrders: [],
      pnl: { realised: report.realisedPnl, unrealised: report.unrealisedPnl, fees: report.fees, equity: report.equity, drawdown: { drawdown: '0.00000000', fraction: '0.000000' } },
      safety: null,
      standbys: [],
      unavailable: [],
    };
    const text = formatStatus(status, false);
    // cost 10.01 + 20.04 = 30.05 for 0.3; the sell takes 30.05 / 3 = 10.01666667 of it and realises
    // 10.03 − 10.01666667; 0.2 left at cost 20.03333333 (average 100.1666..., shown at the tick).
    expect(text).toContain('\n  BTCUSDT venue 1  qty 0.20000  avg 100.17  mark 100.25  realised 0.01333333  unrealised 0.01666667  fees 0.30000000\n');
    // equity = 1000 − 10.01 − 20.04 + 10.03 − 0.3 + 0.2 × 100.25 = deposits + realised + unrealised − fees
    expect(text).toContain('\npnl       realised 0.01333333  unrealised 0.01666667  fees 0.30000000  equity 999.73000000  drawdown 0.00000000 (0.000000)\n');
    // No figure anywhere carries more decimals than the ledger books (8 here).
    expect(text).not.toMatch(/\d\.\d{9,}/);
  });

  it('a position without a mark shows - for what needs one, and no equity', () => {
    const ledger = new Ledger('USDT', [...specs.values()]);
    ledger.postFill({ ...fill(1, Side.SELL, 0.3, 2999.99, 0.00012), instrument: 2 });
    const report = ledger.report(() => undefined);
    expect(report.positions).toEqual([{ venue: 1, instrument: 2, symbol: 'ETHUSDT', qty: '-0.3000', avgPrice: '2999.99', mark: null, realisedPnl: '0.00000000', unrealisedPnl: null, fees: '0.00012000' }]);
    expect(report).toMatchObject({ unrealisedPnl: null, equity: null, cash: '899.99688000' });
  });
});
