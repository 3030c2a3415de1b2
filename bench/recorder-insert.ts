/**
 * How the recorder's batches reach the database, three ways in the same run (part of the recorder
 * suite, bench/recorder.ts): the batch writer's own statement (src/persistence/record-rows.ts: one
 * INSERT ... SELECT FROM json_populate_recordset, the batch as one JSON parameter), the multi-row
 * INSERT ... VALUES it replaced (one bind parameter per value, at most 65535 per statement), and
 * COPY ... FROM STDIN into a staging table followed by INSERT ... SELECT ... ON CONFLICT (COPY itself
 * cannot skip taken keys). pg has no COPY stream without pg-copy-streams; CopyInQuery below speaks
 * the protocol's CopyData/CopyDone through the client's own hook.
 *
 * Each method writes the same trades in transactions of `batchSize` rows. Where the server runs on
 * this machine the backend's CPU time per row is read from /proc: the cost that stays when the
 * client is infinitely fast, which bounds events/s per server core.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { usToTimestamp } from '../src/persistence/db.js';
import { insertStatements } from '../src/persistence/record-rows.js';
import type { RecordOf } from '../src/persistence/records.js';
import { round } from './latency-stats.js';

export type InsertMethod = 'json_populate_recordset (the writer)' | 'multi-row VALUES' | 'COPY FROM STDIN + INSERT ... SELECT';

export type InsertMethodResult =
  | { method: InsertMethod; status: 'measured'; rows: number; batchSize: number; rowsPerSecond: number; serverCpuUsPerRow: number | null; clientCpuUsPerRow: number }
  | { method: InsertMethod; status: 'not-landed'; reason: string };

const COLUMNS = ['venue', 'instrument', 'trade_id', 'ts', 'price', 'qty', 'aggressor', 'received_at'] as const;
const MAX_PARAMS = 65_000;
const CLOCK_TICK_US = 10_000; // USER_HZ = 100 on Linux

function trades(count: number, runId: string): RecordOf<'trade'>[] {
  const out: RecordOf<'trade'>[] = [];
  const t0 = 1_772_366_400_000_000;
  for (let i = 0; i < count; i++) {
    out.push({ kind: 'trade', venue: 'bench', instrument: 'BTC/USDT', tradeId: `${runId}-${i}`, tsUs: t0 + i * 1000, price: 50_000 + (i % 100) / 10, qty: 0.001 * (1 + (i % 7)), aggressor: i % 2 ? 'BUY' : 'SELL', receivedUs: t0 + i * 1000 + 40 });
  }
  return out;
}

const rowOf = (t: RecordOf<'trade'>): Array<string | number> => [t.venue, t.instrument, t.tradeId, usToTimestamp(t.tsUs), t.price, t.qty, t.aggressor, usToTimestamp(t.receivedUs)];

/** Sends a prepared COPY text (rows of tab-separated fields) when the server asks for it. */
class CopyInQuery extends pg.Query {
  constructor(
    text: string,
    private readonly payload: Buffer,
  ) {
    super(text);
  }

  handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void {
    connection.sendCopyFromChunk(this.payload);
    connection.endCopyFrom();
  }
}

function submit(client: pg.Client, query: CopyInQuery): Promise<void> {
  return new Promise((resolve, reject) => {
    query.once('end', () => resolve());
    query.once('error', reject);
    void client.query(query);
  });
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const copyField = (value: string | number | null): string => (value === null ? '\\N' : String(value).replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!));

const writers: Record<InsertMethod, (client: pg.Client, batch: RecordOf<'trade'>[]) => Promise<void>> = {
  async 'json_populate_recordset (the writer)'(client, batch) {
    for (const statement of insertStatements(batch)) await client.query(statement.text, statement.values);
  },
  async 'multi-row VALUES'(client, batch) {
    const perStatement = Math.floor(MAX_PARAMS / COLUMNS.length);
    for (let start = 0; start < batch.length; start += perStatement) {
      const values: unknown[] = [];
      const tuples: string[] = [];
      batch.slice(start, start + perStatement).forEach((trade, row) => {
        tuples.push(`(${COLUMNS.map((_, col) => `$${row * COLUMNS.length + col + 1}`).join(', ')})`);
        values.push(...rowOf(trade));
      });
      await client.query(`INSERT INTO trades (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`, values);
    }
  },
  async 'COPY FROM STDIN + INSERT ... SELECT'(client, batch) {
    await client.query('CREATE TEMP TABLE IF NOT EXISTS bench_copy_trades (LIKE trades) ON COMMIT DELETE ROWS');
    const text = batch.map((trade) => rowOf(trade).map(copyField).join('\t')).join('\n') + '\n';
    await submit(client, new CopyInQuery(`COPY bench_copy_trades (${COLUMNS.join(', ')}) FROM STDIN`, Buffer.from(text)));
    await client.query(`INSERT INTO trades (${COLUMNS.join(', ')}) SELECT ${COLUMNS.join(', ')} FROM bench_copy_trades ON CONFLICT DO NOTHING`);
  },
};

/** CPU time (µs) of a server process on this machine, or null when /proc does not show it. */
function processCpuUs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_US;
  } catch {
    return null; // a remote server (DATABASE_URL elsewhere) or no /proc: the figure is left out, not guessed
  }
}

export async function measureInsertMethods(connectionString: string, opts: { rows: number; batchSize: number; embedded: boolean }): Promise<InsertMethodResult[]> {
  const results: InsertMethodResult[] = [];
  for (const method of Object.keys(writers) as InsertMethod[]) {
    if (opts.embedded && method === 'COPY FROM STDIN + INSERT ... SELECT') {
      // measured here once: the socket server answers COPY FROM STDIN with a lost protocol synchronisation and closes the connection
      results.push({ method, status: 'not-landed', reason: 'the embedded database (PGlite over pglite-socket) does not take COPY FROM STDIN: the connection is closed' });
      continue;
    }
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      const batchRows = trades(opts.rows, `${method.slice(0, 4)}-${Date.now()}`);
      const serverPid = opts.embedded ? null : (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const serverBefore = serverPid === null ? null : processCpuUs(serverPid);
      const clientBefore = process.cpuUsage();
      const started = performance.now();
      for (let start = 0; start < batchRows.length; start += opts.batchSize) {
        await client.query('BEGIN');
        await writers[method](client, batchRows.slice(start, start + opts.batchSize));
        await client.query('COMMIT');
      }
      const seconds = (performance.now() - started) / 1000;
      const serverAfter = serverPid === null ? null : processCpuUs(serverPid);
      const clientCpu = process.cpuUsage(clientBefore);
      const written = await client.query<{ n: string }>('SELECT count(*) AS n FROM trades WHERE trade_id LIKE $1', [`${batchRows[0]!.tradeId.split('-').slice(0, -1).join('-')}-%`]);
      if (Number(written.rows[0]!.n) !== opts.rows) throw new Error(`insert bench (${method}): ${written.rows[0]!.n} of ${opts.rows} rows written`);
      results.push({
        method,
        status: 'measured',
        rows: opts.rows,
        batchSize: opts.batchSize,
        rowsPerSecond: Math.round(opts.rows / seconds),
        serverCpuUsPerRow: serverBefore === null || serverAfter === null ? null : round((serverAfter - serverBefore) / opts.rows),
        clientCpuUsPerRow: round((clientCpu.user + clientCpu.system) / opts.rows),
      });
    } finally {
      await client.end();
    }
  }
  return results;
}
