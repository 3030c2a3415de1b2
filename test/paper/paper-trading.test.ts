import ccxt, { type Exchange } from 'ccxt';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, ccxtBinanceOptions, startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/index.js';
import { cleanEnv, startCli } from '../cli/run-cli.js';
import { AdminClient } from './admin-client.js';
import { paperConfigYaml } from './paper-config.js';

/**
 * Issue 6's acceptance, end to end, as a user runs it: the real `bot4 start` process (kill
 * switch, risk, two exchange actors, the order manager and three strategies on worker
 * threads) trading against two venue emulators that this test runs, so it can look at the
 * venues' own books: through a separate ccxt client with the default key, the emulator's
 * request observer and its matching engine's events. Everything the bot says comes from its
 * admin socket. One process serves the three steps, in order.
 */
const ORDER = 'POST /api/v3/order';
const SYMBOL = 'BTC/USDT';

interface Venue {
  emulator: RunningVenue;
  /** Our own look at the venue, as an operator would take it. */
  client: Exchange;
  /** Requests by "METHOD path". */
  requests: Map<string, number>;
  /** Venue order ids accepted per client order id (a duplicate order shows as two). */
  accepted: Map<string, Set<number>>;
}

interface OpenOrder {
  clientOrderId: string;
  strategy: number;
  intentId: number;
  venue: number;
  status: string;
  inflight: unknown;
}

interface Status {
  trading: { state: string };
  positions: { venue: number; instrument: number; qty: number }[] | null;
  openOrders: OpenOrder[] | null;
  pnl: { realised: number; unrealised: number | null; fees: number } | null;
  unavailable: string[];
}

interface Node {
  path: string;
  status: string;
  restarts: number;
  children: Node[];
}

let dir: string;
let child: ChildProcess | undefined;
let admin: AdminClient;
const venues: Venue[] = [];
let stderr = '';

async function startVenue(seed: number, basisBps: number): Promise<Venue> {
  const emulator = await startVenueEmulator({
    fees: { maker: '0.0001', taker: '0.0001' },
    market: { kind: 'simulated', seed, basisBps, commonFactor: { seed: 7, weight: 0.8 } },
  });
  const venue: Venue = {
    emulator,
    client: new ccxt.pro.binance(ccxtBinanceOptions(emulator, { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET })),
    requests: new Map(),
    accepted: new Map(),
  };
  emulator.onRequest((r) => {
    const key = `${r.method} ${r.path}`;
    venue.requests.set(key, (venue.requests.get(key) ?? 0) + 1);
  });
  emulator.venue.engine.onEvent((event) => {
    if (event.kind !== 'execution' || event.executionType !== 'NEW') return;
    const ids = venue.accepted.get(event.order.clientOrderId) ?? new Set<number>();
    ids.add(event.order.orderId);
    venue.accepted.set(event.order.clientOrderId, ids);
  });
  venues.push(venue);
  return venue;
}

function waitForBanner(proc: ChildProcess): Promise<void> {
  let out = '';
  proc.stdout!.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 60 s; stdout:\n${out}\nstderr:\n${stderr}`)), 60_000);
    proc.stdout!.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('bot4 started')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('close', (code) => reject(new Error(`bot4 start exited early with ${code}:\n${out}\n${stderr}`)));
  });
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 3000)}\n${await situation()}`);
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

/** What the bot says about itself, for a failure message: the trading state and why, each market maker's view. */
async function situation(): Promise<string> {
  const parts: string[] = [];
  try {
    const s = await status();
    parts.push(`trading: ${JSON.stringify(s.trading)}; unavailable: ${JSON.stringify(s.unavailable)}`);
  } catch (error) {
    parts.push(`status failed: ${(error as Error).message}`);
  }
  for (const path of ['root/strategies/mm-a', 'root/strategies/mm-b', 'root/safety/risk']) {
    try {
      parts.push(`${path}: ${JSON.stringify(await admin.call('actor.get', { path }))?.slice(0, 2500)}`);
    } catch (error) {
      parts.push(`${path}: ${(error as Error).message}`);
    }
  }
  return `${parts.join('\n')}\nbot4 stderr (tail):\n${stderr.slice(-3000)}`;
}

const status = () => admin.call<Status>('status');
const find = (node: Node, path: string): Node | undefined => (node.path === path ? node : node.children.map((c) => find(c, path)).find(Boolean));
const venueOpen = async (v: Venue): Promise<string[]> => (await v.client.fetchOpenOrders(SYMBOL)).map((o) => o.clientOrderId!).sort();
/** Net base bought on a venue by our account, from the venue's own trade list. */
async function venueNetQty(v: Venue): Promise<number> {
  const trades = await v.client.fetchMyTrades(SYMBOL, undefined, 1000);
  return Math.round(trades.reduce((sum, t) => sum + (t.side === 'buy' ? 1 : -1) * t.amount!, 0) * 1e5) / 1e5;
}
const positionQty = (s: Status, venue: number): number => Math.round((s.positions?.find((p) => p.venue === venue && p.instrument === 1)?.qty ?? 0) * 1e5) / 1e5;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bot4-paper-'));
  const a = await startVenue(11, 0);
  const b = await startVenue(12, 20);
  const { yaml, socket } = paperConfigYaml(dir, a.emulator, b.emulator);
  const file = join(dir, 'paper.yaml');
  writeFileSync(file, yaml);
  child = startCli(['start', '--config', file], cleanEnv());
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  await waitForBanner(child);
  admin = await AdminClient.connect(socket);
}, 90_000);

afterAll(async () => {
  admin?.close();
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child?.kill('SIGKILL'), 25_000);
    await once(child, 'close');
    clearTimeout(timer);
  }
  for (const v of venues.splice(0)) {
    await v.client.close();
    await v.emulator.close();
  }
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('paper trading: bot4 start against two emulated venues', () => {
  it('tick -> strategy -> risk -> order manager -> exchange -> emulator -> fill -> position, seen in status', async () => {
    const [a, b] = venues as [Venue, Venue];
    // B trades 20 bps above A: the arbitrage buys on A and sells on B at once (its 0.004 BTC on B).
    const traded = await until('positions on both venues', status, (s) => positionQty(s, 1) !== 0 && positionQty(s, 2) !== 0, 45_000);
    expect(traded.trading.state).toBe('ACTIVE');
    expect(traded.pnl!.fees).toBeGreaterThan(0);
    // The position in status is the venue's own account of our trades.
    await until('status positions to equal the venues\' trade lists', async () => {
      const s = await status();
      return { status: [positionQty(s, 1), positionQty(s, 2)], venues: [await venueNetQty(a), await venueNetQty(b)] };
    }, (x) => x.status[0] === x.venues[0] && x.status[1] === x.venues[1]);
    // The market makers' quotes rest on both venues, and the order manager knows them.
    const quoting = await until('quotes resting on both venues', status, (s) => [1, 2].every((v) => s.openOrders!.some((o) => o.venue === v && o.status === 'ACCEPTED')));
    expect(quoting.unavailable).toEqual([]);
  }, 60_000);

  it('a strategy killed: its earlier quotes are cancelled and its intent ids never repeat', async () => {
    const before = (await status()).openOrders!.filter((o) => o.venue === 1 && o.clientOrderId.startsWith('bot4-1-')).map((o) => o.clientOrderId);
    expect(before.length).toBeGreaterThan(0);
    expect((await admin.request('actor.kill', { path: 'root/strategies/mm-a' })).ok).toBe(true);
    await until('mm-a running again', () => admin.call<Node>('tree'), (t) => find(t, 'root/strategies/mm-a')?.restarts === 1 && find(t, 'root/strategies/mm-a')?.status === 'running');
    // Ids of the new incarnation start after the reserved block (intent_id_block 1000).
    const after = await until(
      "the old quotes gone from venue A and the new incarnation's quoting",
      async () => ({ open: await venueOpen(venues[0]!), status: await status() }),
      (x) => before.every((id) => !x.open.includes(id)) && x.status.openOrders!.some((o) => o.venue === 1 && o.strategy === 1 && o.intentId > 1000),
    );
    expect(after.status.openOrders!.filter((o) => o.strategy === 1).every((o) => o.intentId > 1000)).toBe(true);
  }, 45_000);

  it('order manager killed mid-flight: after its restart no order is duplicated or lost, and its books match the venues\'', async () => {
    const killed = await admin.request('actor.kill', { path: 'root/execution/order-manager' });
    expect(killed.ok).toBe(true);
    await until('the order manager running again', () => admin.call<Node>('tree'), (t) => find(t, 'root/execution/order-manager')?.status === 'running' && find(t, 'root/execution/order-manager')?.restarts === 1);
    await until(
      'reconciliation with both venues',
      () => admin.call<{ snapshot: { reconciliation: Record<string, string> } }>('actor.get', { path: 'root/execution/order-manager' }),
      (d) => Object.values(d.snapshot.reconciliation).every((s) => s === 'reconciled'),
    );
    // The market makers quote on both venues again before the books are frozen: comparing two
    // empty books would prove nothing.
    await until("the market makers' quotes accepted on both venues", status, (s) => [1, 2].every((v) => s.openOrders!.some((o) => o.venue === v && o.status === 'ACCEPTED')));
    // Freeze new orders (open ones stay) so the books can be compared at rest.
    await admin.call('mode.set', { mode: 'paused' });
    try {
      const compared = await until(
        "the order manager's open orders to equal each venue's",
        async () => {
          const s = await status();
          const settled = s.openOrders!.every((o) => o.inflight === null && (o.status === 'ACCEPTED' || o.status === 'PARTIALLY_FILLED'));
          const ours = [1, 2].map((venue) => s.openOrders!.filter((o) => o.venue === venue).map((o) => o.clientOrderId).sort());
          return { settled, ours, venues: [await venueOpen(venues[0]!), await venueOpen(venues[1]!)] };
        },
        (x) => x.settled && JSON.stringify(x.ours) === JSON.stringify(x.venues),
      );
      expect(compared.venues.flat().length).toBeGreaterThan(0);
      for (const v of venues) {
        const duplicated = [...v.accepted].filter(([, ids]) => ids.size > 1);
        expect(duplicated).toEqual([]);
        expect(v.accepted.size).toBeGreaterThan(0);
      }
    } finally {
      // Later steps need an ACTIVE bot even when this one fails.
      await admin.call('mode.set', { mode: 'active' });
    }
  }, 60_000);

  it('kill switch tripped with orders resting: all cancelled on both venues, no new order after', async () => {
    await until('orders resting on both venues', async () => Promise.all(venues.map(venueOpen)), (open) => open.every((ids) => ids.length > 0));
    const tripped = await admin.call<{ state: string }>('killswitch.trip', { reason: 'paper e2e: trip with orders resting' });
    expect(tripped.state).toBe('HALTED');
    await until('no open order on either venue', async () => Promise.all(venues.map(venueOpen)), (open) => open.every((ids) => ids.length === 0));
    const submitted = venues.map((v) => v.requests.get(ORDER) ?? 0);
    // The strategies keep deciding on every book for a while; nothing may reach a venue.
    await new Promise((r) => setTimeout(r, 2500));
    expect(venues.map((v) => v.requests.get(ORDER) ?? 0)).toEqual(submitted);
    expect(await Promise.all(venues.map(venueOpen))).toEqual([[], []]);
    const s = await status();
    expect(s.trading.state).toBe('HALTED');
    expect(s.openOrders).toEqual([]);
  }, 45_000);
});
