import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/persistence/batch-writer.js';
import { timestampText, usToTimestamp } from '../../src/persistence/db.js';
import { migrate } from '../../src/persistence/migrate.js';
import type { PersistRecord } from '../../src/persistence/records.js';
import { seededRandom } from '../../src/domain/random.js';
import { backends, type RunningBackend } from '../helpers/backends.js';

/**
 * The batch writer sends each batch as one JSON parameter that the server types by the table's row
 * type (json_populate_recordset): every kind must come back exactly as it went in, text that JSON and
 * SQL both escape included, microsecond timestamps, decimal text in numeric columns, and a jsonb detail
 * as the object (not as a string holding it).
 */
const awkward = `quote " backslash \\ tab \t newline \n cr \r brace { } comma , NUL-free ünïcödé 📈`;
const T_US = 1_772_366_400_123_457; // 2026-03-01T12:00:00.123457Z

const records: PersistRecord[] = [
  { kind: 'trade', venue: 'emu', instrument: 'BTC/USDT', tradeId: awkward, tsUs: T_US, price: 0.1 + 0.2, qty: 1e-8, aggressor: 'SELL', receivedUs: T_US + 1 },
  { kind: 'book_top', venue: 'emu', instrument: 'ETH/USDT', updateId: 2 ** 53 - 1, tsUs: T_US, bidPrice: 1999.99, bidQty: 3, askPrice: 2000.01, askQty: 0.5, receivedUs: T_US + 2 },
  { kind: 'ohlcv', venue: 'emu', instrument: 'BTC/USDT', timeframe: '1m', tsUs: T_US - 123_457, open: 1, high: 2.5, low: 0.75, close: 2, volume: 0 },
  { kind: 'fill', venue: 'emu', tradeId: 'f-1', orderId: 7, instrument: 'BTC/USDT', side: 'BUY', price: 100.5, qty: 0.25, fee: -0.01, liquidity: 'MAKER', tsUs: T_US },
  { kind: 'position', venue: 'emu', instrument: 'BTC/USDT', tsUs: T_US, qty: '-0.50000000', avgPrice: '20.01333333333333333333', realizedPnl: '-12.5' },
  { kind: 'balance', venue: 'emu', asset: 'USDT', tsUs: T_US, free: 1234.5678, locked: 0 },
  { kind: 'kill_switch', seq: 3, state: 'HALTED', previous: 'ACTIVE', source: 'admin', reason: awkward, tsUs: T_US },
  { kind: 'lifecycle', runId: 'run-1', seq: 1, tsUs: T_US, actor: 'root/risk', event: 'restarted', detail: { reason: awkward, attempt: 2, nested: { ok: true, list: [1, null, 'x'] } } },
  {
    kind: 'order_update', orderId: 9, seq: 0, clientOrderId: 'bot4-9', venue: 'emu', instrument: 'BTC/USDT', strategy: null, side: 'SELL', orderType: 'LIMIT',
    timeInForce: 'GTC', reduceOnly: true, price: 101.25, qty: 2, status: 'PENDING_NEW', cumQty: 0, avgPrice: 0, venueOrderId: null, rejectReason: awkward,
    createdUs: T_US, tsUs: T_US,
  },
];

const expectedRows: [string, string, unknown[]][] = [
  ['trades', `trade_id, ${timestampText('ts')} AS ts, price, qty, aggressor, ${timestampText('received_at')} AS received_at`,
    [{ trade_id: awkward, ts: '2026-03-01T12:00:00.123457Z', price: 0.1 + 0.2, qty: 1e-8, aggressor: 'SELL', received_at: '2026-03-01T12:00:00.123458Z' }]],
  ['book_tops', 'update_id::text AS update_id, bid_price, ask_qty', [{ update_id: String(2 ** 53 - 1), bid_price: 1999.99, ask_qty: 0.5 }]],
  ['ohlcv', `timeframe, ${timestampText('ts')} AS ts, high, volume`, [{ timeframe: '1m', ts: '2026-03-01T12:00:00.000000Z', high: 2.5, volume: 0 }]],
  ['fills', 'trade_id, order_id::text AS order_id, fee, liquidity', [{ trade_id: 'f-1', order_id: '7', fee: -0.01, liquidity: 'MAKER' }]],
  ['position_snapshots', 'qty::text AS qty, avg_price::text AS avg_price, realized_pnl::text AS realized_pnl',
    [{ qty: '-0.50000000', avg_price: '20.01333333333333333333', realized_pnl: '-12.5' }]],
  ['balances', 'asset, free, locked', [{ asset: 'USDT', free: 1234.5678, locked: 0 }]],
  ['kill_switch_events', 'seq::text AS seq, state, previous, reason', [{ seq: '3', state: 'HALTED', previous: 'ACTIVE', reason: awkward }]],
  ['actor_lifecycle_events', "detail, jsonb_typeof(detail) AS type", [{ detail: { reason: awkward, attempt: 2, nested: { ok: true, list: [1, null, 'x'] } }, type: 'object' }]],
  ['orders', 'strategy, reduce_only, price, venue_order_id, reject_reason, last_seq', [{ strategy: null, reduce_only: true, price: 101.25, venue_order_id: null, reject_reason: awkward, last_seq: 0 }]],
  ['order_events', 'status, reject_reason', [{ status: 'PENDING_NEW', reject_reason: awkward }]],
];

describe('usToTimestamp', () => {
  it('formats every microsecond exactly, whether or not it falls in the second it formatted last', () => {
    const random = seededRandom(5);
    let us = T_US;
    for (let i = 0; i < 5000; i++) {
      // mostly small steps inside one second, sometimes across seconds, days and back in time
      const step = random.int(10) < 8 ? random.int(1000) : (random.int(2) === 0 ? -1 : 1) * random.int(2_000_000_000);
      us = Math.max(0, us + step);
      const ms = Math.floor(us / 1000);
      const expected = `${new Date(ms).toISOString().slice(0, 23)}${String(us - ms * 1000).padStart(3, '0')}Z`;
      expect(usToTimestamp(us)).toBe(expected);
    }
    expect(usToTimestamp(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(usToTimestamp(999_999)).toBe('1970-01-01T00:00:00.999999Z');
    expect(usToTimestamp(1_000_000)).toBe('1970-01-01T00:00:01.000000Z');
    expect(() => usToTimestamp(Number.NaN)).toThrow(/finite/);
    expect(() => usToTimestamp(3e17)).toThrow(/outside years/);
  });
});

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`record rows on ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let running: RunningBackend;
    let pool: pg.Pool;

    beforeAll(async () => {
      running = await backend.start();
      pool = running.newPool();
      await migrate(pool);
    });

    afterAll(async () => {
      await pool?.end();
      await running?.close();
    });

    it('writes every kind exactly as it went in, and a second write of the same batch adds nothing', async () => {
      const writer = new BatchWriter({ pool, spoolPath: `${running.workDir}/rows.jsonl`, flushIntervalMs: 0 });
      try {
        for (const record of records) writer.enqueue(record);
        await writer.flush();
        expect(writer.stats()).toMatchObject({ inserted: records.length, duplicates: 0, rejected: 0, lastError: null });
        for (const record of records) writer.enqueue(record);
        await writer.flush();
        expect(writer.stats()).toMatchObject({ inserted: records.length, duplicates: records.length, rejected: 0 });
        // the replayed fill, kill switch transition and order event are booked rows: each named once
        expect(writer.stats().skippedBooked).toEqual({ fills: 1, kill_switch_events: 1, order_events: 1 });
      } finally {
        await writer.close();
      }
      for (const [table, columns, rows] of expectedRows) {
        const result = await pool.query(`SELECT ${columns} FROM ${table}`);
        expect({ table, rows: result.rows }).toEqual({ table, rows });
      }
    });

    it('writes a full batch as soon as it is queued, without a flush call or a timer, and leaves a partial one queued', async () => {
      const writer = new BatchWriter({ pool, spoolPath: `${running.workDir}/full.jsonl`, flushIntervalMs: 0, batchSize: 50 });
      try {
        const trade = (i: number): PersistRecord => ({ ...(records[0] as PersistRecord & { kind: 'trade' }), tradeId: `auto-${i}` });
        for (let i = 0; i < 49; i++) writer.enqueue(trade(i));
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(writer.stats()).toMatchObject({ inserted: 0, pending: 49 });
        writer.enqueue(trade(49));
        const deadline = Date.now() + 10_000;
        while (writer.stats().inserted < 50 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
        expect(writer.stats()).toMatchObject({ inserted: 50, pending: 0, spooled: 0 });
      } finally {
        await writer.close();
      }
    });
  });
}
