import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter, type SkippedBookedRow } from '../../src/persistence/batch-writer.js';
import { migrate } from '../../src/persistence/migrate.js';
import type { PersistRecord, RecordOf } from '../../src/persistence/records.js';
import { backends, type RunningBackend } from '../helpers/backends.js';

const T_US = Date.UTC(2026, 2, 2, 9, 0, 0) * 1000;

/**
 * The chaos probe's venue: two symbols, each numbering its trades from 1 (as Binance does), so the
 * same trade id appears once per symbol. 15 BTC fills and 14 ETH fills: 29 distinct fills.
 */
function twoSymbolFills(): RecordOf<'fill'>[] {
  const fills: RecordOf<'fill'>[] = [];
  for (const [instrument, count] of [['BTC/USDT', 15], ['ETH/USDT', 14]] as const) {
    for (let tradeId = 1; tradeId <= count; tradeId++) {
      fills.push({
        kind: 'fill', venue: 'binance', tradeId: String(tradeId), orderId: instrument === 'BTC/USDT' ? 100 + tradeId : 200 + tradeId, instrument,
        side: tradeId % 2 ? 'BUY' : 'SELL', price: instrument === 'BTC/USDT' ? 50_000 + tradeId : 3_000 + tradeId, qty: 0.01 * tradeId, fee: 0.001,
        liquidity: 'MAKER', tsUs: T_US + fills.length * 1000,
      });
    }
  }
  return fills;
}

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`booked rows are never dropped silently (${backend.name})${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let running: RunningBackend;

    beforeAll(async () => {
      running = await backend.start();
      const pool = running.newPool();
      try {
        await migrate(pool);
      } finally {
        await pool.end();
      }
    }, 120_000);

    afterAll(async () => {
      await running?.close();
    });

    const writeAll = async (records: PersistRecord[], spool: string, skipped: SkippedBookedRow[]) => {
      const writer = new BatchWriter({ connectionString: running.connectionString, spoolPath: join(running.workDir, spool), flushIntervalMs: 0, onSkippedBooked: (row) => skipped.push(row) });
      try {
        for (const record of records) writer.enqueue(record);
        await writer.flush();
        return writer.stats();
      } finally {
        await writer.close();
      }
    };

    it('29 fills of a two-symbol venue whose trade ids repeat across symbols: all 29 rows, nothing skipped', async () => {
      const skipped: SkippedBookedRow[] = [];
      const stats = await writeAll(twoSymbolFills(), 'fills.jsonl', skipped);
      expect(stats).toMatchObject({ inserted: 29, duplicates: 0, degraded: false, rejected: 0 });
      expect(stats.skippedBooked).toEqual({});
      expect(skipped).toEqual([]);
      const pool = running.newPool();
      try {
        const rows = await pool.query<{ instrument: string; n: string }>(`SELECT instrument, count(*)::text AS n FROM fills WHERE venue = 'binance' GROUP BY instrument ORDER BY instrument`);
        expect(rows.rows).toEqual([{ instrument: 'BTC/USDT', n: '15' }, { instrument: 'ETH/USDT', n: '14' }]);
      } finally {
        await pool.end();
      }
    });

    it('a fill, an order event and a kill switch transition whose key is already booked are counted by table and named, one by one', async () => {
      const fill = twoSymbolFills()[20] as RecordOf<'fill'>;
      const transition: RecordOf<'kill_switch'> = { kind: 'kill_switch', seq: 7, state: 'HALTED', previous: 'ACTIVE', source: 'admin', reason: 'first', tsUs: T_US };
      const order: RecordOf<'order_update'> = {
        kind: 'order_update', orderId: 301, seq: 0, clientOrderId: 'bot4-301', venue: 'binance', instrument: 'ETH/USDT', strategy: 'mm', side: 'BUY',
        orderType: 'LIMIT', timeInForce: 'GTC', reduceOnly: false, price: 3000, qty: 1, status: 'PENDING_NEW', cumQty: 0, avgPrice: 0,
        venueOrderId: null, rejectReason: null, createdUs: T_US, tsUs: T_US,
      };
      const first: SkippedBookedRow[] = [];
      const firstStats = await writeAll([transition, order], 'first.jsonl', first);
      expect(firstStats).toMatchObject({ inserted: 2 });
      expect(firstStats.skippedBooked).toEqual({});
      expect(first).toEqual([]);

      const skipped: SkippedBookedRow[] = [];
      // a different record under a booked key (another reason for transition 7), a replayed fill, a replayed order event
      const stats = await writeAll([{ ...transition, reason: 'second' }, fill, order, order], 'again.jsonl', skipped);
      expect(stats).toMatchObject({ inserted: 0, duplicates: 4, degraded: false });
      expect(stats.skippedBooked).toEqual({ kill_switch_events: 1, fills: 1, order_events: 2 });
      expect(skipped).toEqual(expect.arrayContaining([
        { table: 'kill_switch_events', key: 'seq=7' },
        { table: 'fills', key: 'venue=binance instrument=ETH/USDT trade_id=6' },
        { table: 'order_events', key: 'order_id=301 seq=0' },
      ]));
      expect(skipped).toHaveLength(4);
      expect(stats.lastSkippedBooked).toMatch(/^(kill_switch_events|fills|order_events) /);
    });
  });
}
