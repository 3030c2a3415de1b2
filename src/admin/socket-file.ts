/**
 * The admin socket's place on disk: a private directory (0700), the socket (0600), and
 * a pid file next to it so a refused second instance can say who holds the socket.
 *
 * One instance per socket: a path where something still accepts connections makes a
 * start fail; a socket file nobody listens on (left by a crash) is removed.
 */
import { connect } from 'node:net';
import { chmodSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** sockaddr_un.sun_path is 108 bytes on Linux, one of them the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;
const PROBE_TIMEOUT_MS = 2000;

export class SocketInUseError extends Error {
  constructor(
    readonly socketPath: string,
    readonly pid: number | undefined,
  ) {
    super(`another bot4 is running on ${socketPath}${pid === undefined ? '' : ` (pid ${pid})`}; stop it first or choose another admin.socket_path`);
    this.name = 'SocketInUseError';
  }
}

export const pidFileOf = (socketPath: string): string => `${socketPath}.pid`;

/** Makes `socketPath` ready for listen(): private directory, no live owner, no stale file. */
export async function prepareSocketPath(socketPath: string): Promise<void> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`admin socket path ${socketPath} is ${Buffer.byteLength(socketPath)} bytes; a Unix socket path may have at most ${MAX_SOCKET_PATH_BYTES}`);
  }
  ensurePrivateDirectory(dirname(socketPath));
  const existing = lstatOrUndefined(socketPath);
  if (!existing) return;
  if (!existing.isSocket()) throw new Error(`admin socket path ${socketPath} exists and is not a socket; remove it or choose another admin.socket_path`);
  if (await somebodyListens(socketPath)) throw new SocketInUseError(socketPath, livePid(socketPath));
  rmSync(socketPath, { force: true });
  rmSync(pidFileOf(socketPath), { force: true });
}

/** After listen(): owner-only permissions and the pid file. */
export function claimSocket(socketPath: string): void {
  chmodSync(socketPath, 0o600);
  writeFileSync(pidFileOf(socketPath), `${process.pid}\n`, { mode: 0o600 });
}

export function releaseSocket(socketPath: string): void {
  rmSync(socketPath, { force: true });
  rmSync(pidFileOf(socketPath), { force: true });
}

function ensurePrivateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = statSync(dir);
  if (!stat.isDirectory()) throw new Error(`admin socket directory ${dir} is not a directory`);
  const mode = stat.mode & 0o777;
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new Error(`admin socket directory ${dir} belongs to uid ${stat.uid}, not to this user; use a directory of your own`);
  }
  if ((mode & 0o077) !== 0) {
    throw new Error(`admin socket directory ${dir} has mode ${mode.toString(8).padStart(4, '0')}; it must be private to its owner (chmod 700 ${dir}) or choose another admin.socket_path`);
  }
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** True when a connect succeeds or does not fail quickly (a busy server is still a server). */
function somebodyListens(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(socketPath);
    const timer = setTimeout(() => finish(true), PROBE_TIMEOUT_MS);
    function finish(listening: boolean): void {
      clearTimeout(timer);
      probe.destroy();
      resolve(listening);
    }
    probe.once('connect', () => finish(true));
    probe.once('error', (err: NodeJS.ErrnoException) => finish(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'));
  });
}

function livePid(socketPath: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFileOf(socketPath), 'utf8'), 10);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    // No pid file, or kill(pid, 0) says no such process: nobody holds the socket.
    return undefined;
  }
}
