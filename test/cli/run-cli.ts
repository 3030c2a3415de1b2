/** Runs the compiled `bot4` CLI (this build's output folder) as a real child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled src/cli/main.js next to this compiled test (bin/bot4.js would load dist/ instead). */
export const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment without BOT4_* and DATABASE_URL, so the developer's own settings do not leak in;
 * the metrics endpoint and a started bot4's dashboard on any free port, so bot4 processes of tests running in parallel do not collide.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BOT4_') && k !== 'DATABASE_URL') env[k] = v;
  return { ...env, NO_COLOR: '1', BOT4_METRICS__PORT: '0', BOT4_DASHBOARD__PORT: '0', ...extra };
}

export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): ChildProcess {
  return spawn(process.execPath, [CLI_MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  const child = startCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
