/**
 * The tree of the crash-recovery test: the default tree's shape (kill switch, risk, two exchange
 * actors, the order manager, a recorder, strategies) against two emulators the test runs, every
 * path in the test's folder. The market maker on A quotes once and never requotes (its quotes rest);
 * the arbitrage fires at once (B trades 20 bps above A) and leaves positions on both venues. The
 * recorder is not wired by hand: the runtime connects the order manager, risk and the kill switch to it.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface VenueUrls {
  httpUrl: string;
  wsUrl: string;
}

const INSTRUMENTS = [
  { id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tick_size: 0.01, step_size: 0.00001, min_qty: 0.00001, max_qty: 9000, min_notional: 5 },
];

const exchange = (name: string, venue: number, urls: VenueUrls, marketPeers: string[]) => ({
  name: `venue-${name}`,
  strategy: 'one_for_one',
  isolated: true,
  children: [
    {
      name: `exchange-${name}`,
      actor: 'exchange',
      wait: 'park',
      start_timeout_ms: 60_000,
      heartbeat_timeout_ms: 15_000,
      sends: ['order-manager', 'risk', ...marketPeers],
      ring_bytes: 262_144,
      full_policy: 'drop-newest',
      config: {
        venue_id: venue,
        emulator: { http_url: urls.httpUrl, ws_url: urls.wsUrl },
        instruments: [{ id: 1, symbol: 'BTC/USDT' }],
        routes: { market_data: ['risk', ...marketPeers], reports: ['order-manager'] },
      },
    },
  ],
});

export function crashRecoveryConfigYaml(dir: string, a: VenueUrls, b: VenueUrls): { yaml: string; socket: string; journal: string; killSwitchFile: string } {
  const socket = join(dir, 'run', 'bot4.sock');
  const journal = join(dir, 'order-manager.jsonl');
  const killSwitchFile = join(dir, 'kill-switch.json');
  const config = {
    runtime: { seed: 9, shutdown_deadline_ms: 20_000 },
    admin: { socket_path: socket },
    logging: { dir: join(dir, 'logs'), console: 'json', level: 'info' },
    killswitch: { gpio: { mode: 'off' } },
    database: { data_dir: join(dir, 'pglite') },
    tree: {
      name: 'root',
      strategy: 'one_for_one',
      children: [
        {
          name: 'safety',
          strategy: 'one_for_all',
          children: [
            { name: 'kill-switch', actor: 'kill-switch', sends: ['order-manager', 'exchange-a', 'exchange-b', 'risk'], config: { state_file: killSwitchFile } },
            {
              name: 'risk',
              actor: 'risk',
              sends: ['order-manager', 'kill-switch', 'mm-a', 'arbitrage'],
              config: {
                instruments: INSTRUMENTS,
                capital: { '1': 100_000, '2': 100_000 },
                limits: {
                  max_order_notional: 2000, max_position_notional: 5000, max_gross_exposure: 20_000, max_open_orders: 20,
                  submit_rate: { burst: 20, per_second: 10 }, price_band_bps: 200, max_quote_age_ms: 5000, max_spread_bps: 50,
                },
                panics: {
                  max_drawdown: 0.05, max_daily_loss: 1000, stop_loss_bps: 500, max_slippage_bps: 100, stale_quote_ms: 15_000,
                  spread_blowout_bps: 200, api_errors: { max: 50, window_ms: 60_000 },
                },
              },
            },
          ],
        },
        { name: 'venues', strategy: 'one_for_one', children: [exchange('a', 1, a, ['mm-a', 'arbitrage']), exchange('b', 2, b, ['arbitrage'])] },
        {
          name: 'execution',
          strategy: 'rest_for_one',
          children: [
            {
              name: 'order-manager',
              actor: 'order-manager',
              sends: ['exchange-a', 'exchange-b', 'risk', 'mm-a', 'arbitrage'],
              ring_bytes: 262_144,
              full_policy: 'drop-newest',
              config: { venues: { '1': 'exchange-a', '2': 'exchange-b' }, strategy_peers: ['mm-a', 'arbitrage'], instruments: INSTRUMENTS, journal_file: journal },
            },
            {
              name: 'recorder',
              actor: 'recorder',
              wait: 'park',
              config: {
                venues: { '1': 'venue-a', '2': 'venue-b' },
                instruments: INSTRUMENTS,
                strategies: { '1': 'mm-a', '2': 'arbitrage' },
                spool_path: join(dir, 'recorder-spool.jsonl'),
              },
            },
          ],
        },
        {
          name: 'strategies',
          strategy: 'one_for_one',
          isolated: true,
          children: [
            {
              name: 'mm-a',
              actor: 'strategy',
              sends: ['risk'],
              config: {
                strategy_id: 1,
                strategy: 'avellaneda-stoikov',
                venues: [1],
                instruments: INSTRUMENTS,
                state_file: join(dir, 'strategy-mm-a.json'),
                params: {
                  venue: 1, instrument: 1, gamma: 0.05, k: 1, horizon: { kind: 'rolling', seconds: 60 }, sigmaSampleMs: 200, minSigmaSamples: 5,
                  orderQty: 0.001, maxInventory: 0.005, requoteThresholdTicks: 100_000_000, maxBookAgeMs: 3000,
                },
              },
            },
            {
              name: 'arbitrage',
              actor: 'strategy',
              sends: ['risk'],
              config: {
                strategy_id: 2,
                strategy: 'cross-venue-arbitrage',
                venues: [1, 2],
                instruments: INSTRUMENTS,
                state_file: join(dir, 'strategy-arbitrage.json'),
                timer_ms: 500,
                allocation: { positions: [{ venue: 2, instrument: 1, qty: 0.004 }], quote: { '1': 1000 } },
                params: { instrument: 1, venueA: 1, venueB: 2, takerFeeBpsA: 1, takerFeeBpsB: 1, minEdgeBps: 2, maxNotional: 150, maxBookAgeMs: 2000, legTimeoutMs: 3000 },
              },
            },
          ],
        },
      ],
    },
  };
  return { yaml: stringify(config), socket, journal, killSwitchFile };
}
