import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { packageRoot } from '../../src/runtime/package-root.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/persistence/embedded.js';
import { findPostgres, startTestPostgres } from './postgres.js';

/** One database the persistence suite runs against, with a way to take it away and bring it back. */
export interface RunningBackend {
  connectionString: string;
  /** Pool size to use against it (1 for the embedded server, see docs/persistence.md). */
  poolMax: number;
  /** A folder for this run's files (spools), removed by close. */
  workDir: string;
  newPool(): pg.Pool;
  /** Database unreachable: PostgreSQL stopped, or PGlite and its socket server shut down. */
  down(): Promise<void>;
  /** Back on the same address with the same data. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export interface BackendSpec {
  name: 'pglite' | 'postgresql';
  /** Non-null: this backend cannot run here, and why. */
  skipReason: string | null;
  start(): Promise<RunningBackend>;
}

const postgres = findPostgres();

export const backends: BackendSpec[] = [
  { name: 'pglite', skipReason: null, start: startPglite },
  {
    name: 'postgresql',
    skipReason: postgres.bindir ? null : postgres.reason,
    async start(): Promise<RunningBackend> {
      const workDir = mkdtempSync(join(tmpdir(), 'bot4-persist-'));
      const server = await startTestPostgres(postgres.bindir as string);
      return {
        connectionString: server.connectionString,
        poolMax: 4,
        workDir,
        newPool: () => quietPool(new pg.Pool({ connectionString: server.connectionString, max: 4 })),
        down: () => server.stop(),
        up: () => server.start(),
        async close(): Promise<void> {
          try {
            await server.destroy();
          } finally {
            rmSync(workDir, { recursive: true, force: true });
          }
        },
      };
    },
  },
];

async function startPglite(): Promise<RunningBackend> {
  const workDir = mkdtempSync(join(tmpdir(), 'bot4-persist-'));
  const dataDir = join(workDir, 'pglite');
  cpSync(await pgliteTemplate(), dataDir, { recursive: true });
  let db: EmbeddedDatabase | null = await startEmbeddedDatabase({ dataDir });
  const port = Number(new URL(db.connectionString).port);
  const connectionString = db.connectionString;
  return {
    connectionString,
    poolMax: 1,
    workDir,
    newPool: () => quietPool(new pg.Pool({ connectionString, max: 1 })),
    async down(): Promise<void> {
      await db?.stop();
      db = null;
    },
    async up(): Promise<void> {
      db = await startEmbeddedDatabase({ dataDir, port });
    },
    async close(): Promise<void> {
      try {
        await db?.stop();
      } finally {
        rmSync(workDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * An initialised, empty PGlite data folder shared by test runs. A fresh folder costs PGlite a full
 * initdb in WebAssembly (seconds, tens of seconds on a loaded machine); a copy of this one opens in
 * about a second. Built under a private name and renamed into place, so parallel test files never see
 * half of it.
 */
export async function pgliteTemplate(): Promise<string> {
  const manifest = join(packageRoot(), 'node_modules', '@electric-sql', 'pglite', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const template = join(tmpdir(), `bot4-pglite-template-${version}`);
  if (existsSync(template)) return template;
  const building = mkdtempSync(join(tmpdir(), 'bot4-pglite-building-'));
  const db = await startEmbeddedDatabase({ dataDir: join(building, 'data') });
  await db.stop();
  try {
    renameSync(join(building, 'data'), template);
  } catch (error) {
    if (!existsSync(template)) throw error; // otherwise a parallel file won the race
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

/** Idle connections error when their server goes away on purpose; the tests observe that through queries. */
function quietPool(pool: pg.Pool): pg.Pool {
  pool.on('error', () => undefined);
  return pool;
}
