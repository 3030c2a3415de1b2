/**
 * Issue 11, section 4: "a restart of the default paper tree keeps the bot's positions equal to
 * the venues'". The real `bot4 start` with the venues inside it (venue-sim actors, as in
 * config/default.yaml) and a data folder in a temp dir: it trades until it holds positions,
 * then is stopped (SIGTERM) and started again, then killed (SIGKILL) and started again. After
 * each start the bot's positions (risk's view, `bot4 ctl status`) must equal the net of the
 * venue's own trade list, per venue and instrument, exactly; the venue's trade ids go on from
 * where they were; and fills made after the restart are booked by the bot, not dropped as
 * duplicates of trade ids it saw before.
 */
import ccxt, { type Exchange, type Trade } from 'ccxt';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUnits } from '../../src/domain/money.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, ccxtBinanceOptions } from '../../actors/venue-sim/index.js';
import { cleanEnv, startCli } from '../cli/run-cli.js';
import { AdminClient } from './admin-client.js';
import { paperConfigYaml } from './paper-config.js';
import { waitForBanner, type Status } from './paper-rig.js';

const SYMBOLS = [
  { symbol: 'BTC/USDT', instrument: 1 },
  { symbol: 'ETH/USDT', instrument: 2 },
] as const;
/** Quantities are compared in the instruments' smallest step (1e-5 BTC, 1e-4 ETH): exact, as integers. */
const STEP_DECIMALS = 5;
const STEPS = 10 ** STEP_DECIMALS;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const steps = (qty: number): number => Math.round(qty * STEPS);

interface VenueView {
  /** Net base bought per instrument id, in steps. */
  net: Record<number, number>;
  /** The highest trade id per symbol (0 when none). */
  maxTradeId: Record<string, number>;
  trades: number;
}

async function venueView(client: Exchange): Promise<VenueView> {
  const view: VenueView = { net: {}, maxTradeId: {}, trades: 0 };
  for (const { symbol, instrument } of SYMBOLS) {
    const trades: Trade[] = await client.fetchMyTrades(symbol, undefined, 1000);
    view.net[instrument] = trades.reduce((sum, t) => sum + (t.side === 'buy' ? 1 : -1) * steps(t.amount!), 0);
    view.maxTradeId[symbol] = trades.reduce((max, t) => Math.max(max, Number(t.id)), 0);
    view.trades += trades.length;
  }
  return view;
}

/** Risk's position, decimal text at the step's precision, in steps, exactly. */
const botNet = (status: Status, venue: number, instrument: number): number =>
  Number(parseUnits(status.positions?.find((p) => p.venue === venue && p.instrument === instrument)?.qty ?? '0', STEP_DECIMALS));

class TreeVenuesBot {
  private child: ChildProcess | undefined;
  admin: AdminClient | undefined;
  readonly clients: Exchange[];
  stderr = '';

  constructor(readonly dir: string, readonly configFile: string, readonly socket: string, ports: readonly number[]) {
    this.clients = ports.map((port) => new ccxt.pro.binance(ccxtBinanceOptions(
      { httpUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` },
      { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET },
    )));
  }

  async start(): Promise<void> {
    this.stderr = '';
    const child = startCli(['start', '--config', this.configFile], cleanEnv());
    this.child = child;
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (this.stderr += t));
    await waitForBanner(child, () => this.stderr, 150_000);
    this.admin = await AdminClient.connect(this.socket);
  }

  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    this.admin?.close();
    this.admin = undefined;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const closed = once(child, 'close');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await closed;
    clearTimeout(timer);
  }

  status(): Promise<Status> {
    return this.admin!.call<Status>('status');
  }

  /** The bot's positions and both venues' trade lists, read twice around the venues' so that a fill in between shows. */
  async compare(): Promise<{ equal: boolean; bot: Record<number, number>[]; venues: VenueView[] }> {
    const first = await this.status();
    const venues = [await venueView(this.clients[0]!), await venueView(this.clients[1]!)];
    const second = await this.status();
    const bot = [1, 2].map((venue) => Object.fromEntries(SYMBOLS.map(({ instrument }) => [instrument, botNet(second, venue, instrument)])));
    const steady = [1, 2].every((venue) => SYMBOLS.every(({ instrument }) => botNet(first, venue, instrument) === botNet(second, venue, instrument)));
    const equal = steady && venues.every((view, i) => SYMBOLS.every(({ instrument }) => view.net[instrument] === bot[i]![instrument]));
    return { equal, bot, venues };
  }

  /** Polls `probe` until `ok`; a probe that throws (a venue still starting) counts as not yet. */
  async until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | string;
    for (;;) {
      try {
        last = await probe();
        if (ok(last)) return last;
      } catch (error) {
        last = `probe failed: ${(error as Error).message}`;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 3000)}\nbot4 stderr (tail):\n${this.stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async close(): Promise<void> {
    await this.stop('SIGTERM');
    for (const client of this.clients) await client.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let bot: TreeVenuesBot;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bot4-venue-restart-'));
  const ports = [await freePort(), await freePort()];
  const urls = ports.map((port) => ({ httpUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` }));
  const { yaml, socket } = paperConfigYaml(dir, urls[0]!, urls[1]!, {
    recorder: true,
    treeVenues: { portA: ports[0]!, portB: ports[1]!, stateDir: join(dir, 'venues') },
    // Quotes near the mid (as in config/default.yaml), so resting quotes keep filling after each
    // restart: the new fills the test waits for. (Flatten on halt stays off: with it on, this
    // test's runs found both sides flat after the SIGTERM restart, so nothing was left to compare.)
    // A wider inventory limit keeps both sides quoting while the arbitrage holds its positions.
    marketMakerParams: { gamma: 0.004, requoteThresholdTicks: 400, maxInventory: 0.02 },
  });
  const file = join(dir, 'paper.yaml');
  writeFileSync(file, yaml);
  bot = new TreeVenuesBot(dir, file, socket, ports);
  await bot.start();
}, 200_000);

afterAll(async () => {
  await bot?.close();
}, 60_000);

describe('a restart of the paper tree with its venues inside keeps the bot\'s positions equal to the venues\'', () => {
  it('after SIGTERM and after SIGKILL: positions equal the venues\' trade lists, trade ids go on, new fills are booked', async () => {
    await bot.until('positions on both venues', () => bot.status(), (s) => botNet(s, 1, 1) !== 0 && botNet(s, 2, 1) !== 0, 90_000);
    const before = await bot.until('positions to equal the venues\' trade lists', () => bot.compare(), (c) => c.equal);

    let previous = before;
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      await bot.stop(signal);
      await bot.start();
      const after = await bot.until(`after ${signal} and a start: positions to equal the venues' trade lists`, () => bot.compare(), (c) => c.equal);
      // The venue kept its trades: its trade list is at least what it was before the stop.
      for (let v = 0; v < 2; v++) {
        expect(after.venues[v]!.trades, `venue ${v + 1} trade count after ${signal}`).toBeGreaterThanOrEqual(previous.venues[v]!.trades);
        for (const { symbol } of SYMBOLS) expect(after.venues[v]!.maxTradeId[symbol]).toBeGreaterThanOrEqual(previous.venues[v]!.maxTradeId[symbol]!);
      }
      // New fills on the restarted venues (trade ids above every id before the stop) are booked: positions still equal.
      const newer = await bot.until(`after ${signal}: a new fill on a venue, booked by the bot`, () => bot.compare(),
        (c) => c.equal && c.venues.some((view, v) => SYMBOLS.some(({ symbol }) => view.maxTradeId[symbol]! > after.venues[v]!.maxTradeId[symbol]!)), 240_000);
      expect(newer.bot.some((net) => Object.values(net).some((q) => q !== 0))).toBe(true);
      previous = newer;
    }
  }, 900_000);
});
