/**
 * The real `bot4 start` process against two venue emulators this test process runs, so a test
 * can look at the venues' own books: through a separate ccxt client with the default key, the
 * emulator's request observer and its matching engine's events. Everything the bot says comes
 * from its admin socket.
 */
import ccxt, { type Exchange } from 'ccxt';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, ccxtBinanceOptions, startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/index.js';
import { cleanEnv, startCli } from '../cli/run-cli.js';
import { AdminClient } from './admin-client.js';
import { paperConfigYaml, type PaperConfig, type PaperOptions } from './paper-config.js';

export const ORDER = 'POST /api/v3/order';
const BANNER_TIMEOUT_MS = 180_000;
export const SYMBOL = 'BTC/USDT';

export interface Venue {
  emulator: RunningVenue;
  /** Our own look at the venue, as an operator would take it. */
  client: Exchange;
  /** Requests by "METHOD path". */
  requests: Map<string, number>;
  /** Venue order ids accepted per client order id (a duplicate order shows as two). */
  accepted: Map<string, Set<number>>;
}

export interface OpenOrder {
  clientOrderId: string;
  strategy: number;
  intentId: number;
  venue: number;
  status: string;
  inflight: unknown;
}

export interface Status {
  trading: { state: string; reason: string };
  /** Risk's figures are decimal text at the instrument's precision. */
  positions: { venue: number; instrument: number; qty: string }[] | null;
  openOrders: OpenOrder[] | null;
  pnl: { realised: string; unrealised: string | null; fees: string } | null;
  unavailable: string[];
}

export interface TreeNode {
  path: string;
  status: string;
  restarts: number;
  children: TreeNode[];
}

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
  return venue;
}

export const findNode = (node: TreeNode, path: string): TreeNode | undefined => (node.path === path ? node : node.children.map((c) => findNode(c, path)).find(Boolean));
export const venueOpen = async (v: Venue): Promise<string[]> => (await v.client.fetchOpenOrders(SYMBOL)).map((o) => o.clientOrderId!).sort();
/** Net base bought on a venue by our account, from the venue's own trade list. */
export async function venueNetQty(v: Venue): Promise<number> {
  const trades = await v.client.fetchMyTrades(SYMBOL, undefined, 1000);
  return Math.round(trades.reduce((sum, t) => sum + (t.side === 'buy' ? 1 : -1) * t.amount!, 0) * 1e5) / 1e5;
}
export const positionQty = (s: Status, venue: number): number => Number(s.positions?.find((p) => p.venue === venue && p.instrument === 1)?.qty ?? 0);

/** Runs as soon as the admin socket file appears, while `bot4 start` is still starting. */
export type AtSocket = (socketPath: string) => Promise<unknown>;

export class PaperRig {
  private constructor(
    readonly dir: string,
    readonly venues: [Venue, Venue],
    readonly config: PaperConfig,
    private adminClient: AdminClient,
    private child: ChildProcess,
    private readonly output: { stderr: string; stdout: string },
    private readonly env: Record<string, string> = {},
  ) {}

  /** What the current `bot4 start` wrote on stdout (its banner). */
  get stdout(): string {
    return this.output.stdout;
  }

  /** The admin client of the current `bot4 start` process. */
  get admin(): AdminClient {
    return this.adminClient;
  }

  /**
   * Venue A and B (B's simulated market trades 20 bps above A's), then `bot4 start` on them.
   * `atSocket` runs the moment the admin socket exists, before the runtime has started.
   */
  static async start(options: PaperOptions = {}, atSocket?: AtSocket): Promise<PaperRig> {
    const dir = mkdtempSync(join(tmpdir(), 'bot4-paper-'));
    const venues: Venue[] = [];
    let child: ChildProcess | undefined;
    try {
      venues.push(await startVenue(11, 0), await startVenue(12, 20));
      const config = paperConfigYaml(dir, venues[0]!.emulator, venues[1]!.emulator, options);
      writeFileSync(join(dir, 'paper.yaml'), config.yaml);
      const output = { stderr: '', stdout: '' };
      child = launch(dir, output, options.env);
      await untilStarted(child, config.socket, output, atSocket);
      return new PaperRig(dir, venues as [Venue, Venue], config, await AdminClient.connect(config.socket), child, output, options.env);
    } catch (error) {
      child?.kill('SIGKILL');
      for (const v of venues) {
        await v.client.close();
        await v.emulator.close();
      }
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Stops `bot4 start` (SIGTERM, a graceful shutdown; `whileStopping` runs as it begins) and starts it again on the same folder. */
  async restart(whileStopping?: (admin: AdminClient) => Promise<unknown>, atSocket?: AtSocket): Promise<{ code: number | null; during: unknown }> {
    const closed = once(this.child, 'close');
    this.child.kill('SIGTERM');
    const during = await whileStopping?.(this.adminClient);
    this.adminClient.close();
    const [code] = (await closed) as [number | null];
    this.output.stderr = '';
    this.output.stdout = '';
    this.child = launch(this.dir, this.output, this.env);
    await untilStarted(this.child, this.config.socket, this.output, atSocket);
    this.adminClient = await AdminClient.connect(this.config.socket);
    return { code, during };
  }

  status(): Promise<Status> {
    return this.admin.call<Status>('status');
  }

  async until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = await probe();
    while (!ok(last)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 3000)}\n${await this.situation()}`);
      await new Promise((r) => setTimeout(r, 200));
      last = await probe();
    }
    return last;
  }

  /** What the bot says about itself, for a failure message: the trading state and why, each market maker's and risk's view. */
  async situation(): Promise<string> {
    const parts: string[] = [];
    try {
      const s = await this.status();
      parts.push(`trading: ${JSON.stringify(s.trading)}; unavailable: ${JSON.stringify(s.unavailable)}`);
    } catch (error) {
      parts.push(`status failed: ${(error as Error).message}`);
    }
    for (const path of ['root/strategies/mm-a', 'root/strategies/mm-b', 'root/safety/risk', 'root/execution/order-manager']) {
      try {
        parts.push(`${path}: ${JSON.stringify(await this.admin.call('actor.get', { path }))?.slice(0, 2500)}`);
      } catch (error) {
        parts.push(`${path}: ${(error as Error).message}`);
      }
    }
    return `${parts.join('\n')}\nbot4 stderr (tail):\n${this.output.stderr.slice(-3000)}`;
  }

  async close(): Promise<void> {
    this.admin.close();
    if (this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 25_000);
      await once(this.child, 'close');
      clearTimeout(timer);
    }
    for (const v of this.venues) {
      await v.client.close();
      await v.emulator.close();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function launch(dir: string, output: { stderr: string; stdout: string }, env: Record<string, string> = {}): ChildProcess {
  const child = startCli(['start', '--config', join(dir, 'paper.yaml')], cleanEnv(env));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (output.stderr += t));
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (output.stdout += t));
  return child;
}

/** The banner, and `atSocket`'s work if given (run the moment the socket file appears). */
async function untilStarted(child: ChildProcess, socket: string, output: { stderr: string }, atSocket?: AtSocket): Promise<void> {
  const banner = waitForBanner(child, () => output.stderr);
  if (atSocket) {
    // A leftover socket of the previous process is gone once it exited; poll for the new one.
    while (!existsSync(socket)) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    await atSocket(socket);
  }
  await banner;
}

/** Waits for `bot4 start`'s banner: an embedded database's first start (recorder: true) alone takes up to a minute on a loaded machine. */
export function waitForBanner(proc: ChildProcess, stderr: () => string, timeoutMs = BANNER_TIMEOUT_MS): Promise<void> {
  let out = '';
  proc.stdout!.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within ${timeoutMs / 1000} s; stdout:\n${out}\nstderr:\n${stderr()}`)), timeoutMs);
    proc.stdout!.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('bot4 started')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('close', (code) => reject(new Error(`bot4 start exited early with ${code}:\n${out}\n${stderr()}`)));
  });
}
