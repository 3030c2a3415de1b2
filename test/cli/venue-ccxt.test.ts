import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import ccxt from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, startCli } from './run-cli.js';

/**
 * `bot4 venue` as a user runs it: a separate process, and a plain ccxt script that knows
 * only the printed URL and its own key (built by hand, as docs/venue-emulator.md shows,
 * nothing imported from bot4), trading against it.
 */
let dir: string;
let child: ChildProcess | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bot4-venue-'));
});
afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'close');
  }
  child = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function startVenue(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; port: number; exited: Promise<number | null> }> {
  child = startCli(['venue', ...args], env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const exited = new Promise<number | null>((resolve) => child!.once('close', resolve));
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (/stop:/.test(stdout)) resolve();
    };
    child!.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`bot4 venue exited early: ${stdout}${stderr}`)));
  });
  const port = Number(/REST:\s+http:\/\/127\.0\.0\.1:(\d+)\/api\/v3/.exec(stdout)![1]);
  return { stdout, port, exited };
}

type Amounts = Record<string, number>;
const free = async (exchange: ReturnType<typeof binanceAt>): Promise<Amounts> => (await exchange.fetchBalance()).free as unknown as Amounts;
const used = async (exchange: ReturnType<typeof binanceAt>): Promise<Amounts> => (await exchange.fetchBalance()).used as unknown as Amounts;

/** The few lines of the docs' "own ccxt script". */
function binanceAt(port: number, apiKey: string, secret: string) {
  return new ccxt.binance({
    apiKey,
    secret,
    httpAgent: new Agent(),
    urls: { api: { public: `http://127.0.0.1:${port}/api/v3`, private: `http://127.0.0.1:${port}/api/v3` } },
    options: { fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] } },
  });
}

describe('bot4 venue with a plain ccxt client', () => {
  it('trades with the key from --api-key, the secret from the environment and the --balance balances', async () => {
    const apiKey = 'myOwnScriptKey42';
    const secret = 'myOwnScriptSecret42';
    const { stdout, port, exited } = await startVenue(
      ['--port', '0', '--seed', '9', '--api-key', apiKey, '--secret-env', 'MY_VENUE_SECRET', '--balance', 'USDT=20000', '--balance', 'BTC=0.5', '--taker-fee', '0.002'],
      cleanEnv({ MY_VENUE_SECRET: secret }),
    );
    expect(stdout).toContain('api key:  myOw… (16 characters) (from --api-key)');
    expect(stdout).toContain('secret:   from $MY_VENUE_SECRET');
    expect(stdout).toContain('balances: USDT 20000, BTC 0.5');
    expect(stdout).toContain('market:     simulated (seed 9)');
    expect(stdout).not.toContain(apiKey);
    expect(stdout).not.toContain(secret);

    const exchange = binanceAt(port, apiKey, secret);
    await exchange.loadMarkets();
    expect(await free(exchange)).toMatchObject({ USDT: 20000, BTC: 0.5 });

    const book = await exchange.fetchOrderBook('BTC/USDT', 5);
    const bestBid = book.bids[0]![0]!;
    const resting = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, Math.floor(bestBid * 0.5));
    expect((await exchange.fetchOrder(resting.id!, 'BTC/USDT')).status).toBe('open');
    expect((await exchange.fetchOpenOrders('BTC/USDT')).map((o) => o.id)).toEqual([resting.id]);
    expect((await used(exchange)).USDT).toBeGreaterThan(0);
    await exchange.cancelOrder(resting.id!, 'BTC/USDT');
    expect((await exchange.fetchOrder(resting.id!, 'BTC/USDT')).status).toBe('canceled');
    expect(await exchange.fetchOpenOrders('BTC/USDT')).toEqual([]);

    const fill = await exchange.createOrder('BTC/USDT', 'market', 'buy', 0.01);
    expect(fill.status).toBe('closed');
    expect(fill.filled).toBe(0.01);
    const after = await free(exchange);
    expect(after.BTC).toBeCloseTo(0.5 + 0.01 * (1 - 0.002), 10);
    expect(after.USDT).toBeCloseTo(20000 - fill.cost!, 6);
    expect(after.USDT).toBeLessThan(20000);
    const trades = await exchange.fetchMyTrades('BTC/USDT');
    expect(trades.map((t) => t.order)).toEqual(trades.map(() => fill.id));

    // The WebSocket half of the docs' script: ccxt.pro with the two ws URLs.
    const pro = new ccxt.pro.binance({
      apiKey, secret, httpAgent: new Agent(),
      urls: { api: { public: `http://127.0.0.1:${port}/api/v3`, private: `http://127.0.0.1:${port}/api/v3`, ws: { spot: `ws://127.0.0.1:${port}/stream/ws`, 'ws-api': { spot: `ws://127.0.0.1:${port}/ws-api/v3` } } } },
      options: { fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] } },
    });
    try {
      await pro.loadMarkets();
      expect((await pro.watchOrderBook('BTC/USDT')).asks.length).toBeGreaterThan(0);
    } finally {
      await pro.close();
    }

    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('runs from --config FILE (accounts with secretEnv or secret, fees, faults), never printing a secret', async () => {
    const file = join(dir, 'venue.yaml');
    writeFileSync(
      file,
      [
        'accounts:',
        '  - { name: alice, apiKey: aliceKey0001, secretEnv: ALICE_SECRET, balances: { USDT: 500 } }',
        '  - { name: bob, apiKey: bobKey000001, secret: bobSecret01, balances: { BTC: 2 } }',
        'fees: { maker: 0, taker: 0.0005 }',
        'market: { kind: simulated, seed: 4 }',
        'faults: { latencyMs: 5 }',
        '',
      ].join('\n'),
    );
    const { stdout, port } = await startVenue(['--config', file, '--port', '0'], cleanEnv({ ALICE_SECRET: 'aliceSecret1' }));
    expect(stdout).toContain('account:    alice');
    expect(stdout).toContain('secret:   from $ALICE_SECRET');
    expect(stdout).toContain(`secret:   from ${file}: accounts.1.secret`);
    expect(stdout).toContain('faults:     latencyMs 5');
    expect(stdout).not.toMatch(/aliceSecret1|bobSecret01/);
    const bob = binanceAt(port, 'bobKey000001', 'bobSecret01');
    expect((await free(bob)).BTC).toBe(2);
    const alice = binanceAt(port, 'aliceKey0001', 'aliceSecret1');
    expect((await free(alice)).USDT).toBe(500);
  });

  it('names every bad flag and file value and exits 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'accounts:\n  - { apiKey: short, secret: s, balances: { USDT: "-5" } }\nmarket: { kind: replay, files: [missing.gz] }\nfaults: { dropConnections: { everyMs: 1 } }\n');
    const bad = await runCli(['venue', '--config', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bot4 venue: invalid emulator configuration:');
    expect(bad.stderr).toContain(`replay file ${join(dir, 'missing.gz')}: no such file`);

    const flags = await runCli(['venue', '--balance', 'usdt=5', '--maker-fee', 'lots', '--api-key', 'x!', '--secret-env', 'UNSET_SECRET_VAR'], cleanEnv());
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain('--balance must be ASSET=AMOUNT with an upper-case asset, e.g. USDT=1000, got "usdt=5"');
    expect(flags.stderr).toContain('--maker-fee must be a decimal rate such as 0.001 (0.1 %), got "lots"');
    expect(flags.stderr).toContain('--api-key must be 8 to 128 letters or digits');
    expect(flags.stderr).toContain('--secret-env UNSET_SECRET_VAR: the environment variable is not set');

    const schema = join(dir, 'schema.yaml');
    writeFileSync(schema, 'accounts:\n  - { apiKey: short, secret: s, balances: { USDT: "-5" } }\nfaults: { dropConnections: { everyMs: 1 } }\n');
    const paths = await runCli(['venue', '--config', schema]);
    expect(paths.code).toBe(2);
    expect(paths.stderr).toContain(`${schema}: accounts.0.apiKey: must be 8 to 128 letters or digits`);
    expect(paths.stderr).toContain(`${schema}: accounts.0.secret: must be at least 8 characters`);
    expect(paths.stderr).toContain(`${schema}: accounts.0.balances.USDT: must be a non-negative decimal`);
    expect(paths.stderr).toContain(`${schema}: faults.dropConnections.everyMs:`);

    const missing = await runCli(['venue', '--config', join(dir, 'nowhere.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--config ${join(dir, 'nowhere.yaml')}: cannot read it (ENOENT)`);
  });

  it('--help lists the account, config and replay options', async () => {
    const { code, stdout } = await runCli(['venue', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--config FILE', '--api-key KEY', '--secret-env NAME', '--balance ASSET=AMT', '--maker-fee R', '--replay FILE', '--speed X', 'bot4LocalVenueKey']) expect(stdout).toContain(flag);
  });
});
