import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashHarness, recorderOf, until } from './crash-harness.js';

/**
 * Issue 7's acceptance, end to end: "Restart after a crash restores open orders, positions and a
 * HALTED latch." The real `bot4 start` process (kill switch, risk, two exchange actors, the order
 * manager, the recorder on the embedded PGlite, two strategies) trades against two emulators this
 * test runs; it is killed with SIGKILL; the order manager's journal is deleted, so the open orders
 * can only come back from the database; the next process shows them, and risk's positions, before
 * it trades again. The HALTED latch: crash-recovery-halted.test.ts.
 */
interface OpenOrder {
  clientOrderId: string;
  strategy: number;
  intentId: number;
  venue: number;
  instrument: number;
  side: string;
  status: string;
  /** Decimal text at the instrument's precision in the status answer, a double in the recovery report. */
  price: number | string;
  qty: number | string;
  cumQty: number | string;
  inflight: unknown;
}

/** As risk reports it: decimal text at the instrument's precision. */
interface Position {
  venue: number;
  instrument: number;
  qty: string;
  avgPrice: string | null;
  realisedPnl: string;
}

interface Status {
  trading: { state: string };
  positions: Position[] | null;
  openOrders: OpenOrder[] | null;
  unavailable: string[];
}

interface OrderManagerSnapshot {
  openOrders: number;
  reconciliation: Record<string, string>;
  reconciliationSummary: Record<string, { matched: number; adoptedOwn: number; missingOnVenue: number } | null>;
  recovery: { source: string; restoredOrders: number; error: string | null; orders: OpenOrder[] };
  recorder: { sent: number; dropped: number };
}

interface RiskSnapshot {
  positionsKnown: boolean;
  recovery: { source: string; positions: number; error: string | null };
  recorder: { sent: number; dropped: number; unnamed: number };
}

let bot: CrashHarness;

const status = () => bot.admin.call<Status>('status');
const snapshot = async <T>(path: string): Promise<T> => (await bot.admin.call<{ snapshot: T }>('actor.get', { path })).snapshot;
const orderManager = () => snapshot<OrderManagerSnapshot>('root/execution/order-manager');
const risk = () => snapshot<RiskSnapshot>('root/safety/risk');
const recorder = () => recorderOf(bot.admin);
const nonZero = (s: Status): Position[] => (s.positions ?? []).filter((p) => Number(p.qty) !== 0);
const orderFields = (o: OpenOrder) => ({
  clientOrderId: o.clientOrderId, strategy: o.strategy, intentId: o.intentId, venue: o.venue, instrument: o.instrument, side: o.side,
  price: Number(o.price), qty: Number(o.qty), cumQty: Number(o.cumQty),
});
const byId = (a: { clientOrderId: string }, b: { clientOrderId: string }) => a.clientOrderId.localeCompare(b.clientOrderId);

beforeAll(async () => {
  bot = await CrashHarness.create();
}, 90_000);

afterAll(async () => {
  await bot?.close();
}, 60_000);

describe('crash recovery from the database (bot4 start, SIGKILL, restart)', () => {
  it('open orders and positions come back from the database after a SIGKILL, the journal deleted', async () => {
    await bot.start();
    const s0 = await orderManager();
    expect(s0.recovery).toMatchObject({ source: 'database', restoredOrders: 0, error: null });
    expect((await risk()).recovery).toMatchObject({ source: 'database', positions: 0, error: null });

    // Trade until the arbitrage holds positions and the market maker's quotes rest on A.
    await until('positions and resting quotes', status, (s) => nonZero(s).length >= 1 && (s.openOrders ?? []).some((o) => o.strategy === 1 && o.status === 'ACCEPTED'));
    // Freeze new orders (open ones stay, and PAUSED survives the restart too) and let the recorder catch up.
    await bot.admin.call('mode.set', { mode: 'paused' });
    let previous = '';
    const settled = await until(
      'the books and the recorder at rest',
      async () => {
        const [s, rec] = [await status(), await recorder()];
        const positions = (s.positions ?? []).map((p) => [p.venue, p.instrument, p.qty, p.avgPrice, p.realisedPnl]);
        const key = JSON.stringify({ orders: s.openOrders, positions, written: rec.written });
        const stable = key === previous && rec.queueDepth === 0 && (s.openOrders ?? []).every((o) => o.inflight === null && o.status === 'ACCEPTED');
        previous = key;
        return { s, rec, stable };
      },
      (x) => x.stable,
    );
    const before = settled.s;
    expect(settled.rec).toMatchObject({ unmatched: 0, refused: 0, degraded: false });
    expect((await orderManager()).recorder.dropped).toBe(0);
    expect((await risk()).recorder).toMatchObject({ dropped: 0, unnamed: 0 });
    const openBefore = before.openOrders!.map(orderFields).sort(byId);
    const positionsBefore = nonZero(before);
    expect(openBefore.length).toBeGreaterThan(0);
    expect(positionsBefore.length).toBeGreaterThan(0);

    await bot.crash();
    rmSync(bot.journal);
    await bot.start();

    // Before any new trade: the order manager adopted the open orders from the database, with their
    // strategy and fields (its status shows them until the restarted market maker cancels the quotes
    // of its earlier incarnation, which it does as soon as venue A is reconciled) ...
    const om = await orderManager();
    expect(om.recovery).toMatchObject({ source: 'database', restoredOrders: openBefore.length, error: null });
    expect(om.recovery.orders.map((o) => ({ ...orderFields(o), status: o.status })).sort(byId)).toEqual(openBefore.map((o) => ({ ...o, status: 'ACCEPTED' })));
    const after = await status();
    expect(after.trading.state).toBe('PAUSED');
    // ... and risk rebuilt its ledger from the database's fills (and the order manager's replay of the fills it holds).
    expect((await risk()).recovery).toMatchObject({ source: 'database', positions: positionsBefore.length, error: null });
    expect(await risk()).toMatchObject({ positionsKnown: true });
    for (const p of positionsBefore) {
      const q = after.positions!.find((x) => x.venue === p.venue && x.instrument === p.instrument);
      expect(q, `position ${p.venue}:${p.instrument}`).toBeDefined();
      expect(q!.qty).toBe(p.qty);
      expect(q!.avgPrice).toBe(p.avgPrice);
      expect(Number(q!.realisedPnl)).toBeCloseTo(Number(p.realisedPnl), 6);
    }
    // The venue agrees: every restored order was matched with its listing, none had to be adopted from it.
    const reconciled = await until('reconciliation with both venues', orderManager, (s) => Object.values(s.reconciliation).every((r) => r === 'reconciled'));
    expect(reconciled.reconciliationSummary['1']).toMatchObject({ matched: openBefore.length, adoptedOwn: 0, missingOnVenue: 0 });
    expect(existsSync(bot.journal)).toBe(true);
  }, 150_000);
});
