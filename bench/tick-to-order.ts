/**
 * Tick -> order: from a book top entering the exchange actor's output rings to the order
 * manager's SUBMIT command arriving where the exchange actor reads it, through the real
 * strategy actor (Avellaneda–Stoikov market maker), the real risk actor (every pre-trade check)
 * and the real order manager (gate, lifecycle, write-ahead journal), each on its own worker
 * thread, with the kill switch holding the gate open. No network: a bench actor stands in
 * for the exchange actor's ring ends (bench/actors/tick-venue.ts), publishing the top to risk
 * and the strategy and answering the order manager like a venue.
 *
 * Each tick moves the mid 50 USDT away from the last, so the market maker replaces both
 * quotes: cancel + submit per side; the sample is the first SUBMIT. Ticks go one at a time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { Runtime } from '../src/runtime/runtime.js';
import { parseTreeSpec } from '../src/runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../src/safety/gpio-panel.js';
import { summarizeLatency, type LatencySummary } from './latency-stats.js';

export interface TickToOrderResult {
  quick: boolean;
  ticks: number;
  latency: LatencySummary;
  /** With `dashboard`: the same ticks, half measured with no page open and half with one connected, blocks in ABBA order. */
  dashboard?: DashboardComparison;
}

export interface DashboardComparison {
  /** The dashboard server runs; no page is connected (it samples the session every 5 s). */
  closed: LatencySummary;
  /** A page is connected: the model is rebuilt every `refreshMs` and sent to it. */
  open: LatencySummary;
  refreshMs: number;
  /** Snapshots the connected page received, and how long the open blocks lasted. */
  framesReceived: number;
  openMs: number;
}

/**
 * Closed/open blocks in ABBA order (closed, open, open, closed, …), so drift (JIT, caches, the box's
 * other load) and position (each block warmed by the one before) fall on both alike.
 */
const DASHBOARD_ORDER = ['closed', 'open', 'open', 'closed', 'closed', 'open', 'open', 'closed'] as const;
const DASHBOARD_BLOCKS = DASHBOARD_ORDER.length;
const DASHBOARD_REFRESH_MS = 500;

const INSTRUMENTS = [{ id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tick_size: 0.01, step_size: 0.00001, min_qty: 0.00001, min_notional: 5 }];
/** Ticks before measuring: the market maker needs a few mid samples for its volatility. */
const WARMUP_TICKS = 20;

const METHOD =
  'BookTop written into the exchange end\'s output rings (risk, then strategy) -> the first SUBMIT OrderCommand read from the order manager\'s ring at the exchange end; strategy (Avellaneda-Stoikov), risk and order manager are the real actors on worker threads (spin-then-park), one tick at a time, no network';

/**
 * The dashboard's cost on the order path: a dashboard server on this runtime (as `bot4 start` runs
 * it), measured in blocks with no page and with one connected page (a WebSocket client in this
 * process that parses every snapshot, as a browser would), in ABBA order.
 */
async function compareWithDashboard(
  runtime: Runtime,
  ticks: number,
  measure: (first: number, count: number, into: Float64Array, at: number) => Promise<void>,
): Promise<{ latency: LatencySummary; dashboard: DashboardComparison }> {
  const { startDashboard } = await import('../src/dashboard/server.js');
  const token = randomBytes(24).toString('base64url');
  const server = await startDashboard({
    host: '127.0.0.1', port: 0, token, allowTrip: false, refreshMs: DASHBOARD_REFRESH_MS, source: runtime, databaseUrl: () => runtime.databaseUrl, logger: pino({ level: 'silent' }),
  });
  const perBlock = Math.floor(ticks / DASHBOARD_BLOCKS);
  const closed = new Float64Array(perBlock * (DASHBOARD_BLOCKS / 2));
  const open = new Float64Array(perBlock * (DASHBOARD_BLOCKS / 2));
  let framesReceived = 0;
  let openMs = 0;
  try {
    const filled = { closed: 0, open: 0 };
    for (const [block, kind] of DASHBOARD_ORDER.entries()) {
      const at = filled[kind];
      filled[kind] += perBlock;
      if (kind === 'closed') {
        await measure(block * perBlock, perBlock, closed, at);
        continue;
      }
      const page = new WebSocket(`${server.origin.replace('http', 'ws')}/feed`, { headers: { Authorization: `Bearer ${token}` } });
      page.on('message', (data: Buffer) => {
        JSON.parse(data.toString('utf8'));
        framesReceived += 1;
      });
      await new Promise((resolve, reject) => {
        page.once('message', resolve);
        page.once('error', reject);
      });
      const started = performance.now();
      await measure(block * perBlock, perBlock, open, at);
      openMs += performance.now() - started;
      page.close();
      await new Promise((resolve) => page.once('close', resolve));
    }
  } finally {
    await server.close('bench over');
  }
  const all = new Float64Array(closed.length + open.length);
  all.set(closed);
  all.set(open, closed.length);
  return {
    latency: summarizeLatency(all, 'µs', METHOD),
    dashboard: {
      closed: summarizeLatency(closed, 'µs', `${METHOD}; dashboard server running, no page connected (blocks of ${perBlock} ticks, ABBA order with the open ones)`),
      open: summarizeLatency(open, 'µs', `${METHOD}; one dashboard page connected, a snapshot every ${DASHBOARD_REFRESH_MS} ms (blocks of ${perBlock} ticks, ABBA order with the closed ones)`),
      refreshMs: DASHBOARD_REFRESH_MS,
      framesReceived,
      openMs: Math.round(openMs),
    },
  };
}

/** `ticks` overrides the size (the orchestrator's smoke test runs a few dozen). */
export async function runTickToOrderBench({ quick, ticks: requested, dashboard }: { quick: boolean; ticks?: number; dashboard?: boolean }): Promise<TickToOrderResult> {
  const ticks = requested ?? (quick ? 300 : 3000);
  const dir = mkdtempSync(join(tmpdir(), 'bot4-bench-tick-'));
  let runtime: Runtime | undefined;
  try {
    runtime = await Runtime.start({
      tree: parseTreeSpec({
        name: 'bench',
        strategy: 'one_for_one',
        children: [
          { name: 'kill-switch', actor: 'kill-switch', sends: ['order-manager', 'risk'], config: { state_file: join(dir, 'kill-switch.json'), dead_man_timeout_ms: 0 } },
          { name: 'venue', actor: 'tick-venue', sends: ['risk', 'strategy', 'order-manager'], config: { venue: 1, instrument: 1, market: ['risk', 'strategy'], orderManager: 'order-manager' } },
          {
            name: 'risk',
            actor: 'risk',
            sends: ['order-manager', 'kill-switch', 'strategy'],
            config: {
              instruments: INSTRUMENTS,
              capital: { '1': 1_000_000 },
              limits: {
                max_order_notional: 10_000, max_position_notional: 100_000, max_gross_exposure: 1_000_000, max_open_orders: 100,
                submit_rate: { burst: 1_000_000, per_second: 1_000_000 }, price_band_bps: 200, max_quote_age_ms: 5000, max_spread_bps: 50,
              },
              panics: {
                max_drawdown: 0.5, max_daily_loss: 1_000_000, stop_loss_bps: 5000, max_slippage_bps: 5000, stale_quote_ms: 60_000,
                spread_blowout_bps: 5000, api_errors: { max: 1000, window_ms: 1000 },
              },
            },
          },
          {
            name: 'order-manager',
            actor: 'order-manager',
            sends: ['venue', 'risk', 'strategy'],
            config: { venues: { '1': 'venue' }, strategy_peers: ['strategy'], instruments: INSTRUMENTS, journal_file: join(dir, 'orders.jsonl') },
          },
          {
            name: 'strategy',
            actor: 'strategy',
            sends: ['risk'],
            config: {
              strategy_id: 1,
              strategy: 'avellaneda-stoikov',
              venues: [1],
              instruments: INSTRUMENTS,
              state_file: join(dir, 'strategy.json'),
              timer_ms: 60_000,
              params: {
                venue: 1, instrument: 1, gamma: 0.0001, k: 1, horizon: { kind: 'rolling', seconds: 1 }, sigmaSampleMs: 1000, minSigmaSamples: 5,
                orderQty: 0.001, maxInventory: 0.01, requoteThresholdTicks: 1, maxBookAgeMs: 5000,
              },
            },
          },
        ],
      }),
      seed: 1,
      logger: pino({ level: 'silent' }),
      logLevel: 'silent',
      gpio: gpioConfigSchema.parse({ mode: 'off' }),
      shutdownDeadlineMs: 20_000,
      cancelOpenOrdersOnExit: false,
      actorModules: { 'tick-venue': new URL('./actors/tick-venue.js', import.meta.url).href },
    });
    const rt = runtime;
    const tick = (i: number, timeoutMs: number) =>
      rt.invoke('bench/venue', 'tick', { mid: i % 2 === 0 ? 60_000 : 60_050, exchangeTsMs: 1_700_000_000_000 + i * 1000, timeoutMs }, timeoutMs + 5000) as Promise<number | null>;
    for (let i = 0; i < WARMUP_TICKS; i++) await tick(i, 300);
    const measure = async (first: number, count: number, into: Float64Array, at: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const latencyUs = await tick(WARMUP_TICKS + first + i, 2000);
        if (latencyUs === null) throw new Error(`tick-to-order bench: tick ${first + i} produced no SUBMIT within 2 s (is the gate open, did risk reject?)`);
        into[at + i] = latencyUs;
      }
    };
    if (dashboard) return { quick, ticks, ...(await compareWithDashboard(rt, ticks, measure)) };
    const samples = new Float64Array(ticks);
    await measure(0, ticks, samples, 0);
    return { quick, ticks, latency: summarizeLatency(samples, 'µs', METHOD) };
  } finally {
    await runtime?.shutdown('bench over');
    rmSync(dir, { recursive: true, force: true });
  }
}
