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
import { applyOrderEvent, createOrder, statusOf, type OrderEvent } from '../../actors/order-manager/order-lifecycle.js';
import { ExecStatus, type Fill, OrderType, Side, TimeInForce } from '../../src/domain/messages.js';
import { migrate } from '../../src/persistence/migrate.js';
import { Spool } from '../../src/persistence/spool.js';
import { OrderEvents } from '../../actors/recorder/order-events.js';
import { backends, type RunningBackend } from '../helpers/backends.js';
import { fill, INSTRUMENTS, RecorderSystem, report, submit, T0_MS, VENUES, waitFor, type Sent } from './harness.js';

/** The line the order manager journals before it sends `submit(orderId)` (same fields as the harness's SUBMIT). */
function journalLineOfSubmit(orderId: number): JournalLine {
  const snapshot = createOrder({ orderId, clientOrderId: `bot4-0-${orderId.toString(36)}`, strategy: 0, intentId: orderId, venue: 1, instrument: 7, side: Side.BUY, type: OrderType.LIMIT, price: 99.5, qty: 2, stepSize: 0.001 });
  return { v: 1, status: statusOf(snapshot), order: { ...snapshot.context, submittedTsUs: (T0_MS + orderId) * 1000 }, timeInForce: TimeInForce.GTC, reduceOnly: 0, expectedPrice: 99.5, attempts: 1 };
}

/**
 * The order manager's journal line after `submit(orderId)` was accepted and `fills` booked, as its
 * order store writes it: the FILL events carry what the Fill frame carried.
 */
function journalLineWithFills(orderId: number, fills: Fill[]): JournalLine {
  const first = journalLineOfSubmit(orderId);
  let snapshot = createOrder({ ...first.order, orderId });
  const events: OrderEvent[] = [{ type: 'SUBMIT', tsUs: first.order.submittedTsUs }, { type: 'ACCEPT', venueOrderId: 900_000 + orderId }];
  for (const f of fills) events.push({ type: 'FILL', tradeId: f.tradeId, qty: f.qty, price: f.price, fee: f.fee, tsUs: f.receiveTsUs, liquidity: f.liquidity, exchangeTsMs: f.exchangeTsMs });
  for (const event of events) snapshot = applyOrderEvent(snapshot, event).snapshot;
  return { ...first, status: statusOf(snapshot), order: snapshot.context };
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

    it('every fill the order manager booked is in the fills table once after the recorder is killed with the fill copies in memory and restarted', async () => {
      const workDir = join(running.workDir, 'killed-fills');
      mkdirSync(workDir, { recursive: true });
      const journalFile = join(workDir, 'order-manager.jsonl');
      // trade ids as the venue numbers them: per symbol, so 1 and 2 also belong to other orders' symbols in a real run
      const fills = new Map<number, Sent[]>([
        [7101, [fill(7101, 1, 0.5), fill(7101, 2, 1.5)]],
        [7102, [fill(7102, 3, 2)]],
        [7103, [fill(7103, 4, 0.25)]],
      ]);
      const orderIds = [...fills.keys()];
      const allFills = [...fills.values()].flat();
      const journal = new OrderJournal(journalFile, []);
      // one fill reached the database before the kill (written by the previous start): not written twice
      await pool.query(
        `INSERT INTO fills (venue, trade_id, order_id, instrument, side, price, qty, fee, liquidity, ts)
         VALUES ('emulator-a', '4', 7103, 'BTC/USDT', 'BUY', 99.5, 0.25, 0.01, 'MAKER', to_timestamp(${(T0_MS + 7103 + 20) / 1000}))`,
      );

      system = new RecorderSystem(running.connectionString, workDir, { order_journal_file: journalFile, flush_interval_ms: 60_000 });
      await system.start();
      // as the order manager does: the journal line (with the fill booked) first, then the copies to the recorder
      for (const id of orderIds) journal.append(journalLineWithFills(id, fills.get(id)!.map((f) => f.message as Fill)));
      journal.close();
      await system.send([...orderIds.map(submit), ...allFills]);
      await waitFor(async () => (await system!.status()).queueDepth === orderIds.length + allFills.length, 20_000, () => 'the recorder did not queue the copies');

      await system.recorder.kill();
      await system.startRecorder({ flush_interval_ms: 50 });
      // a fill copy that does arrive after the restart (the frame redelivered): skipped, counted and logged, not written twice
      await system.send([fill(7102, 3, 2)]);
      const status = await system.settled(1);

      const rows = await pool.query<{ key: string }>(
        `SELECT venue || '/' || instrument || '/' || trade_id || ' order ' || order_id || ' ' || side || ' ' || qty || '@' || price || ' fee ' || fee || ' ' || liquidity
                || ' at ' || (extract(epoch FROM ts) * 1000)::bigint AS key
           FROM fills WHERE order_id = ANY($1::bigint[]) ORDER BY trade_id`,
        [orderIds],
      );
      expect(rows.rows.map((r) => r.key)).toEqual(
        allFills.map((s) => {
          const f = s.message as Fill;
          return `emulator-a/BTC/USDT/${f.tradeId} order ${f.orderId} BUY ${f.qty}@99.5 fee 0.01 MAKER at ${f.exchangeTsMs}`;
        }),
      );
      expect(status.skippedBooked.fills).toBe(1);
      expect(system.logLines.some((line) => line.includes('fills already holds') && line.includes('trade_id=3'))).toBe(true);
    }, 90_000);

    it('an order whose events are still in the previous run\'s spool is not rebuilt over them: its next report follows the spooled ones', async () => {
      const workDir = join(running.workDir, 'spooled');
      mkdirSync(workDir, { recursive: true });
      const journalFile = join(workDir, 'order-manager.jsonl');
      const orderId = 7201;
      const journal = new OrderJournal(journalFile, [journalLineOfSubmit(orderId)]);
      journal.close();
      // the previous run spooled the order's SUBMIT and its acceptance (the database was down) and stopped
      const events = new OrderEvents({ venueNames: new Map([[1, VENUES['1']]]), instrumentNames: new Map(INSTRUMENTS.map((i) => [i.id, i.symbol])), strategyNames: new Map([[0, 'mm']]), clientIdNamespace: 'bot4' });
      const spooled = [events.command(submit(orderId).message as Parameters<OrderEvents['command']>[0]), events.report(report(orderId, ExecStatus.ACCEPTED, 0).message as Parameters<OrderEvents['report']>[0])];
      const spool = new Spool(join(workDir, 'recorder-spool.jsonl'));
      await spool.append(spooled.map((outcome) => (outcome?.kind === 'record' ? outcome.record : expect.unreachable('the SUBMIT and the report make records'))));
      await spool.close();

      system = new RecorderSystem(running.connectionString, workDir, { order_journal_file: journalFile });
      await system.start();
      await system.send([report(orderId, ExecStatus.CANCELED, 0, 30)]);
      // settled: the spooled records replayed and the report written (or skipped as a key already taken)
      let status = await system.status();
      await waitFor(async () => {
        status = await system!.status();
        return status.received.ExecutionReport === 1 && status.queueDepth === 0 && !status.degraded && status.written + status.duplicates === status.queued + status.replayed;
      }, 20_000, () => `recorder not settled: ${JSON.stringify(status)}`);

      expect(status.skippedBooked).toEqual({});
      expect(status.unmatched).toBe(0);
      const row = await pool.query<{ status: string; last_seq: number }>('SELECT status, last_seq FROM orders WHERE order_id = $1', [orderId]);
      expect(row.rows).toEqual([{ status: 'CANCELED', last_seq: 2 }]);
    }, 90_000);
  });
}
