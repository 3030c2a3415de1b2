import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type pg from 'pg';
import { packageRoot } from '../runtime/package-root.js';
import { acquireDirLock, type DirLock } from './dir-lock.js';

export interface EmbeddedDatabaseOptions {
  /** PGlite data folder; default `<package root>/data/pglite`. `memory://` keeps nothing on disk. */
  dataDir?: string;
  /** TCP host; default 127.0.0.1. Ignored when `socketDir` is set. */
  host?: string;
  /** TCP port (0 = a free one, the default), or the number in the Unix socket's name. */
  port?: number;
  /** Serve on the Unix socket `<socketDir>/.s.PGSQL.<port>` instead of TCP. */
  socketDir?: string;
  /**
   * Connections the server accepts at once (default 4). One more is refused: the server writes
   * "Too many connections" and closes, which pg reports as "Connection terminated unexpectedly".
   */
  maxConnections?: number;
}

export interface EmbeddedDatabase {
  connectionString: string;
  /**
   * Pool settings to use against it: max 1, because PGlite is one backend and the socket server runs
   * one protocol message at a time; more connections add no throughput and share session state.
   */
  poolConfig: pg.PoolConfig;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite and serves it to `pg` over a socket, so the rest of the runtime has one data-access
 * path whether or not DATABASE_URL names a real server.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  const inMemory = options.dataDir === 'memory://';
  const dataDir = inMemory ? 'memory://' : resolve(options.dataDir ?? join(packageRoot(), 'data', 'pglite'));
  const maxConnections = options.maxConnections ?? 4;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new RangeError(`embedded database: maxConnections must be an integer >= 1, got ${maxConnections}`);
  const port = options.port ?? (options.socketDir ? 5432 : 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`embedded database: port must be 0..65535, got ${port}`);

  let lock: DirLock | undefined;
  let db: PGlite | undefined;
  try {
    if (!inMemory) {
      mkdirSync(dataDir, { recursive: true });
      lock = acquireDirLock(`${dataDir}.lock`);
    }
    db = await PGlite.create(inMemory ? undefined : dataDir);
    const socketPath = options.socketDir ? join(mkdirp(options.socketDir), `.s.PGSQL.${port}`) : undefined;
    if (socketPath) await removeStaleSocket(socketPath);
    const server = socketPath
      ? new PGLiteSocketServer({ db, path: socketPath, maxConnections })
      : new PGLiteSocketServer({ db, host: options.host ?? '127.0.0.1', port, maxConnections });
    await server.start();

    const connectionString = options.socketDir
      ? `postgresql://postgres@/postgres?host=${resolve(options.socketDir)}&port=${port}`
      : `postgresql://postgres@${server.getServerConn()}/postgres`;
    let stopping: Promise<void> | undefined;
    const openDb = db;
    const heldLock = lock;
    return {
      connectionString,
      poolConfig: { connectionString, max: 1 },
      dataDir,
      stop: () =>
        (stopping ??= (async () => {
          await server.stop();
          // handlers detach (and roll back an open transaction) on a later tick; let them finish
          // before the database under them closes
          await new Promise((done) => setTimeout(done, 20));
          await openDb.close();
          heldLock?.release();
        })()),
    };
  } catch (error) {
    await db?.close().catch(() => undefined); // the start failure thrown below is the one to report
    lock?.release();
    throw new Error(`embedded database (${dataDir}) failed to start: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A process killed while serving (SIGKILL, a power cut) leaves its socket file behind, and listening
 * on it fails with EADDRINUSE. A socket nobody answers on is removed; one a live server answers on is
 * left alone (starting then fails, naming the path, as it should).
 */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const answered = await new Promise<boolean>((done) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      done(true);
    });
    probe.once('error', () => done(false));
  });
  if (!answered) unlinkSync(path);
}

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return resolve(dir);
}
