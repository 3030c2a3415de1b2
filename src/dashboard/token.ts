/**
 * The dashboard's access token: one per data folder, in a file only its owner can read (0600),
 * created with 32 random bytes on the first start and reused after, so a bookmarked URL keeps
 * working across restarts. BOT4_DASHBOARD_TOKEN overrides the file (a secret from the
 * environment), and is required when the dashboard listens beyond loopback.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The environment variable that sets the token (not a config override: it has no `__`). */
export const TOKEN_ENV = 'BOT4_DASHBOARD_TOKEN';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{24,256}$/;
const OTHERS_MASK = 0o077;

export class DashboardTokenError extends Error {
  override readonly name = 'DashboardTokenError';
}

export interface DashboardToken {
  readonly value: string;
  /** Where it came from, for the banner and docs: the file's path or the variable's name. */
  readonly source: string;
}

/** Is `host` a loopback address (reachable from this machine only)? */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The token for a dashboard on `host`: from the environment when set there, else from `file`
 * (created when missing). Refuses a non-loopback host without the environment's token, a token
 * that is too short or has characters a URL would mangle, and a file others may read.
 */
export function loadDashboardToken(file: string, host: string, env: NodeJS.ProcessEnv = process.env): DashboardToken {
  const fromEnv = env[TOKEN_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!TOKEN_PATTERN.test(fromEnv)) throw new DashboardTokenError(`${TOKEN_ENV} must be 24 to 256 characters of A-Z a-z 0-9 _ - (got ${fromEnv.length} characters)`);
    return { value: fromEnv, source: TOKEN_ENV };
  }
  if (!isLoopback(host)) {
    throw new DashboardTokenError(`dashboard.host ${host} is not a loopback address: set the access token in the environment (${TOKEN_ENV}), not in a file on disk`);
  }
  return { value: readOrCreate(file), source: file };
}

function readOrCreate(file: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx': of two processes starting at once on one data folder, one creates it and the other reads it
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    // the umask may have narrowed the mode further, never widened it; set it exactly all the same
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new DashboardTokenError(`cannot create the dashboard token file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & OTHERS_MASK) !== 0) {
    throw new DashboardTokenError(`the dashboard token file ${file} can be read by others (mode ${mode.toString(8)}); run chmod 600 ${file}`);
  }
  const value = readFileSync(file, 'utf8').trim();
  if (!TOKEN_PATTERN.test(value)) throw new DashboardTokenError(`the dashboard token file ${file} does not hold a token (24 to 256 characters of A-Z a-z 0-9 _ -); delete it to get a new one`);
  return value;
}

/** Constant-time comparison, so response timing does not leak how much of a guess was right. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
