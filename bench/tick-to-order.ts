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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Runtime } from '../src/runtime/runtime.js';
import { parseTreeSpec } from '../src/runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../src/safety/gpio-panel.js';
import { summarizeLatency, type LatencySummary } from './latency-stats.js';

export interface TickToOrderResult {
  quick: boolean;
  ticks: number;
  latency: LatencySummary;
}

const INSTRUMENTS = [{ id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tick_size: 0.01, step_size: 0.00001, min_qty: 0.00001, min_notional: 5 }];
/** Ticks before measuring: the market maker needs a few mid samples for its volatility. */
const WARMUP_TICKS = 20;

/** `ticks` overrides the size (the orchestrator's smoke test runs a few dozen). */
export async function runTickToOrderBench({ quick, ticks: requested }: { quick: boolean; ticks?: number }): Promise<TickToOrderResult> {
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
    const samples = new Float64Array(ticks);
    for (let i = 0; i < ticks; i++) {
      const latencyUs = await tick(WARMUP_TICKS + i, 2000);
      if (latencyUs === null) throw new Error(`tick-to-order bench: tick ${i} produced no SUBMIT within 2 s (is the gate open, did risk reject?)`);
      samples[i] = latencyUs;
    }
    return {
      quick,
      ticks,
      latency: summarizeLatency(
        samples,
        'µs',
        'BookTop written into the exchange end\'s output rings (risk, then strategy) -> the first SUBMIT OrderCommand read from the order manager\'s ring at the exchange end; strategy (Avellaneda-Stoikov), risk and order manager are the real actors on worker threads (spin-then-park), one tick at a time, no network',
      ),
    };
  } finally {
    await runtime?.shutdown('bench over');
    rmSync(dir, { recursive: true, force: true });
  }
}
