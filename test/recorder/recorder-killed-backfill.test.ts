/**
 * The soak's nothing-lost defect: SUBMIT copies the recorder had taken from its ring and queued, but
 * not yet written, were lost when the recorder was killed, so orders the venue saw never reached the
 * `orders` table and their later reports went to the unmatched file. The recorder now rebuilds them
 * from the order manager's journal (written before each SUBMIT leaves) when it starts again.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OrderJournal, type JournalLine } from '../../actors/order-manager/order-journal.js';
import { createOrder, statusOf } from '../../actors/order-manager/order-lifecycle.js';
import { ExecStatus, OrderType, Side, TimeInForce } from '../../src/domain/messages.js';
import { migrate } from '../../src/persistence/migrate.js';
import { backends, type RunningBackend } from '../helpers/backends.js';
import { RecorderSystem, report, submit, T0_MS, waitFor } from './harness.js';

/** The line the order manager journals before it sends `submit(orderId)` (same fields as the harness's SUBMIT). */
function journalLineOfSubmit(orderId: number): JournalLine {
  const snapshot = createOrder({ orderId, clientOrderId: `bot4-0-${orderId.toString(36)}`, strategy: 0, intentId: orderId, venue: 1, instrument: 7, side: Side.BUY, type: OrderType.LIMIT, price: 99.5, qty: 2, stepSize: 0.001 });
  return { v: 1, status: statusOf(snapshot), order: { ...snapshot.context, submittedTsUs: (T0_MS + orderId) * 1000 }, timeInForce: TimeInForce.GTC, reduceOnly: 0, expectedPrice: 99.5, attempts: 1 };
}

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`recorder killed with SUBMITs in memory, on ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
    let running: RunningBackend;
    let pool: pg.Pool;
    let system: RecorderSystem | undefined;

    beforeAll(async () => {
      running = await backend.start();
      pool = running.newPool();
      await migrate(pool);
    }, 120_000);

    afterEach(async () => {
      await system?.close();
      system = undefined;
    });

    afterAll(async () => {
      await pool?.end();
      await running?.close();
    });

    it('every SUBMIT the order manager sent is in the orders table after the recorder is killed and restarted, and its later reports match it', async () => {
      const workDir = join(running.workDir, 'killed');
      mkdirSync(workDir, { recursive: true });
      const journalFile = join(workDir, 'order-manager.jsonl');
      const orderIds = [7001, 7002, 7003, 7004, 7005];
      const journal = new OrderJournal(journalFile, []);

      // a flush interval longer than the test: the SUBMITs stay queued in the first recorder's memory
      system = new RecorderSystem(running.connectionString, workDir, { order_journal_file: journalFile, flush_interval_ms: 60_000 });
      await system.start();
      // as the order manager does: the journal line first, then the SUBMIT (to the venue and the recorder)
      for (const id of orderIds) journal.append(journalLineOfSubmit(id));
      journal.close();
      await system.send(orderIds.map(submit));
      await waitFor(async () => (await system!.status()).queueDepth === orderIds.length, 20_000, () => 'the recorder did not queue the SUBMITs');
      expect((await pool.query('SELECT 1 FROM orders WHERE order_id = ANY($1::bigint[])', [orderIds])).rowCount).toBe(0);

      await system.recorder.kill();
      await system.startRecorder({ flush_interval_ms: 50 });
      await system.send(orderIds.map((id) => report(id, ExecStatus.CANCELED, 0, 30)));
      const status = await system.settled(orderIds.length);

      expect(status.unmatched).toBe(0);
      const rows = await pool.query<{ order_id: string; status: string; last_seq: number }>('SELECT order_id::text AS order_id, status, last_seq FROM orders WHERE order_id = ANY($1::bigint[]) ORDER BY order_id', [orderIds]);
      expect(rows.rows.map((r) => `${r.order_id}:${r.status}:${r.last_seq}`)).toEqual(orderIds.map((id) => `${id}:CANCELED:1`));
    }, 90_000);
  });
}
