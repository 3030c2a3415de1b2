import ccxt, { type Exchange } from 'ccxt';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, ccxtBinanceOptions } from '../../actors/venue-sim/index.js';
import { runCli, startCli } from './run-cli.js';

describe('bot4 venue', () => {
  it('serves the emulator on the printed URL and stops with exit code 0 on SIGTERM', async () => {
    const child = startCli(['venue', '--port', '0', '--seed', '5']);
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    const exited = new Promise<number | null>((r) => child.once('close', r));
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (/REST:\s+\S+/.test(stdout)) resolve();
      };
      child.stdout!.on('data', check);
      child.once('close', () => reject(new Error(`venue exited early: ${stdout}`)));
    });
    const rest = /REST:\s+(\S+)/.exec(stdout)![1]!;
    const ping = await fetch(`${rest}/ping`);
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({});
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad port with exit code 2', async () => {
    const { code, stderr } = await runCli(['venue', '--port', 'http']);
    expect(code).toBe(2);
    expect(stderr).toContain('--port must be an integer from 0 to 65535, got "http"');
  });
});

describe('bot4 venue --state-dir', () => {
  /** Starts `bot4 venue` and resolves with its REST URL once the banner is out. */
  async function startVenueProcess(args: string[]): Promise<{ child: ChildProcess; stdout: () => string; rest: string; exited: Promise<number | null> }> {
    const child = startCli(['venue', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const exited = new Promise<number | null>((r) => child.once('close', r));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', () => {
        if (/faults:/.test(stdout)) resolve();
      });
      child.once('close', () => reject(new Error(`venue exited early: ${stdout}${stderr}`)));
    });
    return { child, stdout: () => stdout, rest: /REST:\s+(\S+)\/api\/v3/.exec(stdout)![1]!, exited };
  }

  const client = (rest: string): Exchange =>
    new ccxt.binance(ccxtBinanceOptions({ httpUrl: rest, wsUrl: rest.replace('http', 'ws') }, { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET }));

  it('a venue killed with SIGKILL comes back with its trades, open orders and balances, and its ids go on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot4-venue-cli-state-'));
    try {
      const stateDir = join(dir, 'state');
      const first = await startVenueProcess(['--port', '0', '--seed', '5', '--state-dir', stateDir]);
      expect(first.stdout()).toContain(`state:      kept in ${stateDir}`);
      const a = client(first.rest);
      const bought = await a.createOrder('BTC/USDT', 'market', 'buy', 0.01);
      const resting = await a.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 1000);
      const trades = await a.fetchMyTrades('BTC/USDT');
      const balance = (await a.fetchBalance()) as unknown as Record<string, { free: number; used: number }>;
      first.child.kill('SIGKILL');
      await first.exited;

      const second = await startVenueProcess(['--port', '0', '--seed', '5', '--state-dir', stateDir]);
      try {
        expect(second.stdout()).toContain(`state:      restored from ${stateDir}`);
        const b = client(second.rest);
        expect((await b.fetchMyTrades('BTC/USDT')).map((t) => [t.id, t.order, t.amount, t.price])).toEqual(trades.map((t) => [t.id, t.order, t.amount, t.price]));
        expect((await b.fetchOpenOrders('BTC/USDT')).map((o) => o.id)).toEqual([resting.id]);
        const after = (await b.fetchBalance()) as unknown as Record<string, { free: number; used: number }>;
        expect([after.BTC, after.USDT]).toEqual([balance.BTC, balance.USDT]);
        const next = await b.createOrder('BTC/USDT', 'market', 'buy', 0.01);
        expect(Number(next.id)).toBe(Number(resting.id) + 1);
        const newTrades = await b.fetchMyTrades('BTC/USDT');
        expect(Math.min(...newTrades.filter((t) => t.order === next.id).map((t) => Number(t.id)))).toBeGreaterThan(Math.max(...trades.map((t) => Number(t.id))));
        expect(bought.id).not.toBe(next.id);
      } finally {
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a --state-dir that is a file with exit code 2 naming the option', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot4-venue-cli-state-'));
    try {
      const file = join(dir, 'not-a-folder');
      writeFileSync(file, 'x');
      const { code, stderr } = await runCli(['venue', '--state-dir', file]);
      expect(code).toBe(2);
      expect(stderr).toContain(`--state-dir ${file}: exists and is not a folder`);
      const empty = await runCli(['venue', '--state-dir', '']);
      expect(empty.code).toBe(2);
      expect(empty.stderr).toContain('--state-dir must name a folder');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a damaged state file stops the start (exit 1) naming the file, rather than starting empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot4-venue-cli-state-'));
    try {
      writeFileSync(join(dir, 'state.json'), '{"v":1,"seq":');
      const { code, stderr } = await runCli(['venue', '--port', '0', '--state-dir', dir]);
      expect(code).toBe(1);
      expect(stderr).toContain(`venue state ${join(dir, 'state.json')}: not valid JSON`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
