/**
 * Trip -> cancel requests at every venue: from the start of an admin trip to the moment
 * the last venue receives its cancel-all request. Real runtime (kill switch + one exchange
 * actor per venue, ccxt), two venue emulators on loopback, each with a resting order;
 * times from the emulators' request observers (wall-clock ms, same process clock).
 */
import ccxt, { type Exchange } from 'ccxt';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, ccxtBinanceOptions, startVenueEmulator, type RunningVenue } from '../actors/venue-sim/index.js';
import { TradingState } from '../src/domain/messages.js';
import { Runtime } from '../src/runtime/runtime.js';
import { parseTreeSpec } from '../src/runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../src/safety/gpio-panel.js';
import { summarizeLatency, type LatencySummary } from './latency-stats.js';

const CANCEL_ALL = 'DELETE /api/v3/openOrders';
const wallMs = (): number => performance.timeOrigin + performance.now();

export async function measureTripToCancels(opts: { rounds: number }): Promise<LatencySummary> {
  const dir = mkdtempSync(join(tmpdir(), 'bot4-bench-trip-'));
  const venues: { emulator: RunningVenue; client: Exchange; lastCancelAt: number }[] = [];
  let runtime: Runtime | undefined;
  try {
    for (let i = 0; i < 2; i++) {
      const emulator = await startVenueEmulator({ market: { kind: 'none' } });
      const client = new ccxt.pro.binance(ccxtBinanceOptions(emulator, { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET }));
      const venue = { emulator, client, lastCancelAt: 0 };
      emulator.onRequest((r) => {
        if (`${r.method} ${r.path}` === CANCEL_ALL) venue.lastCancelAt = r.atMs;
      });
      venues.push(venue);
    }
    const exchanges = venues.map((v, i) => ({
      name: `exchange-${i}`,
      actor: 'exchange',
      wait: 'park',
      start_timeout_ms: 60_000,
      heartbeat_timeout_ms: 15_000,
      config: { venue_id: i + 1, emulator: { http_url: v.emulator.httpUrl, ws_url: v.emulator.wsUrl }, instruments: [{ id: 7, symbol: 'BTC/USDT' }] },
    }));
    runtime = await Runtime.start({
      tree: parseTreeSpec({
        name: 'bench',
        strategy: 'one_for_one',
        children: [
          { name: 'kill-switch', actor: 'kill-switch', sends: exchanges.map((e) => e.name), config: { state_file: join(dir, 'kill-switch.json'), dead_man_timeout_ms: 0 } },
          ...exchanges,
        ],
      }),
      seed: 1,
      logger: pino({ level: 'silent' }),
      logLevel: 'silent',
      gpio: gpioConfigSchema.parse({ mode: 'off' }),
      shutdownDeadlineMs: 20_000,
      cancelOpenOrdersOnExit: false,
    });
    const samples = new Float64Array(opts.rounds);
    for (let round = 0; round < opts.rounds; round++) {
      if (runtime.gate.read() === TradingState.HALTED) await runtime.killswitchReset(`bench round ${round}`);
      await Promise.all(venues.map((v) => v.client.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 20_000 + round)));
      const trippedAt = wallMs();
      await runtime.killswitchTrip(`bench round ${round}`);
      await waitUntil(() => venues.every((v) => v.lastCancelAt >= trippedAt), 20_000);
      samples[round] = Math.max(...venues.map((v) => v.lastCancelAt)) - trippedAt;
    }
    return summarizeLatency(samples, 'ms', 'admin trip -> the last of 2 venues receives its cancel-all request (real exchange actors, loopback)');
  } finally {
    await runtime?.shutdown('bench over');
    for (const v of venues) {
      await v.client.close();
      await v.emulator.close();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('trip -> cancels bench: a venue never received its cancel-all request');
    await new Promise((r) => setTimeout(r, 1));
  }
}
