/** A real `bot4 start` process for CLI tests: its config in a scratch folder, its output captured. */
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { cleanEnv, startCli } from './run-cli.js';

/** The compiled test actor module of `kind` (test/fixtures/actors/<kind>.ts). */
export const fixtureActor = (kind: string): string => fileURLToPath(new URL(`../fixtures/actors/${kind}.js`, import.meta.url));

export interface Bot4Process {
  readonly dir: string;
  readonly socket: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far. */
  stdout(): string;
  stderr(): string;
  /** The JSON log lines of logs/ (read now). */
  logLines(): Record<string, unknown>[];
  /** Resolves with the exit code once the process has exited (or null and the signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stderr contains `text` (rejects if the process exits first or after `timeoutMs`). */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
  /** SIGKILLs the process if it still runs and removes the scratch folder. */
  dispose(): Promise<void>;
}

/**
 * Writes `bot4.yaml` from `yaml(dir)` (dir is the scratch folder, for socket, logs and
 * state files), starts `bot4 start --config` on it and waits for the startup banner.
 * The YAML must set admin.socket_path to `<dir>/run/bot4.sock` and logging.dir to `<dir>/logs`.
 */
export async function startBot4(yaml: (dir: string) => string, bannerTimeoutMs = 60_000): Promise<Bot4Process> {
  const dir = mkdtempSync(join(tmpdir(), 'bot4-cli-'));
  const file = join(dir, 'bot4.yaml');
  writeFileSync(file, yaml(dir));
  const child = startCli(['start', '--config', file], cleanEnv());
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (t: string) => {
    out += t;
    listeners.forEach((l) => l());
  });
  child.stderr!.setEncoding('utf8').on('data', (t: string) => {
    err += t;
    listeners.forEach((l) => l());
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));

  const until = (what: string, met: () => boolean, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      let settled = false;
      const done = (error?: Error): void => {
        if (settled) return;
        settled = true;
        listeners.delete(check);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (met()) done();
      };
      const timer = setTimeout(() => done(new Error(`no ${what} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
      listeners.add(check);
      void exited.then(({ code, signal }) => {
        if (!met()) done(new Error(`bot4 start exited (${code ?? signal}) before ${what}\nstdout:\n${out}\nstderr:\n${err}`));
      });
      check();
    });

  const bot4: Bot4Process = {
    dir,
    socket: join(dir, 'run', 'bot4.sock'),
    child,
    stdout: () => out,
    stderr: () => err,
    logLines() {
      const logs = join(dir, 'logs');
      return readdirSync(logs).flatMap((name) =>
        readFileSync(join(logs, name), 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      );
    },
    exited,
    waitForStderr: (text, timeoutMs = 30_000) => until(`"${text}" on stderr`, () => err.includes(text), timeoutMs),
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await until('startup banner', () => out.includes('bot4 started'), bannerTimeoutMs);
  } catch (error) {
    await bot4.dispose();
    throw error;
  }
  return bot4;
}
