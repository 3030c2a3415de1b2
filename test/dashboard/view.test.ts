/** The dashboard's page model and session history: pure functions, checked with tables. */
import { describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/admin/backend.js';
import { addEvent, addPoint, emptyHistory, plotted, type HistoryLimits } from '../../src/dashboard/session-history.js';
import { actorRows, buildView } from '../../src/dashboard/view.js';
import { actorNode, sampleTree, supervisorNode } from '../admin/memory-backend.js';

const baseStatus: StatusReport = {
  trading: { state: 'ACTIVE', reason: 'initial state', since: '2026-01-01T00:00:00.000Z' },
  venues: null,
  positions: [
    { venue: 1, instrument: 1, symbol: 'BTCUSDT', qty: '0.50000', avgPrice: '100.00', mark: '110.00', realisedPnl: '0', unrealisedPnl: '5', fees: '0.1' },
    { venue: 2, instrument: 2, symbol: 'ETHUSDT', qty: '-2.0000', avgPrice: '10.00', mark: '12.50', realisedPnl: '0', unrealisedPnl: '-5', fees: '0' },
  ],
  openOrders: [{ orderId: 1 }, { orderId: 2 }],
  pnl: { realised: '1.00', unrealised: '0', fees: '0.1', equity: '100000.9', drawdown: { drawdown: '50.00', fraction: '0.025000' } },
  safety: null,
  standbys: [],
  unavailable: [],
  risk: {
    limits: { max_gross_exposure: 1000, max_position_notional: 100, max_open_orders: 8, max_order_notional: 50, submit_rate: { burst: 5, per_second: 2 } },
    panicLimits: { max_drawdown: 0.1, max_daily_loss: 200, stop_loss_bps: 300, stale_quote_ms: 5000, api_errors: { max: 5, window_ms: 1000 } },
    panicsSent: [{ kind: 'STOP_LOSS', venue: 1, instrument: 1, value: 120, threshold: 300, atMs: 1 }, { kind: 'STOP_LOSS', venue: 1, instrument: 1, value: 350, threshold: 300, atMs: 2 }],
    lastVar: { atMs: 5, confidence: 0.99, markets: [], samples: 100, historical: { method: 'historical', confidence: 0.99, valueAtRisk: 12.5, expectedShortfall: 15, scenarios: 99 }, monteCarlo: { method: 'monteCarlo', confidence: 0.99, valueAtRisk: 13, expectedShortfall: 16, scenarios: 10000 } },
    grossExposure: 750,
    dailyLoss: { utcDay: '2026-01-01', dayStartEquity: '100100', loss: '50.00' },
    peakEquity: '100050',
  },
  recentFills: [{ tradeId: 1 }, { tradeId: 2 }],
  killSwitchHistory: [{ to: 'ACTIVE' }, { to: 'HALTED' }],
};

const view = (status: StatusReport = baseStatus) =>
  buildView({ nowMs: 0, tree: sampleTree(), status, history: emptyHistory(), audit: { state: 'none', why: 'test' }, allowTrip: false });

describe('dashboard page model', () => {
  it('lists every node of the tree, depth first, with its fullest mailbox, p99 and breaker', () => {
    const tree = supervisorNode('root', 'root', 'one_for_one', [
      { ...supervisorNode('venues', 'root/venues', 'one_for_all', [actorNode('x', 'root/venues', 'exchange')]), status: 'open' },
      { ...actorNode('risk', 'root', 'risk'), mailbox: [{ peer: 'a', depthBytes: 10, capacityBytes: 100 }, { peer: 'b', depthBytes: 40, capacityBytes: 200 }, { peer: 'c', depthBytes: 30, capacityBytes: 1000 }] },
    ]);
    const rows = actorRows(tree);
    expect(rows.map((r) => [r.path, r.depth, r.breaker])).toEqual([
      ['root', 0, 'closed'],
      ['root/venues', 1, 'open'],
      ['root/venues/x', 2, null],
      ['root/risk', 1, null],
    ]);
    expect(rows[3]!.mailbox).toEqual({ peer: 'b', depthBytes: 40, capacityBytes: 200 });
    expect(rows[3]!.handlerP99Us).toBe(12.25);
    expect(rows[0]!.mailbox).toBeNull();
  });

  it.each([
    ['max_gross_exposure', '1000', '750.00', 0.75],
    // the largest position at its mark: |-2 × 12.5| = 25 against |0.5 × 110| = 55
    ['max_position_notional', '100', '55.00', 0.55],
    ['max_open_orders', '8', '2', 0.25],
    ['max_order_notional', '50', null, null],
    ['submit_rate', '{"burst":5,"per_second":2}', null, null],
  ])('limit %s: %s, current %s, usage %s', (name, limit, current, usage) => {
    expect(view().limits!.find((r) => r.name === name)).toEqual({ name, limit, current, usage });
  });

  it.each([
    ['max_drawdown', '0.1', '0.025', 0.25],
    ['max_daily_loss', '200', '50', 0.25],
    // the last stop-loss panic's value: 350 bps against 300
    ['stop_loss_bps', '300', '350', 350 / 300],
    ['stale_quote_ms', '5000', null, null],
    ['api_errors', '{"max":5,"window_ms":1000}', null, null],
  ])('panic %s: threshold %s, current %s, usage %s', (name, limit, current, usage) => {
    expect(view().panics!.find((r) => r.name === name)).toEqual({ name, limit, current, usage });
  });

  it('shows VaR and ES of both methods, or the error of the last computation', () => {
    expect(view().valueAtRisk).toEqual({
      error: null,
      rows: [
        { method: 'historical', confidence: 0.99, valueAtRisk: 12.5, expectedShortfall: 15, scenarios: 99, atMs: 5 },
        { method: 'monteCarlo', confidence: 0.99, valueAtRisk: 13, expectedShortfall: 16, scenarios: 10000, atMs: 5 },
      ],
    });
    expect(view({ ...baseStatus, risk: { ...baseStatus.risk!, lastVar: { atMs: 1, error: 'too few samples' } } }).valueAtRisk).toEqual({ rows: [], error: 'too few samples' });
    expect(view({ ...baseStatus, risk: { ...baseStatus.risk!, lastVar: null } }).valueAtRisk).toBeNull();
  });

  it('puts the newest fills and kill-switch transitions first; says null (not reported) apart from empty', () => {
    const v = view();
    expect(v.fills).toEqual([{ tradeId: 2 }, { tradeId: 1 }]);
    expect(v.killSwitchHistory).toEqual([{ to: 'HALTED' }, { to: 'ACTIVE' }]);
    const bare = view({ ...baseStatus, risk: null, recentFills: null, killSwitchHistory: null, openOrders: [] });
    expect([bare.limits, bare.panics, bare.valueAtRisk, bare.fills, bare.killSwitchHistory]).toEqual([null, null, null, null, null]);
    expect(bare.openOrders).toEqual([]);
  });
});

describe('session history', () => {
  const limits: HistoryLimits = { maxPoints: 4, maxEvents: 3, initialSpacingMs: 10 };
  const point = (atMs: number) => ({ atMs, equity: atMs, drawdown: 0 });

  it('takes points no closer than the spacing; when full keeps every other one, the newest included, and halves the rate', () => {
    let h = emptyHistory(limits);
    for (const t of [0, 5, 10, 20, 30]) h = addPoint(h, point(t), limits);
    // 5 is too soon after 0; 0,10,20,30 fill it
    expect(h.points.map((p) => p.atMs)).toEqual([0, 10, 20, 30]);
    h = addPoint(h, point(40), limits);
    expect(h.points.map((p) => p.atMs)).toEqual([0, 20, 40]);
    expect(h.spacingMs).toBe(20);
    h = addPoint(h, point(50), limits);
    expect(h.points.map((p) => p.atMs)).toEqual([0, 20, 40]);
    h = addPoint(h, point(60), limits);
    expect(h.points.map((p) => p.atMs)).toEqual([0, 20, 40, 60]);
  });

  it('keeps the newest events, numbered', () => {
    let h = emptyHistory(limits);
    for (const topic of ['a', 'b', 'c', 'd']) h = addEvent(h, { topic, ts: 'x', data: {} }, limits);
    expect(h.events.map((e) => [e.seq, e.topic])).toEqual([[2, 'b'], [3, 'c'], [4, 'd']]);
  });

  it.each([
    ['100000.12345678', 100000.12345678],
    [null, null],
    ['not a number', null],
  ])('plots %s as %s', (text, value) => expect(plotted(text)).toBe(value));
});
