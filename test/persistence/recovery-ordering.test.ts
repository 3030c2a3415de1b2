import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/persistence/batch-writer.js';
import { migrate } from '../../src/persistence/migrate.js';
import { loadKillSwitchLatch, loadOpenOrders } from '../../src/persistence/recovery.js';
import type { RecordOf } from '../../src/persistence/records.js';
import { reconcileLatchWithDatabase } from '../../src/runtime/kill-switch-latch-recovery.js';
import { backends, type RunningBackend } from '../helpers/backends.js';
import { orderUpdate } from './fixtures.js';

const T_US = Date.UTC(2026, 2, 1, 14, 0, 0) * 1000;

/**
 * Transitions 0..last, alternating ACTIVE/PAUSED, with HALTED at the given seqs. Written in a shuffled
 * order so neither insertion order nor the wall clock can stand in for the counter.
 */
function transitions(last: number, haltedAt: readonly number[]): RecordOf<'kill_switch'>[] {
  const rows: RecordOf<'kill_switch'>[] = [];
  let previous: RecordOf<'kill_switch'>['state'] = 'ACTIVE';
  for (let seq = 0; seq <= last; seq++) {
    const state: RecordOf<'kill_switch'>['state'] = haltedAt.includes(seq) ? 'HALTED' : seq % 2 ? 'PAUSED' : 'ACTIVE';
    rows.push({ kind: 'kill_switch', seq, state, previous, source: 'admin', reason: `transition ${seq}`, tsUs: T_US + seq * 1_000_000 });
    previous = state;
  }
  return rows.map((row, i) => ({ row, key: (i * 7) % rows.length })).sort((a, b) => a.key - b.key).map(({ row }) => row);
}

// seq 9 sorts above seq 20 as text: the chaos probe's false HALT (and its reverse, a real HALTED missed)
for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`kill switch latch = the highest transition number, compared as a number (${backend.name})${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let running: RunningBackend;
    const stateDir = mkdtempSync(join(tmpdir(), 'bot4-latch-order-'));

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
      rmSync(stateDir, { recursive: true, force: true });
    });

    const write = async (rows: RecordOf<'kill_switch' | 'order_update'>[], spool: string) => {
      const writer = new BatchWriter({ connectionString: running.connectionString, spoolPath: join(running.workDir, spool), flushIntervalMs: 0 });
      try {
        for (const row of rows) writer.enqueue(row);
        await writer.flush();
        expect(writer.stats()).toMatchObject({ degraded: false, rejected: 0 });
      } finally {
        await writer.close();
      }
    };

    it('an old HALTED (seq 9) under 21 transitions does not come back; a missing state file restores the real ACTIVE', async () => {
      await write(transitions(20, [9]), 'old-halted.jsonl');
      const pool = running.newPool();
      try {
        const latch = await loadKillSwitchLatch(pool);
        expect(latch).toMatchObject({ seq: 20, state: 'ACTIVE', previous: 'PAUSED', reason: 'transition 20' });
        const recovery = reconcileLatchWithDatabase(join(stateDir, 'lost.json'), latch, 0);
        expect(recovery.action).toBe('restored');
        expect(recovery.action !== 'none' && recovery.record).toMatchObject({ state: 'ACTIVE', seq: 20 });
      } finally {
        await pool.end();
      }
    });

    it('a real HALTED (seq 100) after transitions 21..99 is the latch', async () => {
      await write(transitions(100, [9, 100]).filter((row) => row.seq > 20), 'new-halted.jsonl');
      const pool = running.newPool();
      try {
        const latch = await loadKillSwitchLatch(pool);
        expect(latch).toMatchObject({ seq: 100, state: 'HALTED', reason: 'transition 100' });
        expect(reconcileLatchWithDatabase(join(stateDir, 'lost-again.json'), latch, 0).action).toBe('restored-halted');
      } finally {
        await pool.end();
      }
    });
  
    it('open orders come back in order id order, 9 before 10', async () => {
      await write([9, 10, 11, 100].map((id) => orderUpdate(id, 0, 'PENDING_NEW')), 'orders.jsonl');
      const pool = running.newPool();
      try {
        expect((await loadOpenOrders(pool)).map((order) => order.orderId)).toEqual([9, 10, 11, 100]);
      } finally {
        await pool.end();
      }
    });
  });
}
