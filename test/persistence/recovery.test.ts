import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/persistence/batch-writer.js';
import { migrate } from '../../src/persistence/migrate.js';
import { loadRecoveredState } from '../../src/persistence/recovery.js';
import { backends, type RunningBackend } from '../helpers/backends.js';
import { orderUpdate } from './fixtures.js';

const T_US = Date.UTC(2026, 2, 1, 13, 0, 0) * 1000 + 777;

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`recovery on ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let running: RunningBackend;

    beforeAll(async () => {
      running = await backend.start();
    });

    afterAll(async () => {
      await running?.close();
    });

    it('an empty database recovers to no orders, no positions and no latch', async () => {
      const pool = running.newPool();
      try {
        await migrate(pool);
        expect(await loadRecoveredState(pool)).toEqual({ openOrders: [], positions: [], killSwitch: null });
      } finally {
        await pool.end();
      }
    });

    it('open orders, latest positions and a HALTED latch survive a restart', async () => {
      const writer = new BatchWriter({ connectionString: running.connectionString, spoolPath: join(running.workDir, 'spool.jsonl'), flushIntervalMs: 0 });
      try {
        for (const r of [
          orderUpdate(1, 0, 'PENDING_NEW'), orderUpdate(1, 1, 'ACCEPTED'),
          orderUpdate(2, 0, 'PENDING_NEW'), orderUpdate(2, 1, 'ACCEPTED'), orderUpdate(2, 2, 'FILLED', 1),
          orderUpdate(3, 0, 'PENDING_NEW'), orderUpdate(3, 1, 'PARTIALLY_FILLED', 0.25),
          orderUpdate(4, 0, 'PENDING_NEW'), orderUpdate(4, 1, 'CANCELED'),
          orderUpdate(5, 0, 'PENDING_NEW'),
        ]) writer.enqueue(r);
        // Snapshots are decimal text, stored numeric: 20 significant digits come back as written (a double keeps ~16).
        writer.enqueue({ kind: 'position', venue: 'emulator', instrument: 'BTC/USDT', tsUs: T_US, qty: '1.00000', avgPrice: '100.00000000', realizedPnl: '0.00000000' });
        writer.enqueue({ kind: 'position', venue: 'emulator', instrument: 'BTC/USDT', tsUs: T_US + 5, qty: '0.50000', avgPrice: '61837.64333333', realizedPnl: '123456789012.12345678' });
        writer.enqueue({ kind: 'position', venue: 'emulator', instrument: 'ETH/USDT', tsUs: T_US + 1, qty: '-2.0000', avgPrice: '3000.25000000', realizedPnl: '-0.30000000' });
        writer.enqueue({ kind: 'kill_switch', seq: 1, state: 'ACTIVE', previous: 'HALTED', source: 'STARTUP_LATCH', reason: 'reset by operator', tsUs: T_US });
        writer.enqueue({ kind: 'kill_switch', seq: 2, state: 'HALTED', previous: 'ACTIVE', source: 'ADMIN', reason: 'ctl kill "manual"', tsUs: T_US + 9 });
        await writer.flush();
        expect(writer.stats()).toMatchObject({ degraded: false, rejected: 0 });
      } finally {
        await writer.close();
      }

      await running.down();
      await running.up();

      const pool = running.newPool();
      try {
        const state = await loadRecoveredState(pool);
        expect(state.openOrders.map((o) => [o.orderId, o.status, o.seq])).toEqual([[1, 'ACCEPTED', 1], [3, 'PARTIALLY_FILLED', 1], [5, 'PENDING_NEW', 0]]);
        const { kind: _kind, ...third } = orderUpdate(3, 1, 'PARTIALLY_FILLED', 0.25);
        expect(state.openOrders[1]).toEqual(third);
        expect(state.positions).toEqual([
          { venue: 'emulator', instrument: 'BTC/USDT', tsUs: T_US + 5, qty: '0.50000', avgPrice: '61837.64333333', realizedPnl: '123456789012.12345678' },
          { venue: 'emulator', instrument: 'ETH/USDT', tsUs: T_US + 1, qty: '-2.0000', avgPrice: '3000.25000000', realizedPnl: '-0.30000000' },
        ]);
        expect(state.killSwitch).toEqual({ seq: 2, state: 'HALTED', previous: 'ACTIVE', source: 'ADMIN', reason: 'ctl kill "manual"', tsUs: T_US + 9 });
      } finally {
        await pool.end();
      }
    });
  });
}
