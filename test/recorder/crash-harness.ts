/**
 * The crash tests' harness: two venue emulators, a config in a temp folder (crash-recovery-config.ts)
 * with an initialised PGlite folder, and the real `bot4 start` process, started, SIGKILLed and started
 * again on the same folder.
 */
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/index.js';
import { cleanEnv, startCli } from '../cli/run-cli.js';
import { pgliteTemplate } from '../helpers/backends.js';
import { AdminClient } from '../paper/admin-client.js';
import { crashRecoveryConfigYaml } from './crash-recovery-config.js';

export class CrashHarness {
  private child: ChildProcess | undefined;
  private client: AdminClient | undefined;
  private stderr = '';

  private constructor(
    readonly dir: string,
    private readonly emulators: RunningVenue[],
    private readonly configFile: string,
    private readonly socket: string,
    readonly journal: string,
    readonly killSwitchFile: string,
  ) {}

  static async create(): Promise<CrashHarness> {
    const dir = mkdtempSync(join(tmpdir(), 'bot4-crash-'));
    // An initialised PGlite folder (a fresh one costs an initdb of 3-25 s): the database starts empty.
    cpSync(await pgliteTemplate(), join(dir, 'pglite'), { recursive: true });
    const emulators: RunningVenue[] = [];
    for (const [seed, basisBps] of [[21, 0], [22, 20]] as const) {
      emulators.push(await startVenueEmulator({ fees: { maker: '0.0001', taker: '0.0001' }, market: { kind: 'simulated', seed, basisBps, commonFactor: { seed: 7, weight: 0.8 } } }));
    }
    const built = crashRecoveryConfigYaml(dir, emulators[0]!, emulators[1]!);
    const configFile = join(dir, 'bot4.yaml');
    writeFileSync(configFile, built.yaml);
    return new CrashHarness(dir, emulators, configFile, built.socket, built.journal, built.killSwitchFile);
  }

  get admin(): AdminClient {
    if (!this.client) throw new Error('bot4 is not running');
    return this.client;
  }

  /** Starts `bot4 start` and connects to its admin socket once it says it started. */
  async start(): Promise<void> {
    this.stderr = '';
    const proc = startCli(['start', '--config', this.configFile], cleanEnv());
    this.child = proc;
    proc.stderr!.setEncoding('utf8').on('data', (t: string) => (this.stderr += t));
    let out = '';
    proc.stdout!.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within 60 s; stdout:\n${out.slice(-3000)}\nstderr:\n${this.stderr}`)), 60_000);
      proc.stdout!.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('bot4 started')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('close', (code) => reject(new Error(`bot4 start exited early with ${code}:\n${out.slice(-3000)}\n${this.stderr}`)));
    });
    this.client = await AdminClient.connect(this.socket);
  }

  /** The crash: no shutdown, no flush, no journal close. */
  async crash(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    const proc = this.child!;
    const closed = once(proc, 'close');
    proc.kill('SIGKILL');
    await closed;
    this.child = undefined;
  }

  async close(): Promise<void> {
    this.client?.close();
    const child = this.child;
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      await once(child, 'close');
      clearTimeout(timer);
    }
    for (const e of this.emulators.splice(0)) await e.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 3000)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await probe();
  }
  return last;
}

interface RecorderSnapshot {
  queueDepth: number;
  written: number;
  unmatched: number;
  refused: number;
  degraded: boolean;
}

export const recorderOf = async (admin: AdminClient): Promise<RecorderSnapshot> =>
  (await admin.call<{ snapshot: RecorderSnapshot }>('actor.get', { path: 'root/execution/recorder' })).snapshot;
