import { appendFile } from 'node:fs/promises';
import pg from 'pg';
import { seededRandom, type Random } from '../domain/random.js';
import { appendAuditInTransaction } from './audit.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { withTransaction } from './db.js';
import { describeError, isRecordError } from './db-errors.js';
import { describeKey, insertStatements, type InsertStatement } from './record-rows.js';
import { parsePersistRecord, type PersistRecord } from './records.js';
import { Spool } from './spool.js';

/**
 * Records per transaction unless configured: a batch is one JSON parameter per table, so its size is
 * bounded by memory, not by the 65535 bind parameters of a VALUES list; 5000 rows amortise the
 * transaction's round trips (about 1.5x the events/s of 500 into PostgreSQL, docs/benchmarks.md).
 */
export const DEFAULT_BATCH_SIZE = 5000;

export interface BatchWriterOptions {
  /** A pool to write through, or a connection string for a pool the writer owns (e.g. in a worker). */
  pool?: pg.Pool;
  connectionString?: string;
  /** The spool file (JSON lines) used while the database is away. */
  spoolPath: string;
  /** Records that the database refuses for their content, with the reason; default `<spoolPath>.rejected`. */
  rejectedPath?: string;
  /** Records per INSERT transaction; default DEFAULT_BATCH_SIZE. */
  batchSize?: number;
  /** Background flush period; default 200 ms. 0 = only explicit flush(). */
  flushIntervalMs?: number;
  backoff?: Partial<BackoffPolicy>;
  /** Seed for the backoff jitter. */
  seed?: number;
  /** Told of each booked row the database already had a row for (after the transaction committed). */
  onSkippedBooked?: (row: SkippedBookedRow) => void;
}

/** A booked row (fill, order event, kill switch transition) not written because its key was taken. */
export interface SkippedBookedRow {
  table: string;
  /** The key, e.g. `venue=binance instrument=ETH/USDT trade_id=6`. */
  key: string;
}

export interface BatchWriterStats {
  enqueued: number;
  /** Records that created a row. */
  inserted: number;
  /** Records whose key was already present (a replay or a retried batch). */
  duplicates: number;
  /**
   * Booked rows skipped because their key was present, by table: a replay, or a different record
   * under the same key (lost: the key is wrong). Each one is also reported to `onSkippedBooked`.
   */
  skippedBooked: Record<string, number>;
  /** The last of them, `<table> <key>`. */
  lastSkippedBooked: string | null;
  /** Records written to the spool. */
  spooled: number;
  /** Records read back from the spool into the database. */
  replayed: number;
  /** Records refused by the database for their content, kept in the rejected file. */
  rejected: number;
  /** Failed attempts to reach or write to the database. */
  dbFailures: number;
  /** In memory, not yet written or spooled. */
  pending: number;
  spoolBytes: number;
  /** True while the spool holds records the database has not taken. */
  degraded: boolean;
  lastError: string | null;
}

/**
 * The recorder's path to the database, off the hot path: `enqueue` only validates and queues (and
 * starts a flush once a full batch is queued); a serialised flush, on that or on the timer, writes
 * batches in transactions, one INSERT ... ON CONFLICT per table (src/persistence/record-rows.ts). When the
 * database fails, the batch goes to the spool (fsync'd) and so does everything after it, in order, until
 * a retry (with backoff) has replayed the whole spool. Every table has a unique key, so a batch written
 * twice (failure after commit, crash before the spool was cleared) still lands once.
 */
export class BatchWriter {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly spool: Spool;
  private readonly rejectedPath: string;
  private readonly batchSize: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: Random;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onPoolError = (error: Error): void => {
    this.counters.lastError = `idle connection: ${describeError(error)}`;
  };
  private queue: PersistRecord[] = [];
  private flushing: Promise<void> = Promise.resolve();
  /** A flush started by enqueue for a full batch that has not finished yet (at most one at a time). */
  private drainRunning = false;
  private retryAttempt = 0;
  private retryAtMs = 0;
  private closed = false;
  private readonly counters = { enqueued: 0, inserted: 0, duplicates: 0, spooled: 0, replayed: 0, rejected: 0, dbFailures: 0, lastError: null as string | null };
  private readonly skippedBooked: Record<string, number> = {};
  private lastSkippedBooked: string | null = null;
  private readonly onSkippedBooked: ((row: SkippedBookedRow) => void) | undefined;

  constructor(options: BatchWriterOptions) {
    if (!options.pool && !options.connectionString) throw new Error('BatchWriter: give a pool or a connectionString');
    this.ownsPool = !options.pool;
    this.pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 1, connectionTimeoutMillis: 5_000 });
    // a server that goes away makes idle pooled connections emit 'error'; unheard, that kills the process
    this.pool.on('error', this.onPoolError);
    this.spool = new Spool(options.spoolPath);
    this.rejectedPath = options.rejectedPath ?? `${options.spoolPath}.rejected`;
    this.batchSize = positiveInteger(options.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize');
    this.backoff = { minMs: 100, maxMs: 5_000, randomFactor: 0.2, ...options.backoff };
    this.random = seededRandom(options.seed ?? 1);
    this.onSkippedBooked = options.onSkippedBooked;
    const interval = options.flushIntervalMs ?? 200;
    if (!(interval >= 0)) throw new RangeError(`BatchWriter: flushIntervalMs must be >= 0, got ${interval}`);
    if (interval > 0) {
      this.timer = setInterval(() => void this.flush().catch((error: unknown) => (this.counters.lastError = describeError(error))), interval);
      this.timer.unref();
    }
  }

  /** Validates and queues one record; throws (naming the fields) on a malformed one. */
  enqueue(input: PersistRecord): void {
    if (this.closed) throw new Error('BatchWriter: enqueue after close');
    this.queue.push(parsePersistRecord(input, 'BatchWriter.enqueue'));
    this.counters.enqueued += 1;
    // A saturated recorder writes full batches back to back instead of one burst per timer tick;
    // the flush keeps taking what arrives while it runs, so one in flight is enough.
    if (this.queue.length >= this.batchSize && !this.drainRunning) {
      this.drainRunning = true;
      void this.flush()
        .catch((error: unknown) => (this.counters.lastError = describeError(error)))
        .finally(() => (this.drainRunning = false));
    }
  }

  /**
   * Writes (or spools) everything queued so far, then replays the spool if a retry is due. Resolves when
   * that is done; records still in the spool afterwards are reported by `stats().degraded`.
   */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => undefined); // the caller gets `run` and its failure; the chain only orders flushes
    return run;
  }

  /** Retries the spool now, ignoring the backoff (used at shutdown and by tests waiting for recovery). */
  async retryNow(): Promise<void> {
    this.retryAtMs = 0;
    await this.flush();
  }

  stats(): BatchWriterStats {
    return {
      ...this.counters,
      skippedBooked: { ...this.skippedBooked },
      lastSkippedBooked: this.lastSkippedBooked,
      pending: this.queue.length,
      spoolBytes: this.spool.sizeBytes,
      degraded: !this.spool.isEmpty,
    };
  }

  /** Final flush and one last replay attempt; whatever the database did not take stays in the spool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.retryNow();
    await this.spool.close();
    this.pool.off('error', this.onPoolError);
    if (this.ownsPool) await this.pool.end();
  }

  private async flushNow(): Promise<void> {
    await this.spool.open();
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      if (!this.spool.isEmpty) {
        // keep order: nothing overtakes records already waiting in the spool
        await this.toSpool(batch);
        continue;
      }
      try {
        await this.write(batch);
      } catch (error) {
        this.noteFailure(error);
        await this.toSpool(batch);
      }
    }
    if (!this.spool.isEmpty && Date.now() >= this.retryAtMs) await this.replaySpool();
  }

  private async replaySpool(): Promise<void> {
    try {
      for await (const chunk of this.spool.read(this.batchSize)) {
        await this.write(chunk);
        this.counters.replayed += chunk.length;
      }
    } catch (error) {
      this.noteFailure(error);
      return;
    }
    await this.spool.clear();
    this.retryAttempt = 0;
    this.retryAtMs = 0;
  }

  /** One transaction per batch; a batch refused for its content is split until the bad records are found. */
  private async write(batch: PersistRecord[]): Promise<void> {
    try {
      await this.insert(batch);
    } catch (error) {
      if (!isRecordError(error)) throw error;
      if (batch.length === 1) {
        await this.reject(batch[0] as PersistRecord, error);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.write(batch.slice(0, half));
      await this.write(batch.slice(half));
    }
  }

  private async insert(batch: PersistRecord[]): Promise<void> {
    const statements = insertStatements(batch);
    const skipped: SkippedBookedRow[] = [];
    const created = await withTransaction(this.pool, async (client) => {
      let rows = 0;
      for (const statement of statements) {
        const result = await client.query<Record<string, unknown>>(statement.text, statement.values);
        if (statement.countsRecords) rows += result.rowCount ?? 0;
        if (statement.bookedKeys) skipped.push(...skippedRows(statement, statement.bookedKeys, result.rows));
      }
      for (const record of batch) {
        if (record.kind !== 'audit') continue;
        const entry = { actor: record.actor, action: record.action, detail: record.detail, atUs: record.atUs };
        if (await appendAuditInTransaction(client, entry, record.key)) rows += 1;
      }
      return rows;
    });
    this.counters.inserted += created;
    this.counters.duplicates += batch.length - created;
    // counted once committed: a transaction rolled back (and retried) skipped nothing
    for (const row of skipped) {
      this.skippedBooked[row.table] = (this.skippedBooked[row.table] ?? 0) + 1;
      this.lastSkippedBooked = `${row.table} ${row.key}`;
      this.onSkippedBooked?.(row);
    }
  }

  private async reject(record: PersistRecord, error: unknown): Promise<void> {
    await appendFile(this.rejectedPath, `${JSON.stringify({ error: describeError(error), record })}\n`, { mode: 0o600 });
    this.counters.rejected += 1;
    this.counters.lastError = `rejected ${record.kind}: ${describeError(error)}`;
  }

  private async toSpool(batch: PersistRecord[]): Promise<void> {
    try {
      await this.spool.append(batch);
    } catch (error) {
      // neither the database nor the disk took it: keep it in memory, first in line for the next flush
      this.queue.unshift(...batch);
      throw new Error(`BatchWriter: spool ${this.spool.path} failed: ${describeError(error)}`, { cause: error });
    }
    this.counters.spooled += batch.length;
  }

  private noteFailure(error: unknown): void {
    this.counters.dbFailures += 1;
    this.counters.lastError = describeError(error);
    this.retryAtMs = Date.now() + backoffDelayMs(this.backoff, this.retryAttempt, this.random);
    this.retryAttempt += 1;
  }
}

/** The offered rows whose key the INSERT did not return, as many times as they were offered and not written. */
function skippedRows(statement: InsertStatement, keys: NonNullable<InsertStatement['bookedKeys']>, returned: Array<Record<string, unknown>>): SkippedBookedRow[] {
  const written = new Map<string, number>();
  for (const row of returned) {
    const key = describeKey(keys.columns, keys.columns.map((column) => row[column]));
    written.set(key, (written.get(key) ?? 0) + 1);
  }
  const skipped: SkippedBookedRow[] = [];
  for (const key of keys.offered) {
    const left = written.get(key) ?? 0;
    if (left > 0) written.set(key, left - 1);
    else skipped.push({ table: statement.table, key });
  }
  return skipped;
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`BatchWriter: ${what} must be an integer >= 1, got ${value}`);
  return value;
}
