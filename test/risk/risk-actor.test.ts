import { afterEach, describe, expect, it } from 'vitest';
import { ExecStatus, OrderType, PanicKind, RejectReason, Side, TimeInForce, TradingState } from '../../src/domain/messages.js';
import { startActor, type ActorHandle } from '../../src/runtime/actor-handle.js';
import { TradingGateWriter, createTradingGate } from '../../src/runtime/trading-gate.js';
import { buildWiring } from '../../src/runtime/wiring.js';
import { INSTRUMENTS, fixture, waitFor, type Received } from '../order-manager/harness.js';

/**
 * A real risk actor between doubles: 'strategy' sends intents, 'order-manager' records what
 * risk approves and sends reports/fills back, 'exchange' sends market data and venue controls,
 * 'kill-switch' records panics.
 */
const handles: ActorHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.kill()));
});

const LENIENT_PANICS = {
  max_drawdown: 0.99, max_daily_loss: 1e9, stop_loss_bps: 1e6, max_slippage_bps: 1e6, stale_quote_ms: 600_000, spread_blowout_bps: 1e6, api_errors: { max: 1000, window_ms: 1000 },
};

async function system(panics: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const gate = createTradingGate();
  const writer = new TradingGateWriter(gate);
  writer.set(TradingState.ACTIVE);
  writer.renewLease(3_600_000);
  const wiring = buildWiring(
    [
      { name: 'strategy', path: 'root/strategy', sends: ['risk'], ringBytes: 1 << 15, fullPolicy: 'fail' },
      { name: 'exchange', path: 'root/exchange', sends: ['risk'], ringBytes: 1 << 15, fullPolicy: 'fail' },
      { name: 'order-manager', path: 'root/order-manager', sends: ['risk'], ringBytes: 1 << 15, fullPolicy: 'fail' },
      { name: 'risk', path: 'root/risk', sends: ['order-manager', 'kill-switch', 'strategy'], ringBytes: 1 << 15, fullPolicy: 'fail' },
      { name: 'kill-switch', path: 'root/kill-switch', sends: [], ringBytes: 4096, fullPolicy: 'fail' },
    ],
    gate,
  );
  const start = async (name: string, kind: string, config: unknown, moduleUrl?: string) => {
    const h = await startActor({ path: `root/${name}`, name, kind, ...(moduleUrl ? { moduleUrl } : {}), config, logLevel: 'silent' }, wiring.get(name)!);
    handles.push(h);
    return h;
  };
  const double = (name: string) => start(name, 'pipeline-double', {}, fixture('pipeline-double'));
  const [strategy, exchange, om, ks] = [await double('strategy'), await double('exchange'), await double('order-manager'), await double('kill-switch')];
  const risk = await start('risk', 'risk', {
    instruments: INSTRUMENTS,
    capital: { '1': 10_000 },
    limits: {
      max_order_notional: 5000, max_position_notional: 8000, max_gross_exposure: 9000, max_open_orders: 10, submit_rate: { burst: 50, per_second: 50 },
      price_band_bps: 200, max_quote_age_ms: 60_000, max_spread_bps: 100,
    },
    panics: { ...LENIENT_PANICS, ...panics },
    watch_ms: 20,
    ...extra,
  });
  let intentId = 0;
  const book = (bid: number, ask: number, instrument = 1) =>
    exchange.invoke('send', { peer: 'risk', kind: 'BookTop', message: { venue: 1, instrument, updateId: 1, bidPrice: bid, bidQty: 1, askPrice: ask, askQty: 1, exchangeTsMs: 1, receiveTsUs: Date.now() * 1000 } });
  const intent = async (fields: Record<string, number> = {}) => {
    const message = {
      strategy: 5, intentId: ++intentId, venue: 1, instrument: 1, side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, reduceOnly: 0,
      price: 100, qty: 1, expectedPrice: 100, createdTsUs: 1, ...fields,
    };
    await strategy.invoke('send', { peer: 'risk', kind: 'OrderIntent', message });
    return message.strategy * 2 ** 32 + message.intentId;
  };
  const fill = (orderId: number, side: number, qty: number, price: number, tradeId: number) =>
    om.invoke('send', { peer: 'risk', kind: 'Fill', message: { orderId, venue: 1, instrument: 1, side, price, qty, fee: 0, liquidity: 1, tradeId, exchangeTsMs: 1, receiveTsUs: Date.now() * 1000 } });
  const report = (orderId: number, status: number, cumQty: number, leavesQty: number) =>
    om.invoke('send', { peer: 'risk', kind: 'ExecutionReport', message: { orderId, venue: 1, instrument: 1, status, side: Side.BUY, cumQty, leavesQty, avgPrice: 100, receiveTsUs: 1 } });
  const status = async () => (await risk.invoke('status', {})) as Record<string, any>;
  const received = async (h: ActorHandle) => (await h.invoke('received', {})) as Received[];
  /** An approved buy of 1 at 100, filled: a long position of 1. */
  const goLong = async () => {
    await book(99.99, 100.01);
    await waitFor('the book at risk', status, (s) => s.counters.books >= 1);
    const orderId = await intent();
    await waitFor('the approved intent', () => received(om), (x) => x.some((r) => r.kind === 'OrderIntent' && r.message.intentId === orderId % 2 ** 32));
    await fill(orderId, Side.BUY, 1, 100, 1);
    await report(orderId, ExecStatus.FILLED, 1, 0);
    await waitFor('the long position', status, (s) => s.positions[0]?.qty === '1.000');
    return orderId;
  };
  return { risk, strategy, exchange, om, ks, writer, book, intent, fill, report, status, received, goLong };
}

describe('risk actor: pre-trade in the order path', () => {
  it('approves into the order manager, rejects back to the strategy, books fills into positions and PnL', async () => {
    const s = await system();
    const orderId = await s.goLong();
    const st = await s.status();
    // Booked figures come as decimal text at the instrument's precision (qty 3 decimals, prices 2, money 8).
    expect(st.positions[0]).toMatchObject({ venue: 1, instrument: 1, symbol: 'BTCUSDT', qty: '1.000', avgPrice: '100.00', mark: '100.00' });
    expect(st.equity).toBe('10000.00000000');
    expect(st.counters.approved).toBe(1);

    // Fat finger: 5% away from the mid, band is 2%.
    const far = await s.intent({ price: 105 });
    const rejected = await waitFor('the reject at the strategy', () => s.received(s.strategy), (x) => x.some((r) => r.message.orderId === far));
    expect(rejected.find((r) => r.message.orderId === far)!.message).toMatchObject({ status: ExecStatus.REJECTED, rejectReason: RejectReason.PRICE_BAND });
    // The gate is the first check.
    s.writer.set(TradingState.PAUSED);
    const paused = await s.intent();
    await waitFor('the paused reject', () => s.received(s.strategy), (x) => x.some((r) => r.message.orderId === paused && r.message.rejectReason === RejectReason.TRADING_PAUSED));
    s.writer.set(TradingState.ACTIVE);
    // Selling at a profit realises PnL.
    await s.book(109.99, 110.01);
    // The book and the intent come on two rings: the intent must not be checked against the old mid.
    await waitFor('the new book at risk', s.status, (x) => x.counters.books >= 2);
    const sell = await s.intent({ side: Side.SELL, price: 110 });
    await waitFor('the approved sell', () => s.received(s.om), (x) => x.some((r) => r.kind === 'OrderIntent' && r.message.side === Side.SELL));
    await s.fill(sell, Side.SELL, 1, 110, 2);
    const after = await waitFor('flat with realised PnL', s.status, (x) => x.positions[0]?.qty === '0.000');
    expect(after.realisedPnl).toBe('10.00000000');
    expect(after.equity).toBe('10010.00000000');
    expect(after.positions[0]).toMatchObject({ avgPrice: null, unrealisedPnl: '0.00000000' });
    expect((await s.received(s.om)).filter((r) => r.kind === 'OrderIntent').map((r) => r.message.intentId)).toEqual([orderId % 2 ** 32, sell % 2 ** 32]);
  });

  it('stale market data (the venue says so) rejects orders', async () => {
    const s = await system();
    await s.book(99.99, 100.01);
    await s.exchange.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'venue.stale', venue: 1 } });
    await waitFor('the venue marked stale', s.status, (x) => x.staleVenues.includes(1));
    const id = await s.intent();
    await waitFor('the stale reject', () => s.received(s.strategy), (x) => x.some((r) => r.message.orderId === id && r.message.rejectReason === RejectReason.STALE_MARKET_DATA));
  });

  it('computes VaR and ES on the piscina pool from sampled mids', async () => {
    const s = await system({}, { var: { every_ms: 3_600_000, sample_ms: 10, min_samples: 8, scenarios: 500, seed: 3 } });
    await s.goLong();
    for (const mid of [100, 101, 99.5, 100.5, 98, 99, 101.5, 100, 97, 100.2, 99.1, 100.7]) {
      await s.book(mid - 0.01, mid + 0.01);
      await new Promise((r) => setTimeout(r, 15));
    }
    const result = (await waitFor('a VaR result', () => s.risk.invoke('computeVar', {}) as Promise<Record<string, any> | null>, (v) => v !== null && 'historical' in v)) as Record<string, any>;
    expect(result.historical.valueAtRisk).toBeGreaterThan(0);
    expect(result.historical.expectedShortfall).toBeGreaterThanOrEqual(result.historical.valueAtRisk);
    expect(result.monteCarlo).toMatchObject({ method: 'monteCarlo', scenarios: 500 });
    expect(result.monteCarlo.valueAtRisk).toBeGreaterThan(0);
    expect((await s.status()).lastVar.markets).toEqual(['1:1']);
  });

  it('bad frames are counted; a bad control frame is explained; the actor keeps going', async () => {
    const s = await system();
    await s.strategy.invoke('send', { peer: 'risk', raw: { type: 4242, version: 1, bytes: [9, 9] } });
    await s.om.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'venue.error', venue: 'one' } });
    await s.goLong();
    expect(s.risk.stats().decodeErrors).toBe(1);
    expect((await s.status()).counters.badControl).toBe(1);
  });
});

describe('risk actor: a stale-quote panic carries the rule that fired and its numbers', () => {
  it('the venue says its feed is silent (5000 ms, its stale_after_ms 5000) under a 10 s book-age limit: value and threshold are the venue\'s, in ms', async () => {
    const s = await system({ stale_quote_ms: 10_000 });
    await s.goLong();
    await s.exchange.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'venue.stale', venue: 1, exchange: 'emulator', silentForMs: 5_000, staleAfterMs: 5_000, atMs: Date.now() } });
    const frames = await waitFor('a stale-quote panic', () => s.received(s.ks), (x) => x.some((r) => r.kind === 'RiskPanic'));
    const panic = frames.find((r) => r.kind === 'RiskPanic')!.message as { kind: number; value: number; threshold: number };
    expect(panic.kind).toBe(PanicKind.STALE_QUOTES);
    expect(panic.threshold).toBe(5_000);
    // silent 5000 ms when announced, a little more by the time risk's watch looked
    expect(panic.value).toBeGreaterThanOrEqual(5_000);
    expect(panic.value).toBeLessThan(10_000);
  });

  it('a venue.stale notice without its numbers is explained and still counts as stale (fail safe)', async () => {
    const s = await system({ stale_quote_ms: 100_000 });
    await s.goLong();
    await s.exchange.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'venue.stale', venue: 1 } });
    const frames = await waitFor('a stale-quote panic', () => s.received(s.ks), (x) => x.some((r) => r.kind === 'RiskPanic'));
    expect(frames.filter((r) => r.kind === 'RiskPanic').map((r) => r.message.kind)).toEqual([PanicKind.STALE_QUOTES]);
    expect((await s.status()).counters.badControl).toBe(1);
  });
});

describe('risk actor: every panic kind reaches the kill switch when its breach happens', () => {
  const cases: { kind: number; panics: Record<string, unknown>; breach: (s: Awaited<ReturnType<typeof system>>) => Promise<void> }[] = [
    { kind: PanicKind.DRAWDOWN, panics: { max_drawdown: 0.001 }, breach: async (s) => void (await s.book(79.99, 80.01)) },
    { kind: PanicKind.DAILY_LOSS, panics: { max_daily_loss: 10 }, breach: async (s) => void (await s.book(79.99, 80.01)) },
    { kind: PanicKind.STOP_LOSS, panics: { stop_loss_bps: 500 }, breach: async (s) => void (await s.book(89.99, 90.01)) },
    { kind: PanicKind.SPREAD_BLOWOUT, panics: { spread_blowout_bps: 500 }, breach: async (s) => void (await s.book(95, 105)) },
    { kind: PanicKind.STALE_QUOTES, panics: { stale_quote_ms: 100_000 }, breach: async (s) => void (await s.exchange.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'venue.stale', venue: 1 } })) },
    {
      kind: PanicKind.SLIPPAGE,
      panics: { max_slippage_bps: 50 },
      breach: async (s) => {
        const id = await s.intent({ price: 100.5, expectedPrice: 100 });
        await waitFor('approval', () => s.received(s.om), (x) => x.some((r) => r.kind === 'OrderIntent' && r.message.intentId === id % 2 ** 32));
        await s.fill(id, Side.BUY, 1, 100.9, 99);
      },
    },
    {
      kind: PanicKind.API_ERROR_CASCADE,
      panics: { api_errors: { max: 3, window_ms: 60_000 } },
      breach: async (s) => {
        for (let i = 0; i < 3; i++) await s.om.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'venue.error', venue: 1, instrument: 1, orderId: i, reason: RejectReason.VENUE_UNAVAILABLE, operation: 'submit', atMs: Date.now() } });
      },
    },
  ];
  for (const c of cases) {
    const name = Object.entries(PanicKind).find(([, v]) => v === c.kind)![0];
    it(`${name}`, async () => {
      const s = await system(c.panics);
      await s.goLong();
      expect((await s.received(s.ks)).filter((r) => r.kind === 'RiskPanic')).toEqual([]);
      await c.breach(s);
      const panics = await waitFor(`a ${name} panic`, () => s.received(s.ks), (x) => x.some((r) => r.kind === 'RiskPanic'));
      expect(panics.filter((r) => r.kind === 'RiskPanic').map((r) => r.message.kind)).toEqual([c.kind]);
    });
  }
});

describe('risk actor: its ledger against the venue balances', () => {
  it('a balance changed at the venue behind the bot beyond tolerance is a LEDGER_MISMATCH panic naming venue, asset, amounts and tolerance; within tolerance none', async () => {
    const s = await system({}, { ledger_check: { tolerance: { USDT: 1, BTC: 0.001 }, confirmations: 1 } });
    let checks = 0;
    const venueHolds = async (usdt: number, btc: number) => {
      await s.om.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'venue.balances', venue: 1, balances: [{ asset: 'BTC', total: btc }, { asset: 'ETH', total: 0 }, { asset: 'USDT', total: usdt }], atMs: Date.now() } });
      checks++;
      await waitFor(`ledger check ${checks}`, s.status, (st) => st.counters.ledgerChecks === checks);
    };
    const panics = async () => (await s.received(s.ks)).filter((r) => r.kind === 'RiskPanic');
    // The account holds more than the capital of the config: the first read is the baseline.
    await venueHolds(50_000, 0.25);
    await s.goLong();
    await venueHolds(49_900, 1.25);
    await venueHolds(49_900.5, 1.2505);
    expect((await s.status()).lastLedgerCheck.drifts).toEqual([]);
    expect(await panics()).toEqual([]);

    // 900 USDT left the account behind the bot's back.
    await venueHolds(49_000, 1.25);
    const sent = await waitFor('the LEDGER_MISMATCH panic', panics, (x) => x.length > 0);
    expect(sent.map((r) => r.message)).toEqual([expect.objectContaining({ kind: PanicKind.LEDGER_MISMATCH, venue: 1, value: 900, threshold: 1 })]);
    const record = (await s.status()).panicsSent.at(-1);
    expect(record.kind).toBe('LEDGER_MISMATCH');
    expect(record.reason).toBe('ledger mismatch: venue 1 USDT: the ledger books 9900.00000000, the venue holds 49000.00000000 (40000.00000000 apart at the first check); drift -900.00000000 is beyond the tolerance 1.00000000 (1 read(s) in a row)');
  });

  it('a bad venue.balances is refused by name; the actor keeps checking', async () => {
    const s = await system();
    await s.om.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'venue.balances', venue: 1, balances: [{ asset: 'BTC', total: 'lots' }], atMs: 1 } });
    await waitFor('the refusal counted', s.status, (st) => st.counters.badControl === 1);
    expect((await s.status()).counters.ledgerChecks).toBe(0);
  });
});
