import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/persistence/batch-writer.js';
import { migrate } from '../../src/persistence/migrate.js';
import { recordKey, type PersistRecord } from '../../src/persistence/records.js';
import { backends, type RunningBackend } from '../helpers/backends.js';
import { mixedStream, orderUpdate, trade } from './fixtures.js';

/** Natural keys of every row the writer is responsible for, read back from the database. */
async function keysInDatabase(pool: pg.Pool): Promise<string[]> {
  const result = await pool.query<{ key: string }>(`
    SELECT 'trade:' || venue || ':' || instrument || ':' || trade_id || ':' || ((extract(epoch from ts) * 1000000)::bigint) AS key FROM trades
    UNION ALL SELECT 'order_update:' || order_id || ':' || seq FROM order_events
    UNION ALL SELECT 'fill:' || venue || ':' || instrument || ':' || trade_id FROM fills`);
  return result.rows.map((r) => r.key).sort();
}

const uniqueKeys = (records: PersistRecord[]): string[] => [...new Set(records.map(recordKey))].sort();

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`batch writer and spool on ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let running: RunningBackend;
    let pool: pg.Pool;
    let spoolPath: string;
    const written: PersistRecord[] = [];

    beforeAll(async () => {
      running = await backend.start();
      pool = running.newPool();
      await migrate(pool);
      spoolPath = join(running.workDir, 'spool', 'recorder.jsonl');
    });

    afterAll(async () => {
      await pool?.end();
      await running?.close();
    });

    it('writes batches while the database is up', async () => {
      const writer = new BatchWriter({ connectionString: running.connectionString, spoolPath, batchSize: 64, flushIntervalMs: 0 });
      try {
        const records = mixedStream(0, 200);
        for (const record of records) writer.enqueue(record);
        await writer.flush();
        written.push(...records);
        expect(writer.stats()).toMatchObject({ enqueued: records.length, inserted: records.length, duplicates: 0, spooled: 0, degraded: false, pending: 0 });
      } finally {
        await writer.close();
      }
      expect(await keysInDatabase(pool)).toEqual(uniqueKeys(written));
    });

    it('spools while the database is down and delivers everything exactly once when it is back', async () => {
      const writer = new BatchWriter({
        connectionString: running.connectionString, spoolPath, batchSize: 64, flushIntervalMs: 0, backoff: { minMs: 10, maxMs: 50 }, seed: 7,
      });
      try {
        const before = mixedStream(200, 300);
        for (const record of before) writer.enqueue(record);
        await writer.flush();
        written.push(...before);

        await running.down();
        // new records, plus a replay of records already stored (a recorder that re-sends after a reconnect)
        const during = [...mixedStream(300, 500), ...mixedStream(150, 200)];
        for (const record of during) writer.enqueue(record);
        await writer.flush();
        written.push(...during);
        const outage = writer.stats();
        expect(outage.degraded).toBe(true);
        expect(outage.spooled).toBe(during.length);
        expect(outage.dbFailures).toBeGreaterThan(0);
        expect(outage.lastError).not.toBeNull();
        const spooledLines = readFileSync(spoolPath, 'utf8').trimEnd().split('\n');
        expect(spooledLines.map((line) => recordKey(JSON.parse(line) as PersistRecord))).toEqual(during.map(recordKey));

        // a retry while still down keeps everything in the spool
        await writer.retryNow();
        expect(writer.stats()).toMatchObject({ degraded: true, replayed: 0 });

        await running.up();
        await writer.retryNow();
        const after = writer.stats();
        expect(after).toMatchObject({ degraded: false, replayed: during.length, spoolBytes: 0 });
        expect(after.duplicates).toBe(mixedStream(150, 200).length);
      } finally {
        await writer.close();
      }
      const keys = await keysInDatabase(pool);
      expect(keys).toEqual(uniqueKeys(written));
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('a spool left by a writer that closed during an outage is replayed by the next one', async () => {
      await running.down();
      const first = new BatchWriter({ connectionString: running.connectionString, spoolPath, batchSize: 64, flushIntervalMs: 0 });
      const records = mixedStream(500, 600);
      for (const record of records) first.enqueue(record);
      await first.close();
      expect(first.stats()).toMatchObject({ degraded: true, spooled: records.length });
      written.push(...records);

      await running.up();
      const second = new BatchWriter({ connectionString: running.connectionString, spoolPath, batchSize: 64, flushIntervalMs: 0 });
      try {
        await second.flush();
        expect(second.stats()).toMatchObject({ degraded: false, replayed: records.length, inserted: records.length });
      } finally {
        await second.close();
      }
      expect(await keysInDatabase(pool)).toEqual(uniqueKeys(written));
    });

    it('an order event replayed late does not roll the order back', async () => {
      const writer = new BatchWriter({ pool, spoolPath, flushIntervalMs: 0 });
      try {
        writer.enqueue(orderUpdate(0, 0, 'PENDING_NEW'));
        await writer.flush();
      } finally {
        await writer.close();
      }
      const order = await pool.query('SELECT status, last_seq FROM orders WHERE order_id = 0');
      expect(order.rows[0]).toEqual({ status: 'FILLED', last_seq: 2 });
    });

    it('a record the database refuses for its content is set aside; the rest of its batch lands', async () => {
      const rejectedPath = join(running.workDir, 'rejected.jsonl');
      const writer = new BatchWriter({ pool, spoolPath, rejectedPath, flushIntervalMs: 0 });
      // same client order id as order 10: a unique violation no retry can fix
      const clash = { ...orderUpdate(9_999, 0, 'PENDING_NEW'), clientOrderId: 'bot4-10' };
      try {
        writer.enqueue(trade(10_000));
        writer.enqueue(clash);
        writer.enqueue(trade(10_001));
        await writer.flush();
        expect(writer.stats()).toMatchObject({ inserted: 2, rejected: 1, degraded: false });
      } finally {
        await writer.close();
      }
      expect(existsSync(rejectedPath)).toBe(true);
      const rejected = JSON.parse(readFileSync(rejectedPath, 'utf8').trim()) as { error: string; record: PersistRecord };
      expect(rejected.record).toEqual(clash);
      expect(rejected.error).toMatch(/23505/);
      expect((await pool.query('SELECT 1 FROM order_events WHERE order_id = 9999')).rowCount).toBe(0);
    });

    it('malformed records are refused at enqueue, naming the field', () => {
      const writer = new BatchWriter({ pool, spoolPath, flushIntervalMs: 0 });
      expect(() => writer.enqueue({ ...trade(1), qty: -1 })).toThrow(/qty/);
      expect(() => writer.enqueue({ kind: 'nope' } as unknown as PersistRecord)).toThrow(/BatchWriter.enqueue: invalid record/);
      return writer.close();
    });

    it('1m and 5m candles come from the recorded trades', async () => {
      const rows = await pool.query(
        `SELECT (extract(epoch from bucket) * 1000000)::bigint::text AS bucket_us, open, high, low, close, volume, trade_count::int AS n
           FROM ohlcv_1m WHERE venue = 'emulator' AND instrument = 'BTC/USDT' ORDER BY bucket`,
      );
      const trades = new Map<string, ReturnType<typeof trade>>();
      for (const r of written) if (r.kind === 'trade') trades.set(recordKey(r), r);
      trades.set('x', trade(10_000));
      trades.set('y', trade(10_001));
      const buckets = new Map<number, Array<ReturnType<typeof trade>>>();
      for (const t of [...trades.values()].sort((a, b) => a.tsUs - b.tsUs)) {
        const bucket = Math.floor(t.tsUs / 60_000_000) * 60_000_000;
        buckets.set(bucket, [...(buckets.get(bucket) ?? []), t]);
      }
      const expected = [...buckets.entries()].map(([bucket, list]) => ({
        bucket_us: String(bucket),
        open: list[0]?.price,
        high: Math.max(...list.map((t) => t.price)),
        low: Math.min(...list.map((t) => t.price)),
        close: list[list.length - 1]?.price,
        n: list.length,
      }));
      expect(rows.rows.map(({ volume: _volume, ...rest }) => rest)).toEqual(expected);
      const fiveMinute = await pool.query(`SELECT sum(trade_count)::int AS n FROM ohlcv_5m`);
      expect(fiveMinute.rows[0].n).toBe(trades.size);
    });
  });
}
