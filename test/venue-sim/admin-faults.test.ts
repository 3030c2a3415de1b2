import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ccxtBinanceOptions } from '../../actors/venue-sim/ccxt-connection.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET } from '../../actors/venue-sim/options.js';
import type { VenueHealth } from '../../src/admin/backend.js';
import { AdminClient } from '../../src/admin/client.js';
import type { Reply } from '../../src/admin/protocol.js';
import { startAdminServer, type AdminServer } from '../../src/admin/server.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { parseTreeSpec } from '../../src/runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../../src/safety/gpio-panel.js';
import { runCli, cleanEnv } from '../cli/run-cli.js';

/**
 * Fault injection by an admin call, end to end: admin socket -> runtime (actor.invoke, with
 * its allow-list) -> the venue-sim actor's `fault` control -> the emulator. Each effect is
 * observed from outside: by unmodified ccxt, or by an exchange actor in the same tree,
 * whose health the `status` command reports (latency, reconnects, last message age).
 */
const SIM = 'root/paper/sim';
const EXCHANGE = 'root/venues/exchange';
const STALE_AFTER_MS = 700;

let dir: string;
let runtime: Runtime;
let admin: AdminServer;
let client: AdminClient;
let httpUrl: string;
let socketPath: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const ignoreCcxtRejection = (): void => undefined;
beforeAll(async () => {
  process.on('unhandledRejection', ignoreCcxtRejection);
  dir = mkdtempSync(join(tmpdir(), 'bot4-faults-'));
  const port = await freePort();
  httpUrl = `http://127.0.0.1:${port}`;
  runtime = await Runtime.start({
    tree: parseTreeSpec({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        { name: 'paper', strategy: 'one_for_one', children: [{ name: 'sim', actor: 'venue-sim', wait: 'park', config: { port, market: { kind: 'simulated', seed: 41, stepMs: 40 } } }] },
        {
          name: 'venues',
          strategy: 'one_for_one',
          children: [
            {
              name: 'exchange',
              actor: 'exchange',
              wait: 'park',
              start_timeout_ms: 60_000,
              heartbeat_timeout_ms: 15_000,
              config: {
                venue_id: 1,
                emulator: { http_url: httpUrl, ws_url: `ws://127.0.0.1:${port}` },
                instruments: [{ id: 1, symbol: 'BTC/USDT' }],
                stale_after_ms: STALE_AFTER_MS,
                ws_ping_ms: 200,
                reconnect: { min_ms: 100, max_ms: 1000, jitter: 0.2 },
                rate_limit_backoff: { min_ms: 200, max_ms: 1000, jitter: 0.2 },
              },
            },
          ],
        },
      ],
    }),
    seed: 5,
    logger: pino({ level: 'silent' }),
    logLevel: 'error',
    gpio: gpioConfigSchema.parse({ mode: 'off' }),
    shutdownDeadlineMs: 20_000,
    cancelOpenOrdersOnExit: false,
  });
  socketPath = join(dir, 'run', 'bot4.sock');
  admin = await startAdminServer({ socketPath, maxLineBytes: 65_536, idleTimeoutMs: 60_000, maxClients: 8, subscriberBacklogBytes: 1 << 20, backend: runtime });
  client = await AdminClient.connect(socketPath);
  await waitFor(() => invoke(EXCHANGE, 'health'), (h) => (h.result as Health).books.BTCUSDT?.live === true, 'a live book on the exchange actor');
}, 90_000);

afterAll(async () => {
  client?.close();
  await admin?.close();
  await runtime?.shutdown('test over');
  rmSync(dir, { recursive: true, force: true });
  process.off('unhandledRejection', ignoreCcxtRejection);
}, 60_000);

interface Health {
  books: Record<string, { live: boolean; gaps: number; snapshots: number }>;
  market: { reconnects: number; stale: boolean };
}

const invoke = (path: string, method: string, args: unknown = {}): Promise<Reply & { result?: unknown }> =>
  client.requestReply('actor.invoke', { path, method, args });
const fault = async (args: Record<string, unknown>): Promise<unknown> => {
  const reply = await invoke(SIM, 'fault', args);
  if (!reply.ok) throw new Error(`fault ${JSON.stringify(args)} refused: ${reply.error.message}`);
  return reply.result;
};
const health = async (): Promise<Health> => (await invoke(EXCHANGE, 'health')).result as Health;
const venueStatus = async (): Promise<VenueHealth> => (await client.request('status', {})).venues![0]!;

async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; last: ${JSON.stringify(value).slice(0, 1500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function ccxtClient(): InstanceType<typeof ccxt.binance> {
  return new ccxt.binance(ccxtBinanceOptions({ httpUrl, wsUrl: httpUrl.replace('http', 'ws') }, { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET }));
}

describe('actor.invoke: what the admin may call', () => {
  it('refuses controls outside the allow-list, supervisors, unknown paths and bad fault args, each with its code', async () => {
    const internal = await invoke(EXCHANGE, 'cancelAll', { reason: 'x' });
    expect(internal).toMatchObject({ ok: false, error: { code: 'not_allowed', message: `${EXCHANGE}: "cancelAll" is not an admin control of exchange actors (allowed: health)` } });
    expect(await invoke('root/venues', 'health')).toMatchObject({ ok: false, error: { code: 'bad_args' } });
    expect(await invoke('root/nowhere', 'fault')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const bad = await invoke(SIM, 'fault', { fault: 'reject', status: 503 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'control_failed' } });
    expect((bad as { error: { message: string } }).error.message).toMatch(new RegExp(`^${SIM} fault: venue fault: status: `));
    const badJson = await client.requestReply('actor.invoke', { path: SIM, method: 'no such method!' });
    expect(badJson).toMatchObject({ ok: false, error: { code: 'bad_args' } });
  });
});

describe('faults by admin call, observed from outside', () => {
  it('latency: REST replies come at least that late; clear takes it away', async () => {
    const exchange = ccxtClient();
    expect(await fault({ fault: 'latency', ms: 400 })).toMatchObject({ fault: 'latency', faults: { latencyMs: 400 } });
    const started = performance.now();
    await exchange.fetchTime();
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    await fault({ fault: 'clear' });
    expect(((await client.request('actor.get', { path: SIM })).snapshot as { faults: { latencyMs: number } }).faults.latencyMs).toBe(0);
  });

  // Without a count: the exchange actor in the tree may make a REST call at any moment and take a counted rejection.
  it('reject 429, then 418: ccxt raises DDoSProtection until the fault is cleared', async () => {
    const exchange = ccxtClient();
    await fault({ fault: 'reject', status: 429 });
    await expect(exchange.fetchTime()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    expect(await fault({ fault: 'reject', status: 418 })).toMatchObject({ faults: { rejecting: { status: 418, remaining: 'all' } } });
    await expect(exchange.fetchTime()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    await fault({ fault: 'clear' });
    expect(await exchange.fetchTime()).toBeGreaterThan(0);
  });

  it('clock-offset: signed requests get -1021 (ccxt InvalidNonce) until cleared', async () => {
    const exchange = ccxtClient();
    await exchange.loadMarkets();
    await fault({ fault: 'clock-offset', ms: 120_000 });
    await expect(exchange.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    await fault({ fault: 'clear' });
    expect(((await exchange.fetchBalance()).free as unknown as Record<string, number>).USDT).toBeGreaterThan(0);
  });

  it('skip-depth: the exchange actor sees the gap and resyncs', async () => {
    const before = await health();
    await fault({ fault: 'skip-depth', symbol: 'BTCUSDT' });
    await waitFor(health, (h) => h.books.BTCUSDT!.gaps > before.books.BTCUSDT!.gaps && h.books.BTCUSDT!.live && h.books.BTCUSDT!.snapshots > before.books.BTCUSDT!.snapshots, 'a gap and a new snapshot');
  });

  it('drop: the exchange actor reconnects, and status counts the reconnect', async () => {
    const before = await venueStatus();
    const result = (await fault({ fault: 'drop', kind: 'market' })) as { dropped: number };
    expect(result.dropped).toBeGreaterThanOrEqual(1);
    const after = await waitFor(venueStatus, (v) => v.reconnects > before.reconnects && v.status.startsWith('market live'), 'a reconnect in status');
    expect(after.reconnects).toBeGreaterThanOrEqual(before.reconnects + 1); // a loaded box may add a stale-feed recycle
  });

  it('silence: the feed goes quiet, status shows the venue stale and the message age; resume makes it fresh', async () => {
    await fault({ fault: 'silence' });
    const stale = await waitFor(venueStatus, (v) => v.stale, 'the venue stale in status');
    expect(stale.lastMessageAgeMs).toBeGreaterThanOrEqual(STALE_AFTER_MS);
    expect(stale.status).toMatch(/^market (stale|disconnected)/);
    await fault({ fault: 'resume' });
    const fresh = await waitFor(venueStatus, (v) => !v.stale && v.status.startsWith('market live'), 'the venue fresh again');
    expect(fresh.lastMessageAgeMs).toBeLessThan(STALE_AFTER_MS);
  });
});

describe('status: venue health', () => {
  it('reports REST and WS round trips (p50/p99), reconnects, last message age and errors per venue', async () => {
    const venues = (await client.request('status', {})).venues!;
    expect(venues).toHaveLength(1);
    const venue = venues[0]!;
    expect(venue.name).toBe(`${EXCHANGE} (venue 1)`);
    expect(venue.latency.rest.count).toBeGreaterThan(0);
    expect(venue.latency.rest.p50Ms).toBeGreaterThan(0);
    expect(venue.latency.rest.p99Ms).toBeGreaterThanOrEqual(venue.latency.rest.p50Ms!);
    expect(venue.latency.ws.count).toBeGreaterThan(0);
    expect(venue.latency.ws.p99Ms).toBeGreaterThanOrEqual(venue.latency.ws.p50Ms!);
    expect(venue.reconnects).toBeGreaterThanOrEqual(1);
    expect(venue.lastMessageAgeMs).toBeGreaterThanOrEqual(0);
    expect(venue.errors.gap).toBeGreaterThanOrEqual(1);
  });
});

describe('bot4 ctl fault / invoke (the real CLI process)', () => {
  const ctl = (...args: string[]) => runCli(['ctl', '--socket', socketPath, ...args], cleanEnv());

  it('injects a fault and prints what is on', async () => {
    const { code, stdout, stderr } = await ctl('fault', SIM, 'reject', '429');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`${SIM}: fault reject applied; now {"latencyMs":0,"clockOffsetMs":0,"silentFeed":false,"rejecting":{"status":429,"remaining":"all"}`);
    await expect(ccxtClient().fetchTime()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    const negative = await ctl('fault', SIM, 'clock-offset', '--', '-5000');
    expect(negative.code).toBe(0);
    expect(negative.stdout).toContain('"clockOffsetMs":-5000');
    expect((await ctl('fault', SIM, 'clear')).code).toBe(0);
  });

  it('invoke calls an allowed control with JSON args and prints the answer', async () => {
    const { code, stdout } = await ctl('invoke', EXCHANGE, 'health');
    expect(code).toBe(0);
    // The step before rejected requests with 429: the book may still be resyncing, live or not.
    expect(JSON.parse(stdout)).toMatchObject({ venue: 1, target: 'emulator', books: { BTCUSDT: { live: expect.any(Boolean) } } });
  });

  it('fails with exit 1 and the reason when the runtime refuses; exit 2 for bad usage', async () => {
    const refused = await ctl('fault', SIM, 'latency', '9999999');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('control_failed');
    expect(refused.stderr).toContain('ms: ');
    const unknown = await ctl('fault', SIM, 'flood');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown fault "flood"; faults: latency <ms>');
    const notNumber = await ctl('fault', SIM, 'latency', 'fast');
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toContain('ms must be a number, got "fast"');
    const badJson = await ctl('invoke', SIM, 'fault', '{fault:');
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('ctl invoke: the args are not JSON');
  });
});
