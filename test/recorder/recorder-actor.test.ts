import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExecStatus, TradingState, TripSource } from '../../src/domain/messages.js';
import { verifyAuditChain } from '../../src/persistence/audit.js';
import { migrate } from '../../src/persistence/migrate.js';
import { backends, type RunningBackend } from '../helpers/backends.js';
import { bookTop, fill, report, RecorderSystem, submit, trade, waitFor, type Sent } from './harness.js';

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`recorder actor on ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`, () => {
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

    const rows = async (sql: string): Promise<string[]> => (await pool.query<{ k: string }>(sql)).rows.map((r) => r.k);

    it('records market data, orders and fills from its ring, with names for the numeric ids', async () => {
      system = new RecorderSystem(running.connectionString, join(running.workDir, 'first'));
      await system.start();
      const messages: Sent[] = [
        ...Array.from({ length: 40 }, (_, i) => trade(i)),
        ...Array.from({ length: 10 }, (_, i) => bookTop(i)),
        submit(1), report(1, ExecStatus.ACCEPTED, 0, 5), report(1, ExecStatus.PARTIALLY_FILLED, 0.5, 8), fill(1, 77, 0.5),
        report(1, ExecStatus.PARTIALLY_FILLED, 0.5, 8), // redelivered: the same state again
      ];
      await system.send(messages);
      const status = await system.settled(messages.length);
      expect(status).toMatchObject({ written: 54, duplicateReports: 1, rejected: 0, refused: 0, unmatched: 0 });

      expect(await rows(`SELECT count(*)::text AS k FROM trades`)).toEqual(['40']);
      expect(await rows(`SELECT DISTINCT venue AS k FROM trades ORDER BY 1`)).toEqual(['emulator-a', 'emulator-b']);
      const top = await pool.query(`SELECT venue, instrument, bid_price, ask_qty FROM book_tops WHERE update_id = 5003`);
      expect(top.rows).toEqual([{ venue: 'emulator-a', instrument: 'ETH/USDT', bid_price: 3000.03, ask_qty: 1.5 }]);
      const order = await pool.query(`SELECT client_order_id, strategy, order_type, time_in_force, price, qty, status, cum_qty, last_seq, venue_order_id FROM orders WHERE order_id = 1`);
      expect(order.rows).toEqual([{ client_order_id: 'bot4-0-1', strategy: 'mm', order_type: 'LIMIT', time_in_force: 'GTC', price: 99.5, qty: 2, status: 'PARTIALLY_FILLED', cum_qty: 0.5, last_seq: 2, venue_order_id: '900001' }]);
      expect(await rows(`SELECT seq || ':' || status AS k FROM order_events WHERE order_id = 1 ORDER BY seq`)).toEqual(['0:PENDING_NEW', '1:ACCEPTED', '2:PARTIALLY_FILLED']);
      expect(await rows(`SELECT trade_id || ':' || liquidity AS k FROM fills`)).toEqual(['77:MAKER']);
    });

    it('database down mid-run: spools, replays in order when it is back, every record once', async () => {
      system = new RecorderSystem(running.connectionString, join(running.workDir, 'outage'));
      await system.start();
      const before = Array.from({ length: 300 }, (_, i) => trade(10_000 + i));
      await system.send(before);
      await system.settled(before.length);

      await running.down();
      const during: Sent[] = [];
      for (let i = 0; i < 400; i++) {
        during.push(trade(20_000 + i));
        if (i % 50 === 0) during.push(submit(100 + i), report(100 + i, ExecStatus.ACCEPTED, 0), fill(100 + i, 50_000 + i, 2), report(100 + i, ExecStatus.FILLED, 2, 30));
      }
      await system.send(during);
      await waitFor(async () => {
        const s = await system!.status();
        return s.degraded && s.queueDepth === 0 && Object.values(s.received).reduce((a, b) => a + b, 0) >= before.length + during.length;
      }, 30_000);
      const down = await system.status();
      expect(down.spooled).toBeGreaterThan(0);
      expect(down.lastError).not.toBeNull();

      await running.up();
      // no nudge: the writer's own backoff retries the spool
      const settled = await system.settled(before.length + during.length);
      expect(settled.replayed).toBeGreaterThanOrEqual(settled.spooled);

      const expectedTrades = [...before, ...during].filter((m) => m.kind === 'Trade').map((m) => String((m.message as { tradeId: number }).tradeId)).sort();
      const stored = (await rows(`SELECT trade_id AS k FROM trades WHERE trade_id::bigint >= 11000`)).sort();
      expect(stored).toEqual(expectedTrades);
      expect(await rows(`SELECT count(*)::text AS k FROM order_events WHERE order_id >= 100`)).toEqual([String(8 * 3)]);
      expect(await rows(`SELECT count(*)::text AS k FROM orders WHERE order_id >= 100 AND status = 'FILLED' AND last_seq = 2`)).toEqual(['8']);
      expect(await rows(`SELECT count(*)::text AS k FROM fills WHERE trade_id::bigint >= 50000`)).toEqual(['8']);
      expect(readFileSync(system.spoolPath, 'utf8')).toBe(''); // cleared once everything was in
    }, 120_000);

    it('audit entries, kill switch transitions (reason from the state file) and position records from control frames', async () => {
      const stateFile = join(running.workDir, 'kill-switch.json');
      writeFileSync(stateFile, JSON.stringify({ version: 1, state: 'HALTED', seq: 4, last: null, history: [{ seq: 4, from: 'ACTIVE', to: 'HALTED', source: 'admin', reason: 'operator: venue acting up', atMs: 1 }] }));
      system = new RecorderSystem(running.connectionString, join(running.workDir, 'control'), { kill_switch_state_file: stateFile });
      await system.start();
      const audit = (key: string, action: string): Sent => ({ kind: 'Control', message: { type: 'audit', key, actor: 'risk', action, detail: { limit: 'max_drawdown', value: 0.1 } } });
      const messages: Sent[] = [
        audit('risk:1', 'limit.changed'), audit('risk:2', 'limit.changed'), audit('risk:1', 'limit.changed'),
        { kind: 'TradingStateChange', message: { state: TradingState.HALTED, previous: TradingState.ACTIVE, source: TripSource.ADMIN, seq: 4, tsUs: 1.7e15 } },
        { kind: 'Control', message: { type: 'record', record: { kind: 'position', venue: 'emulator-a', instrument: 'BTC/USDT', tsUs: 1.7e15, qty: 0.25, avgPrice: 99, realizedPnl: 0 } } },
        report(999, ExecStatus.FILLED, 2), // no SUBMIT, not in the database
        { kind: 'Trade', message: { ...(trade(1).message as object), venue: 42 } }, // venue 42 is not configured
        { kind: 'Control', message: { type: 'audit', actor: 'risk' } }, // malformed
      ];
      await system.send(messages);
      await system.settled(messages.length);
      const status = await system.status();
      expect(status).toMatchObject({ unmatched: 1, refused: 2, duplicates: 1 });
      expect(status.lastError).toMatch(/control frame from feeder: key|venue id 42/);
      expect(readFileSync(`${system.spoolPath}.unmatched`, 'utf8')).toMatch(/order 999: no SUBMIT seen/);

      expect(await rows(`SELECT source_key || ':' || action AS k FROM audit_log ORDER BY id`)).toEqual(['risk:1:limit.changed', 'risk:2:limit.changed']);
      expect(await verifyAuditChain(pool)).toMatchObject({ ok: true, rows: 2 });
      const ks = await pool.query(`SELECT seq::int, state, previous, source, reason FROM kill_switch_events WHERE seq = 4`);
      expect(ks.rows).toEqual([{ seq: 4, state: 'HALTED', previous: 'ACTIVE', source: 'admin', reason: 'operator: venue acting up' }]);
      expect(await rows(`SELECT qty::text AS k FROM position_snapshots`)).toEqual(['0.25']);
    });

    it('a restarted recorder continues an open order from the database', async () => {
      system = new RecorderSystem(running.connectionString, join(running.workDir, 'restart'));
      await system.start();
      await system.send([submit(4242), report(4242, ExecStatus.ACCEPTED, 0)]);
      await system.settled(2);
      await system.recorder.stop(10_000);
      await system.startRecorder();
      expect((await system.status()).restoredOpenOrders).toBeGreaterThanOrEqual(1);
      await system.send([report(4242, ExecStatus.FILLED, 2, 40)]);
      await system.settled(1);
      expect(await rows(`SELECT seq || ':' || status AS k FROM order_events WHERE order_id = 4242 ORDER BY seq`)).toEqual(['0:PENDING_NEW', '1:ACCEPTED', '2:FILLED']);
      expect(await rows(`SELECT status || ':' || last_seq AS k FROM orders WHERE order_id = 4242`)).toEqual(['FILLED:2']);
    });

    it('a fill whose key is already booked is counted in the status and logged as a warning naming the key', async () => {
      system = new RecorderSystem(running.connectionString, join(running.workDir, 'booked'));
      await system.start();
      await system.send([fill(4343, 70_001, 1)]);
      expect(await system.settled(1)).toMatchObject({ written: 1, skippedBooked: {} });
      await system.send([fill(4343, 70_001, 1)]);
      const status = await system.settled(2);
      expect(status.skippedBooked).toEqual({ fills: 1 });
      expect(status.lastSkippedBooked).toMatch(/^fills venue=\S+ instrument=\S+ trade_id=70001$/);
      await waitFor(async () => system!.logLines.some((line) => line.includes('trade_id=70001')), 10_000);
      const warning = JSON.parse(system.logLines.find((line) => line.includes('trade_id=70001')) as string) as { level: number; table: string; key: string; msg: string };
      expect(warning).toMatchObject({ level: 40, table: 'fills', key: expect.stringMatching(/trade_id=70001$/) });
      expect(warning.msg).toMatch(/^fills already holds venue=\S+ instrument=\S+ trade_id=70001: this record was not written/);
    });
  });
}
