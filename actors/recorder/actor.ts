/**
 * The recorder: everything worth keeping goes from its rings to the database, off the order path.
 *
 * `handle` only maps a frame to a record and queues it (no I/O); the batch writer flushes on its own
 * timer in multi-row INSERT transactions, spools to disk while the database is slow to fail or down,
 * and replays the spool in order when it is back. Every record has a natural key, so a replay or a
 * redelivered frame never writes a row twice. Run it with `wait: park`: its event loop does the I/O.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { tradingStateName, type OrderCommand } from '../../src/domain/messages.js';
import { BatchWriter } from '../../src/persistence/batch-writer.js';
import { describeError } from '../../src/persistence/db-errors.js';
import { loadOpenOrders } from '../../src/persistence/recovery.js';
import type { PersistRecord, RecordOf } from '../../src/persistence/records.js';
import { defineActor, type ActorContext, type InboundFrame } from '../../src/runtime/actor-definition.js';
import { replayJournal } from '../order-manager/order-journal.js';
import { nowUs } from '../../src/runtime/clock.js';
import { parseRecorderConfig, type RecorderConfig } from './config.js';
import { recordOfControl } from './control-messages.js';
import { persistedTransition } from './kill-switch-reason.js';
import { fillKey, journalledFills, missingFills, missingSubmits } from './journal-backfill.js';
import { OrderEvents, type OrderEventOutcome } from './order-events.js';
import { bookTopRecord, fillRecord, killSwitchRecord, tradeRecord } from './record-mapping.js';

type Ctx = ActorContext<RecorderConfig>;

interface Counters {
  /** Frames taken from the rings, by message kind. */
  received: Record<string, number>;
  /** Records handed to the writer. */
  queued: number;
  /** Order reports equal to the order's last state (a redelivered frame): not recorded twice. */
  duplicateReports: number;
  /** Reports of orders the recorder cannot describe: kept in `<spool>.unmatched`. */
  unmatched: number;
  /** Frames that could not become a record (unknown venue id, invalid control message): logged. */
  refused: number;
  lastError: string | null;
}

interface State {
  writer: BatchWriter;
  orders: OrderEvents;
  counters: Counters;
  unmatchedFile: string;
  restoredOpenOrders: number | string;
}

/** How long a start waits for the previous run's spool to be replayed before it asks the database what it lacks. */
const START_REPLAY_WAIT_MS = 3_000;

interface Restored {
  restored: number | string;
  /** SUBMITs of journalled orders the database lacks: numbered (event 0) before any frame is handled. */
  submits: OrderCommand[];
  /** Rows of journalled fills the database lacks. */
  fills: Array<RecordOf<'fill'>>;
}

/**
 * Reads the open orders so their later reports can be numbered and described, then rebuilds what the
 * order manager's journal holds and the database lacks (a copy lost when this actor was killed with it
 * queued, or dropped on a full ring): the SUBMIT of every order and the row of every fill, returned to
 * be queued. The database may be down. `spoolReplayed` false: records of the previous run are still in
 * the spool, so an order missing from the database may be there with later events than a rebuilt
 * SUBMIT would be numbered before: orders are not rebuilt this time (fills are: a rebuilt fill already
 * spooled is the same row under the same key, skipped and counted when the spool lands).
 */
async function restoreFromDatabase(config: RecorderConfig, orders: OrderEvents, spoolReplayed: boolean, ctx: Ctx): Promise<Restored> {
  const client = new pg.Client({ connectionString: config.database_url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined); // a server going away mid-query fails the query, which is handled
  try {
    await client.connect();
    const open = await loadOpenOrders(client);
    orders.restore(open);
    return { restored: open.length, ...(await journalledMissing(config, client, spoolReplayed, ctx)) };
  } catch (error) {
    const why = `open orders not restored (${describeError(error)}): reports of orders submitted before this start go to the unmatched file`;
    ctx.log.warn({ err: error }, why);
    return { restored: why, submits: [], fills: [] };
  } finally {
    await client.end().catch(() => undefined); // closing after the work is done or failed: nothing is left to lose, and the failure that matters is already reported
  }
}

async function journalledMissing(config: RecorderConfig, client: pg.Client, spoolReplayed: boolean, ctx: Ctx): Promise<Omit<Restored, 'restored'>> {
  if (config.order_journal_file === undefined) return { submits: [], fills: [] };
  const journal = replayJournal(config.order_journal_file);
  if (journal.lines.size === 0) return { submits: [], fills: [] };
  const file = config.order_journal_file;

  let submits: OrderCommand[] = [];
  if (spoolReplayed) {
    const ids = [...journal.lines.keys()].map(String);
    const present = await client.query<{ order_id: string }>('SELECT order_id::text AS order_id FROM orders WHERE order_id = ANY($1::bigint[])', [ids]);
    submits = missingSubmits(journal.lines, new Set(present.rows.map((row) => Number(row.order_id))));
    if (submits.length > 0) ctx.log.warn({ orders: submits.map((c) => c.orderId) }, `${submits.length} order(s) in ${file} are not in the database (their copy was lost): SUBMIT rebuilt from the journal`);
  } else {
    ctx.log.warn(`the previous run's spool is not replayed yet: orders of ${file} missing from the database are not rebuilt at this start (a rebuilt SUBMIT could be numbered over spooled events)`);
  }

  const journalled = journalledFills(journal.lines, config);
  if (journalled.notRebuildable.length > 0) {
    ctx.log.warn({ fills: journalled.notRebuildable.slice(0, 20) }, `${journalled.notRebuildable.length} fill(s) of ${file} cannot be rebuilt if the database lacks them (first: ${journalled.notRebuildable[0]})`);
  }
  const rows = [...journalled.rows.values()];
  if (rows.length === 0) return { submits, fills: [] };
  const present = await client.query<{ venue: string; instrument: string; tradeId: string }>(
    `SELECT f.venue, f.instrument, f.trade_id AS "tradeId" FROM fills f
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(venue, instrument, trade_id)
         ON f.venue = k.venue AND f.instrument = k.instrument AND f.trade_id = k.trade_id`,
    [rows.map((r) => r.venue), rows.map((r) => r.instrument), rows.map((r) => r.tradeId)],
  );
  const fills = missingFills(journalled.rows, new Set(present.rows.map(fillKey)));
  if (fills.length > 0) ctx.log.warn({ fills: fills.map(fillKey) }, `${fills.length} fill(s) in ${file} are not in the database (their copy was lost): row rebuilt from the journal`);
  return { submits, fills };
}

/**
 * Replays the previous run's spool, waiting at most START_REPLAY_WAIT_MS (a long spool goes on in the
 * background: the start must stay within the actor's start timeout). True when the spool is empty.
 */
async function replaySpoolAtStart(writer: BatchWriter, ctx: Ctx): Promise<boolean> {
  const replay = writer.retryNow().catch((error: unknown) => ctx.log.error({ err: error }, `spool replay at start failed: ${describeError(error)}`));
  const deadline = new AbortController();
  await Promise.race([replay, sleep(START_REPLAY_WAIT_MS, undefined, { signal: deadline.signal }).catch(() => undefined)]); // aborted below once the replay is done: nothing to report
  deadline.abort();
  return !writer.stats().degraded;
}

function queue(state: State, record: PersistRecord): void {
  state.writer.enqueue(record);
  state.counters.queued += 1;
}

function onOrderOutcome(state: State, outcome: OrderEventOutcome | null, frame: InboundFrame, what: unknown, ctx: Ctx): void {
  if (outcome === null) return;
  if (outcome.kind === 'record') queue(state, outcome.record);
  else if (outcome.kind === 'duplicate') state.counters.duplicateReports += 1;
  else {
    state.counters.unmatched += 1;
    appendFileSync(state.unmatchedFile, `${JSON.stringify({ atUs: nowUs(), peer: frame.peer, reason: outcome.reason, report: what })}\n`, { mode: 0o600 });
    if (isPowerOfTwo(state.counters.unmatched)) ctx.log.warn({ unmatched: state.counters.unmatched }, `${outcome.reason} (kept in ${state.unmatchedFile}; ${state.counters.unmatched} so far)`);
  }
}

function killSwitchChange(state: State, ctx: Ctx, change: Parameters<typeof killSwitchRecord>[0]): RecordOf<'kill_switch'> {
  const persisted = persistedTransition(ctx.config.kill_switch_state_file, change.seq);
  const record = killSwitchRecord(change, persisted.reason);
  const t = persisted.transition;
  // At start the kill switch re-announces its current state (state = previous): if the database missed
  // the transition that led there, the row should say what that transition was.
  if (t && change.state === change.previous && t.to === tradingStateName(change.state) && isStateName(t.from)) {
    return { ...record, previous: t.from, source: t.source, tsUs: t.atMs * 1000 };
  }
  return record;
}

const STATE_NAMES = new Set(['ACTIVE', 'REDUCING', 'PAUSED', 'HALTED']);
const isStateName = (name: string): name is RecordOf<'kill_switch'>['state'] => STATE_NAMES.has(name);
const isPowerOfTwo = (n: number): boolean => (n & (n - 1)) === 0;

function refuse(state: State, ctx: Ctx, frame: InboundFrame, kind: string, error: unknown): void {
  state.counters.refused += 1;
  state.counters.lastError = `${kind} from ${frame.peer}: ${describeError(error)}`;
  if (isPowerOfTwo(state.counters.refused)) ctx.log.warn({ peer: frame.peer, kind, refused: state.counters.refused }, `not recorded: ${state.counters.lastError} (${state.counters.refused} refused so far)`);
}

function status(state: State) {
  const w = state.writer.stats();
  return {
    queueDepth: w.pending,
    written: w.inserted,
    /** Records whose key the database already had (a replay, a retried batch). */
    duplicates: w.duplicates,
    /** Of those, booked rows (fills, order events, kill switch transitions), by table; each one is logged. */
    skippedBooked: w.skippedBooked,
    lastSkippedBooked: w.lastSkippedBooked,
    duplicateReports: state.counters.duplicateReports,
    spooled: w.spooled,
    replayed: w.replayed,
    spoolBytes: w.spoolBytes,
    degraded: w.degraded,
    rejected: w.rejected,
    dbFailures: w.dbFailures,
    received: { ...state.counters.received },
    queued: state.counters.queued,
    unmatched: state.counters.unmatched,
    refused: state.counters.refused,
    openOrders: state.orders.openCount,
    restoredOpenOrders: state.restoredOpenOrders,
    lastError: w.lastError ?? state.counters.lastError,
  };
}

export default defineActor<RecorderConfig, State>({
  kind: 'recorder',
  parseConfig: parseRecorderConfig,
  async init(ctx) {
    const { config } = ctx;
    const orders = new OrderEvents({
      venueNames: config.venueNames,
      instrumentNames: config.instrumentNames,
      strategyNames: config.strategyNames,
      clientIdNamespace: config.client_id_namespace,
    });
    const writer = new BatchWriter({
      connectionString: config.database_url,
      spoolPath: config.spoolFile,
      batchSize: config.batch_size,
      flushIntervalMs: config.flush_interval_ms,
      backoff: { minMs: config.backoff.min_ms, maxMs: config.backoff.max_ms, randomFactor: 0.2 },
      seed: Math.floor(ctx.random.next() * 0xffffffff),
      onSkippedBooked: ({ table, key }) =>
        ctx.log.warn({ table, key }, `${table} already holds ${key}: this record was not written (right after a replay that is expected; otherwise a different record under the same key is lost)`),
    });
    // a spool left by the previous run is replayed before anything new is written, and before the database
    // is asked what it lacks (its answer would otherwise miss what the spool holds)
    const spoolReplayed = await replaySpoolAtStart(writer, ctx);
    const { restored: restoredOpenOrders, submits, fills } = await restoreFromDatabase(config, orders, spoolReplayed, ctx);
    const backfilled: PersistRecord[] = [...fills];
    for (const submit of submits) {
      const outcome = orders.command(submit);
      if (outcome?.kind === 'record') backfilled.push(outcome.record);
    }
    for (const record of backfilled) writer.enqueue(record);
    ctx.log.info({ spool: config.spoolFile, restoredOpenOrders }, `recorder up: spool ${config.spoolFile}, ${typeof restoredOpenOrders === 'number' ? `${restoredOpenOrders} open orders restored` : restoredOpenOrders}`);
    return {
      writer,
      orders,
      counters: { received: {}, queued: backfilled.length, duplicateReports: 0, unmatched: 0, refused: 0, lastError: null },
      unmatchedFile: `${config.spoolFile}.unmatched`,
      restoredOpenOrders,
    };
  },
  handle(state, frame, ctx) {
    const decoded = ctx.decode(frame);
    if (decoded === null) return;
    const received = state.counters.received;
    received[decoded.kind] = (received[decoded.kind] ?? 0) + 1;
    const config = ctx.config;
    try {
      switch (decoded.kind) {
        case 'Trade':
          queue(state, tradeRecord(config, decoded.message));
          return;
        case 'BookTop':
          queue(state, bookTopRecord(config, decoded.message));
          return;
        case 'Fill':
          queue(state, fillRecord(config, decoded.message));
          return;
        case 'TradingStateChange':
          queue(state, killSwitchChange(state, ctx, decoded.message));
          return;
        case 'OrderCommand':
          onOrderOutcome(state, state.orders.command(decoded.message), frame, { ...decoded.message }, ctx);
          return;
        case 'ExecutionReport':
          onOrderOutcome(state, state.orders.report(decoded.message), frame, { ...decoded.message }, ctx);
          return;
        case 'Control':
          queue(state, recordOfControl(decoded.message, frame.peer, nowUs()));
          return;
        default:
          refuse(state, ctx, frame, decoded.kind, new Error(`the recorder does not record ${decoded.kind} messages`));
      }
    } catch (error) {
      refuse(state, ctx, frame, decoded.kind, error);
    }
  },
  control: {
    status: (state) => status(state),
    /** Writes what is queued now and retries the spool at once (operators after a database outage, tests). */
    async flush(state) {
      await state.writer.retryNow();
      return status(state);
    },
  },
  describe: (state) => status(state),
  async stop(state, ctx) {
    await state.writer.close();
    const left = state.writer.stats();
    if (left.degraded) ctx.log.warn({ spoolBytes: left.spoolBytes }, `recorder stopped with ${left.spoolBytes} bytes in the spool: the next start replays them`);
  },
});
