/**
 * A paper-trading config for tests: the default tree's shape (safety, venues, execution,
 * strategies) against two emulators the test runs itself, with every path in a temp folder.
 * Strategies: the arbitrage between A and B (B's simulated market trades 20 bps above A, so
 * it fires at once, as a taker), and a market maker on each venue quoting far from the mid
 * (its quotes rest, so there are open orders on both venues).
 */
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface PaperVenueUrls {
  httpUrl: string;
  wsUrl: string;
}

const INSTRUMENTS = [
  { id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tick_size: 0.01, step_size: 0.00001, min_qty: 0.00001, max_qty: 9000, min_notional: 5 },
  { id: 2, symbol: 'ETHUSDT', base: 'ETH', quote: 'USDT', tick_size: 0.01, step_size: 0.0001, min_qty: 0.0001, max_qty: 9000, min_notional: 5 },
];

const marketMaker = (name: string, id: number, venue: number, dir: string, overrides: Record<string, unknown>) => ({
  name,
  actor: 'strategy',
  sends: ['risk'],
  config: {
    strategy_id: id,
    strategy: 'avellaneda-stoikov',
    venues: [venue],
    instruments: INSTRUMENTS,
    state_file: join(dir, `strategy-${name}.json`),
    params: {
      venue, instrument: 1, gamma: 0.05, k: 1, horizon: { kind: 'rolling', seconds: 60 }, sigmaSampleMs: 200, minSigmaSamples: 5,
      orderQty: 0.001, maxInventory: 0.005, requoteThresholdTicks: 1000, maxBookAgeMs: 10_000,
      ...overrides,
    },
  },
});

const exchange = (name: string, venue: number, urls: PaperVenueUrls, marketPeers: string[]) => ({
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
      sends: [{ to: 'order-manager', full_policy: 'block' }, 'risk', ...marketPeers],
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

export interface PaperOptions {
  /** The kill switch's flatten_on_halt: on HALTED, close our positions with reduce-only market orders. */
  flattenOnHalt?: boolean;
  /** A recorder on an embedded PGlite database in the test folder (the runtime wires the order manager, risk and kill switch to it). */
  recorder?: boolean;
  /** Venues with a market maker (mm-a on 1, mm-b on 2); default both. */
  marketMakerVenues?: ReadonlyArray<1 | 2>;
  /** Avellaneda–Stoikov parameters over the defaults (gamma 0.05, requote on a 1000-tick = 10 USDT move, ...). */
  marketMakerParams?: Record<string, unknown>;
  seed?: number;
  /** The kill switch's GPIO panel: off (default) or simulated (pressed with `gpio.press`). */
  gpio?: 'off' | 'simulated';
  /**
   * Run the two venues inside `bot4 start` as venue-sim actors (the default tree's
   * `paper-venues`) on these ports, instead of emulators the test runs: what a restart of the
   * default paper tree restarts. `stateDir` is where each keeps its state (a folder per venue).
   */
  treeVenues?: { portA: number; portB: number; stateDir?: string };
  /** Top-level config sections added as they are (metrics, alerts, ...). */
  extra?: Record<string, unknown>;
  /** Environment variables for `bot4 start` (secrets the extra sections name). */
  env?: Record<string, string>;
}

export interface PaperConfig {
  yaml: string;
  socket: string;
  journal: string;
  killSwitchFile: string;
}

export function paperConfigYaml(dir: string, a: PaperVenueUrls, b: PaperVenueUrls, options: PaperOptions = {}): PaperConfig {
  const socket = join(dir, 'run', 'bot4.sock');
  const journal = join(dir, 'order-manager.jsonl');
  const killSwitchFile = join(dir, 'kill-switch.json');
  const makers = [
    { name: 'mm-a', id: 1, venue: 1 as const },
    { name: 'mm-b', id: 4, venue: 2 as const },
  ].filter((m) => (options.marketMakerVenues ?? [1, 2]).includes(m.venue));
  const strategies = [...makers.map((m) => m.name), 'arbitrage'];
  const marketPeers = (venue: number) => [...makers.filter((m) => m.venue === venue).map((m) => m.name), 'arbitrage'];
  const recorder = {
    name: 'recorder',
    actor: 'recorder',
    wait: 'park',
    config: {
      venues: { '1': 'venue-a', '2': 'venue-b' },
      instruments: INSTRUMENTS,
      strategies: Object.fromEntries([...makers.map((m) => [String(m.id), m.name]), ['2', 'arbitrage']]),
      spool_path: join(dir, 'recorder-spool.jsonl'),
    },
  };
  const venueSim = (name: string, port: number, seed: number, basisBps: number, stateDir: string | undefined) => ({
    name: `venue-sim-${name}`,
    actor: 'venue-sim',
    wait: 'park',
    config: {
      port,
      fees: { maker: '0.0001', taker: '0.0001' },
      market: { kind: 'simulated', seed, basisBps, commonFactor: { seed: 7, weight: 0.8 } },
      ...(stateDir !== undefined && { stateDir: join(stateDir, `venue-sim-${name}`) }),
    },
  });
  const tree = options.treeVenues;
  const paperVenues = tree && {
    name: 'paper-venues',
    strategy: 'one_for_one',
    children: [venueSim('a', tree.portA, 11, 0, tree.stateDir), venueSim('b', tree.portB, 12, 20, tree.stateDir)],
  };
  const config = {
    runtime: { seed: options.seed ?? 5, shutdown_deadline_ms: 20_000 },
    admin: { socket_path: socket },
    ...(options.recorder && { database: { data_dir: join(dir, 'pglite') } }),
    logging: { dir: join(dir, 'logs'), console: 'json', level: 'info' },
    killswitch: { gpio: { mode: options.gpio ?? 'off' } },
    tree: {
      name: 'root',
      strategy: 'one_for_one',
      children: [
        {
          name: 'safety',
          strategy: 'one_for_all',
          children: [
            { name: 'kill-switch', actor: 'kill-switch', sends: ['order-manager', 'exchange-a', 'exchange-b', 'risk'], config: { state_file: killSwitchFile, flatten_on_halt: options.flattenOnHalt ?? false } },
            {
              name: 'risk',
              actor: 'risk',
              // With a recorder it restores positions from the database first: slow on a loaded machine.
              start_timeout_ms: 60_000,
              sends: ['order-manager', 'kill-switch', ...strategies],
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
        ...(paperVenues ? [paperVenues] : []),
        { name: 'venues', strategy: 'one_for_one', children: [exchange('a', 1, a, marketPeers(1)), exchange('b', 2, b, marketPeers(2))] },
        {
          name: 'execution',
          strategy: 'rest_for_one',
          // Down long enough that intents and reports queue up for the next incarnation.
          backoff: { min_ms: 1500, max_ms: 1500, random_factor: 0 },
          children: [
            {
              name: 'order-manager',
              actor: 'order-manager',
              sends: ['exchange-a', 'exchange-b', 'risk', ...strategies.map((to) => ({ to, full_policy: 'drop-newest' }))],
              ring_bytes: 262_144,
              full_policy: 'block',
              config: {
                venues: { '1': 'exchange-a', '2': 'exchange-b' },
                strategy_peers: strategies,
                instruments: INSTRUMENTS,
                journal_file: journal,
              },
            },
            ...(options.recorder ? [recorder] : []),
          ],
        },
        {
          name: 'strategies',
          strategy: 'one_for_one',
          isolated: true,
          children: [
            ...makers.map((m) => marketMaker(m.name, m.id, m.venue, dir, options.marketMakerParams ?? {})),
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
  return { yaml: stringify({ ...config, ...options.extra }), socket, journal, killSwitchFile };
}
