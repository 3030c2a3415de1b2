/**
 * The processes `bot4 soak` runs: `bot4 venue` emulators (faults through their stdin, records
 * through their signed REST API), `bot4 start`, and a throwaway PostgreSQL server it can stop and
 * start (the database outage).
 */
import { runPostgresTool } from '../persistence/postgres-tool.js';
import { spawn, execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET } from '../../actors/venue-sim/index.js';
import type { FaultCommand } from '../../actors/venue-sim/fault-command.js';

/** The compiled `bot4` entry next to this module. */
const CLI_MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

/**
 * The environment without the caller's BOT4_* settings and DATABASE_URL: the soak sets what the bot uses;
 * its metrics endpoint on any free port, so a soak never collides with a bot4 the operator runs on 18481.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BOT4_') && k !== 'DATABASE_URL') env[k] = v;
  return { ...env, NO_COLOR: '1', BOT4_METRICS__PORT: '0', ...extra };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects a child's output, keeps its tail for error messages and lets a caller wait for a line. */
class Output {
  text = '';
  private readonly waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  private partial = '';

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.text = (this.text + chunk).slice(-20_000);
      const lines = (this.partial + chunk).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) {
        const i = this.waiters.findIndex((w) => w.test(line));
        if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(line);
      }
    });
  }

  next(test: (line: string) => boolean): Promise<string> {
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}

/** One exit listener per child, however many waits race it. */
const exits = new WeakMap<ChildProcess, Promise<unknown>>();
const exitOf = (child: ChildProcess): Promise<unknown> => {
  if (!exits.has(child)) exits.set(child, once(child, 'exit').then(([code, signal]: unknown[]) => code ?? signal));
  return exits.get(child)!;
};

async function withDeadline<T>(what: string, ms: number, work: Promise<T>, child: ChildProcess, tail: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const exited = exitOf(child).then((how) => {
    throw new Error(`${what}: the process exited (${String(how)}) first:\n${tail()}`);
  });
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms:\n${tail()}`)), ms)));
  try {
    return await Promise.race([work, exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface VenueOrderJson {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  time: number;
  status: string;
}

export interface VenueTradeJson {
  symbol: string;
  id: number;
  orderId: number;
  qty: string;
  isBuyer: boolean;
}

/** One `bot4 venue --faults-from-stdin` process. */
export class VenueProcess {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly name: string,
    readonly httpUrl: string,
    readonly wsUrl: string,
    private readonly child: ChildProcess,
    private readonly stdout: Output,
    private readonly stderr: Output,
  ) {}

  static async start(name: string, configFile: string): Promise<VenueProcess> {
    const child = spawn(process.execPath, [CLI_MAIN, 'venue', '--config', configFile, '--faults-from-stdin'], { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout = new Output(child.stdout);
    const stderr = new Output(child.stderr);
    const line = await withDeadline(`bot4 venue (${name})`, 60_000, stdout.next((l) => l.includes('REST:')), child, () => stdout.text + stderr.text);
    const httpUrl = /(http:\/\/[^\s/]+)\/api\/v3/.exec(line)![1]!;
    return new VenueProcess(name, httpUrl, httpUrl.replace(/^http/, 'ws'), child, stdout, stderr);
  }

  /** Switches a fault in the emulator; one command at a time, each answered on its stdout. */
  fault(command: FaultCommand): Promise<string> {
    const run = async (): Promise<string> => {
      const answer = this.stdout.next((l) => l.startsWith('fault-ok ') || l.startsWith('fault-error '));
      this.child.stdin!.write(`${JSON.stringify(command)}\n`);
      const line = await withDeadline(`venue ${this.name}: fault ${command.fault}`, 10_000, answer, this.child, () => this.stdout.text + this.stderr.text);
      if (line.startsWith('fault-error ')) throw new Error(`venue ${this.name}: ${line.slice('fault-error '.length)}`);
      return line.slice('fault-ok '.length);
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined); // the caller gets `next` and its failure; the queue only orders commands
    return next;
  }

  /** A signed GET on the emulator's REST API with the default local account (the one the exchange actors use). */
  async signedGet<T>(path: string, params: Record<string, string | number> = {}): Promise<T> {
    const query = new URLSearchParams({ ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])), recvWindow: '60000', timestamp: String(Date.now()) }).toString();
    const signature = createHmac('sha256', DEFAULT_API_SECRET).update(query).digest('hex');
    const response = await fetch(`${this.httpUrl}/api/v3/${path}?${query}&signature=${signature}`, { headers: { 'X-MBX-APIKEY': DEFAULT_API_KEY } });
    const body = (await response.json()) as T;
    if (!response.ok) throw new Error(`venue ${this.name}: GET ${path} answered ${response.status} ${JSON.stringify(body)}`);
    return body;
  }

  async symbols(): Promise<string[]> {
    const response = await fetch(`${this.httpUrl}/api/v3/exchangeInfo`);
    if (!response.ok) throw new Error(`venue ${this.name}: exchangeInfo answered ${response.status}`);
    return ((await response.json()) as { symbols: { symbol: string }[] }).symbols.map((s) => s.symbol);
  }

  /** Every order of the account on the symbol, page by page (allOrders by orderId). */
  async allOrders(symbol: string): Promise<VenueOrderJson[]> {
    const out: VenueOrderJson[] = [];
    for (let from = 0; ; ) {
      const page = await this.signedGet<VenueOrderJson[]>('allOrders', { symbol, orderId: from, limit: 1000 });
      out.push(...page);
      if (page.length < 1000) return out;
      from = page[page.length - 1]!.orderId + 1;
    }
  }

  /** Every trade of the account on the symbol, page by page (myTrades by fromId). */
  async myTrades(symbol: string): Promise<VenueTradeJson[]> {
    const out: VenueTradeJson[] = [];
    for (let from = 0; ; ) {
      const page = await this.signedGet<VenueTradeJson[]>('myTrades', { symbol, fromId: from, limit: 1000 });
      out.push(...page);
      if (page.length < 1000) return out;
      from = page[page.length - 1]!.id + 1;
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await once(this.child, 'exit');
    clearTimeout(timer);
  }
}

/** `bot4 start --config FILE`, started again after each SIGKILL. */
export class BotProcess {
  private child: ChildProcess | undefined;
  private stdout: Output | undefined;
  private stderr: Output | undefined;
  /** Exits nobody asked for (the soak's own SIGKILLs and SIGTERM are not counted). */
  unexpectedExits: string[] = [];
  private expectingExit = false;

  constructor(
    private readonly configFile: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, [CLI_MAIN, 'start', '--config', this.configFile], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.expectingExit = false;
    this.stdout = new Output(child.stdout);
    this.stderr = new Output(child.stderr);
    child.once('exit', (code, signal) => {
      if (!this.expectingExit && this.child === child) this.unexpectedExits.push(`bot4 start exited on its own (code ${String(code)}, signal ${String(signal)}) at ${new Date().toISOString()}:\n${this.tail()}`);
    });
    await withDeadline('bot4 start', 180_000, this.stdout.next((l) => l.includes('bot4 started')), child, () => this.tail());
  }

  tail(): string {
    return `${this.stdout?.text.slice(-3000) ?? ''}${this.stderr?.text.slice(-3000) ?? ''}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async sigkill(): Promise<void> {
    if (!this.child || !this.running) return;
    this.expectingExit = true;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Graceful shutdown (the order gate closes, open orders are cancelled); SIGKILL if it hangs. Returns the exit code. */
  async stop(timeoutMs = 60_000): Promise<number | null> {
    if (!this.child || !this.running) return this.child?.exitCode ?? null;
    this.expectingExit = true;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child!.kill('SIGKILL'), timeoutMs);
    const [code] = (await exited) as [number | null];
    clearTimeout(timer);
    return code;
  }
}

/**
 * A PostgreSQL 15 cluster in a temp folder, served only on a Unix socket there (no port to
 * collide with). initdb refuses root, so as root the cluster belongs to the `postgres` OS user.
 */
export class SoakPostgres {
  private constructor(
    readonly connectionString: string,
    private readonly run: (tool: string, args: string[]) => string,
    readonly dir: string,
    private readonly dataDir: string,
    private readonly startArgs: string[],
  ) {}

  static find(): string | null {
    const candidates: string[] = [];
    const fromPgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
    if (fromPgConfig.status === 0) candidates.push(fromPgConfig.stdout.trim());
    candidates.push('/usr/lib/postgresql/15/bin', '/usr/local/pgsql/bin');
    return candidates.find((dir) => ['initdb', 'pg_ctl', 'postgres'].every((tool) => existsSync(join(dir, tool)))) ?? null;
  }

  /** In its own temp folder: the soak's folder is private to root, and the server runs as `postgres`. */
  static async start(bindir: string): Promise<SoakPostgres> {
    const asRoot = userInfo().uid === 0;
    const dir = mkdtempSync(join(tmpdir(), 'bot4-soak-pg-'));
    if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
    const run = (tool: string, args: string[]): string => runPostgresTool(bindir, tool, args);
    const dataDir = join(dir, 'data');
    const port = 5432;
    const startArgs = ['-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses='' -c fsync=off`, 'start'];
    try {
      run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
      run('pg_ctl', startArgs);
      run('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-qAt', '-c', 'CREATE DATABASE bot4_soak']);
    } catch (error) {
      if (existsSync(join(dataDir, 'postmaster.pid'))) run('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new SoakPostgres(`postgresql://postgres@/bot4_soak?host=${dir}&port=${port}`, run, dir, dataDir, startArgs);
  }

  /** The outage: a fast shutdown terminates every connection. */
  down(): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  up(): void {
    this.run('pg_ctl', this.startArgs);
  }

  get isUp(): boolean {
    return existsSync(join(this.dataDir, 'postmaster.pid'));
  }

  destroy(): void {
    try {
      if (this.isUp) this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

export { sleep };
