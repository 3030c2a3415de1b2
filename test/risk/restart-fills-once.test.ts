import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Side, TradingState } from '../../src/domain/messages.js';
import { BatchWriter } from '../../src/persistence/batch-writer.js';
import { migrate } from '../../src/persistence/migrate.js';
import type { PersistRecord } from '../../src/persistence/records.js';
import { startActor, type ActorHandle } from '../../src/runtime/actor-handle.js';
import { TradingGateWriter, createTradingGate } from '../../src/runtime/trading-gate.js';
import { buildWiring } from '../../src/runtime/wiring.js';
import { backends, type RunningBackend } from '../helpers/backends.js';
import { INSTRUMENTS, fixture, waitFor, type Received } from '../order-manager/harness.js';

/**
 * Risk restarting on a database a crash left behind (the 10-minute soak's positions-match-venue
 * violation, docs/soak.md): risk's position snapshots and the order manager's fills reach the
 * database apart, so one can be there without the other. Whatever the database holds, and however
 * often a fill reaches risk again afterwards (the order manager's reconciliation passing on fills it
 * has no record of, its answer to `fills.replay`), each venue fill is booked into the position once.
 */
const pglite = backends.find((b) => b.name === 'pglite')!;
let db: RunningBackend;
const handles: ActorHandle[] = [];

beforeAll(async () => {
  db = await pglite.start();
  const pool = db.newPool();
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}, 60_000);

afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.kill()));
});

afterAll(async () => {
  await db?.close();
}, 30_000);

const T0_US = Date.UTC(2026, 11, 5, 8, 0, 0) * 1000;
const BTC = 1;
const ETH = 2;
const SYMBOL: Record<number, string> = { [BTC]: 'BTCUSDT', [ETH]: 'ETHUSDT' };

interface VenueFill {
  orderId: number;
  instrument: number;
  side: Side;
  qty: number;
  price: number;
  tradeId: number;
  atUs: number;
}

// Venue 1's trades of this scenario: BTC bought and sold back (flat), ETH sold once (short 0.0123).
const T1: VenueFill = { orderId: 11, instrument: BTC, side: Side.BUY, qty: 0.004, price: 60_000, tradeId: 7, atUs: T0_US + 1_000 };
const T2: VenueFill = { orderId: 12, instrument: BTC, side: Side.SELL, qty: 0.004, price: 60_100, tradeId: 8, atUs: T0_US + 2_000 };
const T3: VenueFill = { orderId: 13, instrument: ETH, side: Side.SELL, qty: 0.0123, price: 3_000, tradeId: 8, atUs: T0_US + 3_000 };

const fillRecord = (f: VenueFill): PersistRecord => ({
  kind: 'fill', venue: 'venue-a', tradeId: String(f.tradeId), orderId: f.orderId, instrument: SYMBOL[f.instrument]!, side: f.side === Side.BUY ? 'BUY' : 'SELL',
  price: f.price, qty: f.qty, fee: 0, liquidity: 'TAKER', tsUs: f.atUs,
});
const snapshotRecord = (instrument: number, tsUs: number, qty: string, avgPrice: string): PersistRecord => ({
  kind: 'position', venue: 'venue-a', instrument: SYMBOL[instrument]!, tsUs, qty, avgPrice, realizedPnl: '0.00000000',
});

async function write(records: PersistRecord[]): Promise<void> {
  const pool = db.newPool();
  try {
    await pool.query('TRUNCATE fills, position_snapshots');
  } finally {
    await pool.end();
  }
  const writer = new BatchWriter({ connectionString: db.connectionString, spoolPath: join(db.workDir, `spool-${Date.now()}.jsonl`), flushIntervalMs: 0 });
  try {
    for (const r of records) writer.enqueue(r);
    await writer.flush();
    expect(writer.stats()).toMatchObject({ degraded: false, rejected: 0 });
  } finally {
    await writer.close();
  }
}

/** A real risk actor on the database, with an order manager double that can pass fills on and answer `fills.replay`. */
async function startRisk() {
  const gate = createTradingGate();
  const writer = new TradingGateWriter(gate);
  writer.set(TradingState.ACTIVE);
  writer.renewLease(3_600_000);
  const wiring = buildWiring(
    [
      { name: 'order-manager', path: 'root/order-manager', sends: ['risk'], ringBytes: 1 << 16, fullPolicy: 'fail' },
      { name: 'risk', path: 'root/risk', sends: ['order-manager', 'kill-switch'], ringBytes: 1 << 16, fullPolicy: 'fail' },
      { name: 'kill-switch', path: 'root/kill-switch', sends: ['risk'], ringBytes: 4096, fullPolicy: 'fail' },
    ],
    gate,
  );
  const start = async (name: string, kind: string, config: unknown, moduleUrl?: string) => {
    const h = await startActor({ path: `root/${name}`, name, kind, ...(moduleUrl ? { moduleUrl } : {}), config, logLevel: 'silent' }, wiring.get(name)!);
    handles.push(h);
    return h;
  };
  const om = await start('order-manager', 'pipeline-double', {}, fixture('pipeline-double'));
  const ks = await start('kill-switch', 'pipeline-double', {}, fixture('pipeline-double'));
  const risk = await start('risk', 'risk', {
    instruments: INSTRUMENTS,
    capital: { '1': 10_000 },
    limits: {
      max_order_notional: 5000, max_position_notional: 8000, max_gross_exposure: 9000, max_open_orders: 10,
      submit_rate: { burst: 50, per_second: 50 }, price_band_bps: 200, max_quote_age_ms: 60_000, max_spread_bps: 100,
    },
    panics: { max_drawdown: 0.99, max_daily_loss: 1e9, stop_loss_bps: 1e6, max_slippage_bps: 1e6, stale_quote_ms: 600_000, spread_blowout_bps: 1e6, api_errors: { max: 1000, window_ms: 1000 } },
    order_manager_peer: 'order-manager',
    kill_switch_peer: 'kill-switch',
    database_url: db.connectionString,
    venue_names: { '1': 'venue-a' },
  });
  const status = async () => (await risk.invoke('status', {})) as { positionsKnown: boolean; positions: Array<{ venue: number; instrument: number; qty: string }>; counters: { fills: number } };
  const qty = async (instrument: number) => Number((await status()).positions.find((p) => p.venue === 1 && p.instrument === instrument)?.qty ?? 0);
  /** The fill as the order manager passes one on (live, or a reconciliation's orphan). */
  const passOn = (f: VenueFill) =>
    om.invoke('send', { peer: 'risk', kind: 'Fill', message: { orderId: f.orderId, venue: 1, instrument: f.instrument, side: f.side, price: f.price, qty: f.qty, fee: 0, liquidity: 2, tradeId: f.tradeId, exchangeTsMs: f.atUs / 1000, receiveTsUs: Date.now() * 1000 } });
  const received = async () => (await om.invoke('received', {})) as Received[];
  /** Every frame sent before has been handled: risk's ring is in order, and it counts a control frame it does not know. */
  let sentinels = 0;
  const settled = async () => {
    sentinels++;
    await om.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'test.sentinel' } });
    await waitFor('risk through its ring', async () => (await risk.invoke('status', {})) as { counters: { ignoredFrames: number } }, (s) => s.counters.ignoredFrames >= sentinels);
  };
  return { risk, om, ks, status, qty, passOn, received, settled };
}

describe('risk after a restart books every venue fill exactly once', () => {
  it('a snapshot that misses a fill the database holds, and one that holds a fill the database lacks: positions equal the venue net', async () => {
    // The crash kept T2's fill but not the snapshot it moved (risk's copy trails the order manager's),
    // and T3's snapshot but not its fill (the recorder died with it queued).
    await write([fillRecord(T1), fillRecord(T2), snapshotRecord(BTC, T1.atUs, '0.004', '60000.00000000'), snapshotRecord(ETH, T3.atUs, '-0.0123', '3000.00000000')]);
    const bot = await startRisk();
    await waitFor('positions known', bot.status, (s) => s.positionsKnown);
    // The order manager, its journal gone, passes on every venue fill it has no order record of.
    for (const f of [T1, T2, T3]) await bot.passOn(f);
    // A redelivery of the same three changes nothing more.
    for (const f of [T3, T2, T1]) await bot.passOn(f);
    await bot.settled();
    expect(await bot.qty(BTC)).toBe(0);
    expect(await bot.qty(ETH)).toBe(-0.0123);
  }, 30_000);

  it('fills the database lacks come back from the order manager on fills.replay, booked once', async () => {
    await write([fillRecord(T1)]);
    const bot = await startRisk();
    const asked = await waitFor('fills.replay at the order manager', bot.received, (r) => r.some((x) => x.kind === 'Control' && (x.message as { type?: string }).type === 'fills.replay'));
    expect(asked.filter((x) => x.kind === 'Control')).toHaveLength(1);
    expect(await bot.qty(BTC)).toBe(0.004);
    // The order manager holds T1..T3 (its journal); the database had only T1.
    const known = (f: VenueFill) => ({ orderId: f.orderId, venue: 1, instrument: f.instrument, side: f.side, qty: f.qty, price: f.price, fee: 0, tradeId: f.tradeId, tsUs: f.atUs });
    await bot.om.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'fills.known', fills: [known(T1), known(T2)], final: false } });
    await bot.om.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'fills.known', fills: [known(T3)], final: true } });
    const done = await waitFor('the replay booked', async () => (await bot.risk.invoke('status', {})) as { fillReplay: { done: boolean; fills: number; booked: number } }, (s) => s.fillReplay.done);
    expect(done.fillReplay).toMatchObject({ fills: 3, booked: 2 });
    // T3 again, live: already booked.
    await bot.passOn(T3);
    await bot.settled();
    expect(await bot.qty(BTC)).toBe(0);
    expect(await bot.qty(ETH)).toBe(-0.0123);
    // Fills from anyone but the order manager are refused: the kill switch double tries one.
    await bot.ks.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'fills.known', fills: [{ ...known(T2), tradeId: 10 }], final: true } });
    // A malformed answer is named and changes nothing.
    await bot.om.invoke('send', { peer: 'risk', kind: 'Control', message: { type: 'fills.known', fills: [{ ...known(T2), tradeId: 9, qty: -1 }], final: true } });
    await waitFor('the bad frame counted', async () => (await bot.risk.invoke('status', {})) as { counters: { badControl: number } }, (s) => s.counters.badControl === 2);
    expect(await bot.qty(BTC)).toBe(0);
  }, 30_000);
});
