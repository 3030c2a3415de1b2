import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/persistence/embedded.js';
import { pgliteTemplate } from '../helpers/backends.js';

describe('embedded PGlite behind pglite-socket', () => {
  let dir: string;
  let db: EmbeddedDatabase;
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bot4-embedded-'));
    // a copy of an initialised folder: memory:// would run PGlite's initdb again (slow on a busy box)
    cpSync(await pgliteTemplate(), join(dir, 'served'), { recursive: true });
    db = await startEmbeddedDatabase({ dataDir: join(dir, 'served'), socketDir: join(dir, 'sock'), maxConnections: 2 });
  });

  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => undefined); // a client a test already ended
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: db.connectionString });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  }

  it('serves pg over a Unix socket and suggests a single-connection pool', async () => {
    expect(db.connectionString).toContain(`host=${join(dir, 'sock')}`);
    expect(db.poolConfig.max).toBe(1);
    const a = await connect();
    expect((await a.query<{ v: string }>('SELECT version() AS v')).rows[0]?.v).toMatch(/PGlite/);
  });

  it('a transaction on one connection holds back the other until it ends', async () => {
    const [a, b] = [clients[0] as pg.Client, await connect()];
    await a.query('CREATE TABLE pinned (x int)');
    await a.query('BEGIN');
    await a.query('INSERT INTO pinned VALUES (1)');
    let answered = false;
    const read = b.query<{ n: number }>('SELECT count(*)::int AS n FROM pinned').then((r) => {
      answered = true;
      return r.rows[0]?.n;
    });
    await a.query('SELECT 1'); // a's session keeps working while b waits
    expect(answered).toBe(false);
    await a.query('COMMIT');
    expect(await read).toBe(1);
  });

  // the server writes "Too many connections" and closes; pg sees the close or a failed write
  it('a connection beyond maxConnections is refused', async () => {
    const extra = new pg.Client({ connectionString: db.connectionString });
    extra.on('error', () => undefined);
    await expect(extra.connect()).rejects.toThrow(/Connection terminated unexpectedly|EPIPE|ECONNRESET/);
  });

  it('a second instance on the same data folder is refused while the first runs', async () => {
    const dataDir = join(dir, 'data');
    cpSync(await pgliteTemplate(), dataDir, { recursive: true });
    const first = await startEmbeddedDatabase({ dataDir });
    try {
      await expect(startEmbeddedDatabase({ dataDir })).rejects.toThrow(new RegExp(`held by running process ${process.pid}`));
    } finally {
      await first.stop();
    }
  });
});
