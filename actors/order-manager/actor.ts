/**
 * The order manager actor (docs/order-manager.md): approved intents from risk become orders
 * with deterministic client ids, each run through the lifecycle machine; venue reports and
 * fills move them; the trading gate is read before every submit; HALTED cancels everything
 * and reports when the venues confirm; a restart replays the journal and reconciles with
 * every venue before anything is sent there.
 */
import { intentRejection } from '../../src/domain/intent-rejection.js';
import {
  ExecStatus, OrderAction, OrderType, RejectReason, Side, TimeInForce, TradingState, rejectReasonName, tradingStateName,
  type ExecutionReport, type Fill, type OrderCommand, type OrderIntent,
} from '../../src/domain/messages.js';
import { defineActor, type ActorContext, type FrameEncoder, type Outbox } from '../../src/runtime/actor-definition.js';
import { executionReportCodec, fillCodec } from '../../src/runtime/codec/execution.js';
import { orderCommandCodec } from '../../src/runtime/codec/orders.js';
import {
  markRequested, onConfirmationSnapshot, startCancelAll, startNextRound, summary as cancelAllSummary, venuesToConfirm,
  type CancelAllProgress, type CancelAllTrigger,
} from './cancel-all-progress.js';
import { FLATTEN_STRATEGY_ID, clientOrderId, orderIdFor, parseClientOrderId } from './client-order-id.js';
import { parseOrderManagerConfig, type OrderManagerConfig } from './config.js';
import { recoverOpenOrders, type OrderRecoveryReport } from './database-recovery.js';
import { planFlatten, settleFlatten, startFlatten, type FlattenProgress } from './flatten.js';
import { OrderJournal, replayJournal, type JournalLine } from './order-journal.js';
import { gateRefusal } from './order-gate.js';
import { OPEN_STATUSES, createOrder, isTerminalStatus, statusOf, type OrderEvent, type OrderStep } from './order-lifecycle.js';
import { fillFigures, orderFigures } from './order-figures.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import { OrderStore, type Inflight, type ManagedOrder, type VenueOperation } from './order-store.js';
import { RecorderCopy } from './recorder-copy.js';
import {
  FILLS_REPLAY, ORDER_CANCEL, ORDER_CANCEL_STRATEGY, VENUE_BALANCES, VENUE_ERROR, fillsKnownFrames, parseFillsReplay, parseOrderCancel, parseOrderCancelStrategy,
  type KnownFill, type VenueBalancesNotice, type VenueErrorNotice,
} from './pipeline-messages.js';
import { adoptedOrderTerms, differencesOf, fillKey, reconcile, type OwnOrderView, type VenueOpenOrder } from './reconcile.js';
import { expiredTradeKeys, fillsSinceMs, holdsTrading, periodicDue, triggerAfterStreamGap, type ReconcileStatus, type ReconcileTrigger } from './reconcile-schedule.js';
import { execStatusOfLifecycle, meaningOfReport } from './report-events.js';
import { classifyVenueError, type RetryPolicy } from './venue-errors.js';
import {
  VENUE_RECONCILE, VENUE_SNAPSHOT, VENUE_STREAM_GAP, controlType, parseVenueSnapshot, parseVenueStreamGap,
  type VenueBalance, type VenueReconcileRequest, type VenueSnapshot, type VenueSnapshotFill,
} from './venue-protocol.js';

type Ctx = ActorContext<OrderManagerConfig>;

interface VenueReconciliation {
  status: ReconcileStatus;
  /** Why the current (or last) reconciliation was asked for (reconcile-schedule.ts). */
  trigger: ReconcileTrigger;
  /** When the request of the last reconciliation that succeeded was sent: re-checks fetch fills from there. */
  lastReadAtMs: number | null;
  requestId: string | null;
  sentAtMs: number;
  retryAtMs: number;
  attempts: number;
  lastError: string | null;
  reconciledAtMs: number | null;
  summary: Record<string, number> | null;
  /**
   * Client ids the last snapshot listed open while we hold them closed, waiting for a fresh
   * snapshot to confirm them; null when no confirmation is pending.
   */
  unconfirmedConflicts: Set<string> | null;
}

interface SnapshotRequest {
  venue: number;
  purpose: 'reconcile' | 'cancel-all';
  nextChunk: number;
  openOrders: VenueOpenOrder[];
  fills: VenueSnapshotFill[];
  balances: VenueBalance[];
}

interface HeldIntent {
  intent: OrderIntent;
  heldAtMs: number;
}

interface RecentFill {
  orderId: number;
  venue: number;
  instrument: number;
  side: string;
  qty: number;
  price: number;
  fee: number;
  tradeId: number;
  atUs: number;
}

interface Counters {
  intents: number;
  duplicateIntents: number;
  badIntents: number;
  denied: Record<string, number>;
  submits: number;
  resubmits: number;
  cancels: number;
  queries: number;
  ackTimeouts: number;
  reports: number;
  unknownReports: number;
  fills: number;
  duplicateFills: number;
  unknownFills: number;
  venueErrors: Record<string, number>;
  invalidTransitions: number;
  unresolved: number;
  ringFull: Record<string, number>;
  ignoredFrames: number;
  badControl: number;
  staleSnapshots: number;
  /** Orders cancelled because their strategy restarted (order.cancel-strategy). */
  strategyRestartCancels: number;
  /** `fills.replay` requests of risk answered, and the fills sent in them. */
  fillReplays: number;
  fillsReplayed: number;
  /** Differences reconciliation found and resolved, by kind (reconcile.ts, differencesOf). */
  reconcileDifferences: Record<string, number>;
  /** Reconciliations started, by trigger. */
  reconciles: Record<string, number>;
}

interface State {
  store: OrderStore;
  journal: OrderJournal;
  replayed: { orders: number; skipped: number; problems: string[] };
  venuePeers: Map<number, Outbox>;
  riskPeer: Outbox;
  reportPeers: Outbox[];
  /** Copies for the database (`recorder_peer`); never in the way of the order path. */
  recorder: RecorderCopy;
  /** What the start-up recovery from the database found (database-recovery.ts). */
  recovery: OrderRecoveryReport;
  policy: RetryPolicy;
  reconciliation: Map<number, VenueReconciliation>;
  requests: Map<string, SnapshotRequest>;
  requestSeq: number;
  /** Distinguishes this incarnation's request ids from a previous one's. */
  incarnation: string;
  held: HeldIntent[];
  external: Map<string, VenueOpenOrder & { venue: number }>;
  /** `venue:instrument:tradeId` -> when booked: orphan and external fills, which no order record remembers. */
  bookedWithoutRecord: Map<string, number>;
  externalFills: number;
  orphanFills: number;
  recentFills: RecentFill[];
  cancelAll: CancelAllProgress | null;
  lastAllCancelled: ReturnType<typeof cancelAllSummary> | null;
  /** Closing our positions after a halt's cancel-all (kill switch flatten_on_halt; flatten.ts). */
  flatten: FlattenProgress | null;
  lastTradingState: { state: string; seq: number } | null;
  /** Strategy id -> its first intentId of the running incarnation: older open orders are cancelled. */
  cancelBelow: Map<number, number>;
  counters: Counters;
  command: OrderCommand;
  report: ExecutionReport;
  fill: Fill;
}

const RECENT_FILLS = 50;
const ACTION_NAMES: Record<number, string> = Object.fromEntries(Object.entries(OrderAction).map(([name, code]) => [code, name]));

// ---- sending ---------------------------------------------------------------------------------

function count(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** A full ring or an encoder refusal must not crash the actor: the timeouts and queries recover. */
function sendFrame<T>(state: State, ctx: Ctx, outbox: Outbox, codec: FrameEncoder<T>, message: T, what: string): boolean {
  return sendOrCount(state, ctx, outbox, what, () => outbox.send(codec, message));
}

function sendControl(state: State, ctx: Ctx, outbox: Outbox, message: object, what: string): boolean {
  return sendOrCount(state, ctx, outbox, what, () => outbox.sendControl(message));
}

/** A send that could not happen (ring full, or a message its encoder refuses) is counted and logged, never thrown. */
function sendOrCount(state: State, ctx: Ctx, outbox: Outbox, what: string, send: () => boolean): boolean {
  try {
    if (send()) return true;
    count(state.counters.ringFull, outbox.peer);
    ctx.log.error({ peer: outbox.peer }, `could not send ${what} to ${outbox.peer}: its ring is full`);
  } catch (error) {
    count(state.counters.ringFull, outbox.peer);
    ctx.log.error({ peer: outbox.peer, err: error }, `could not send ${what} to ${outbox.peer}: ${(error as Error).message}`);
  }
  return false;
}

function sendCommand(state: State, ctx: Ctx, action: OrderAction, m: ManagedOrder | null, venue: number): void {
  const outbox = state.venuePeers.get(venue);
  if (!outbox) return;
  const c = state.command;
  c.action = action;
  c.venue = venue;
  c.createdTsUs = ctx.clock.nowUs();
  if (m === null) {
    c.orderId = 0;
    c.instrument = 0;
    c.side = 0 as Side;
    c.type = 0 as OrderType;
    c.timeInForce = 0 as TimeInForce;
    c.reduceOnly = 0;
    c.price = 0;
    c.qty = 0;
  } else {
    const o = m.snapshot.context;
    c.orderId = o.orderId;
    c.instrument = o.instrument;
    c.side = o.side;
    c.type = o.type;
    c.timeInForce = m.timeInForce;
    c.reduceOnly = m.reduceOnly;
    c.price = o.price;
    c.qty = o.qty;
  }
  sendFrame(state, ctx, outbox, orderCommandCodec, c, `${ACTION_NAMES[action] ?? action} of order ${c.orderId}`);
  state.recorder.command(c);
}

/**
 * An order adopted from the venue was never submitted by this process: the recorder gets the SUBMIT it
 * missed (built from the record, sent only to the recorder) and the venue's acknowledgement.
 */
function recordAdopted(state: State, ctx: Ctx, m: ManagedOrder): void {
  const o = m.snapshot.context;
  const c = state.command;
  Object.assign(c, {
    action: OrderAction.SUBMIT, orderId: o.orderId, venue: o.venue, instrument: o.instrument, side: o.side, type: o.type, timeInForce: m.timeInForce,
    reduceOnly: m.reduceOnly, price: o.price, qty: o.qty, createdTsUs: ctx.clock.nowUs(),
  });
  state.recorder.command(c);
  state.recorder.report(reportFromRecord(state, ctx, m, ExecStatus.ACCEPTED, RejectReason.NONE));
}

/** `recorded` false: a refusal of an intent the venue never saw (see recorder-copy.ts). */
function toReportPeers(state: State, ctx: Ctx, report: ExecutionReport, recorded = true): void {
  for (const peer of state.reportPeers) sendFrame(state, ctx, peer, executionReportCodec, report, `report of order ${report.orderId}`);
  if (recorded) state.recorder.report(report);
}

function fillToPeers(state: State, ctx: Ctx, fill: Fill): void {
  for (const peer of state.reportPeers) sendFrame(state, ctx, peer, fillCodec, fill, `fill of order ${fill.orderId}`);
  state.recorder.fill(fill);
  state.recentFills.push({ orderId: fill.orderId, venue: fill.venue, instrument: fill.instrument, side: fill.side === Side.BUY ? 'BUY' : 'SELL', qty: fill.qty, price: fill.price, fee: fill.fee, tradeId: fill.tradeId, atUs: fill.receiveTsUs });
  if (state.recentFills.length > RECENT_FILLS) state.recentFills.shift();
}

/** A report built from our own record (decisions made here: denials, final rejects, resolved queries). */
function reportFromRecord(state: State, ctx: Ctx, m: ManagedOrder, status: ExecStatus, reason: RejectReason): ExecutionReport {
  const o = m.snapshot.context;
  const r = state.report;
  r.orderId = o.orderId;
  r.venueOrderId = o.venueOrderId;
  r.venue = o.venue;
  r.instrument = o.instrument;
  r.status = status;
  r.rejectReason = reason;
  r.side = o.side;
  r.cumQty = o.cumQty;
  r.avgPrice = o.avgPrice;
  r.leavesQty = status === ExecStatus.ACCEPTED || status === ExecStatus.PARTIALLY_FILLED ? o.leavesQty : 0;
  r.lastQty = 0;
  r.lastPrice = 0;
  r.exchangeTsMs = 0;
  r.receiveTsUs = ctx.clock.nowUs();
  return r;
}

/** A refusal of an intent we keep no record of (unknown market, bad numbers, not reconciled in time). */
function rejectIntent(state: State, ctx: Ctx, intent: OrderIntent, orderId: number, reason: RejectReason, status: ExecStatus = ExecStatus.REJECTED): void {
  const r = intentRejection(state.report, intent, orderId, reason, ctx.clock.nowUs(), status);
  if (reason !== RejectReason.NONE) count(state.counters.denied, rejectReasonName(reason));
  toReportPeers(state, ctx, r, false);
}

function notifyVenueError(state: State, ctx: Ctx, m: ManagedOrder, reason: RejectReason, operation: VenueOperation): void {
  count(state.counters.venueErrors, rejectReasonName(reason));
  const o = m.snapshot.context;
  const notice: VenueErrorNotice = { type: VENUE_ERROR, venue: o.venue, instrument: o.instrument, orderId: o.orderId, reason, operation, atMs: ctx.clock.now() };
  sendControl(state, ctx, state.riskPeer, notice, 'venue.error notice');
}

// ---- lifecycle -------------------------------------------------------------------------------

function applyEvent(state: State, ctx: Ctx, m: ManagedOrder, event: OrderEvent): OrderStep {
  const step = state.store.apply(m, event);
  if (!step.outcome.ok) {
    state.counters.invalidTransitions++;
    ctx.log.warn({ orderId: step.order.orderId, error: step.outcome.error }, step.outcome.error);
    ctx.emit('order.invalidTransition', { orderId: step.order.orderId, from: step.outcome.from, event: step.outcome.event, error: step.outcome.error });
  } else if (step.outcome.overfill) {
    ctx.emit('order.overfill', { orderId: step.order.orderId, overfillQty: step.order.overfillQty });
  }
  if (isTerminalStatus(step.status) && step.status !== 'FILLED') m.retry = null;
  if (state.cancelAll?.awaiting.has(step.order.orderId) && !OPEN_STATUSES.has(step.status)) {
    state.cancelAll.awaiting.delete(step.order.orderId);
    progressCancelAll(state, ctx);
  }
  if (state.flatten !== null && step.order.strategy === FLATTEN_STRATEGY_ID && !OPEN_STATUSES.has(step.status)) progressFlatten(state, ctx);
  return step;
}

/** Intents for the venue may go out: it is not being reconciled in a way trading waits for. */
function reconciled(state: State, venue: number): boolean {
  const r = state.reconciliation.get(venue);
  return r !== undefined && !holdsTrading(r.status, r.trigger);
}

/** Reads the gate, then denies or sends the submit (first attempt or a resubmit of a SUBMITTED order). */
function trySubmit(state: State, ctx: Ctx, m: ManagedOrder): void {
  const o = m.snapshot.context;
  const open = state.store.openQty(o.venue, o.instrument, o.orderId);
  const order = { side: o.side, qty: o.qty, reduceOnly: m.reduceOnly, flatten: o.strategy === FLATTEN_STRATEGY_ID };
  const refusal = gateRefusal(ctx.gate.read(), order, state.store.position(o.venue, o.instrument), open.buy, open.sell, ctx.gate.flattenPermitted());
  const initial = statusOf(m.snapshot) === 'INITIALIZED';
  if (refusal !== RejectReason.NONE) {
    m.inflight = null;
    m.retry = null;
    applyEvent(state, ctx, m, initial ? { type: 'DENY', reason: refusal } : { type: 'REJECT', reason: refusal });
    count(state.counters.denied, rejectReasonName(refusal));
    ctx.log.info({ orderId: o.orderId, reason: rejectReasonName(refusal), gate: tradingStateName(ctx.gate.read()) }, `order ${o.clientOrderId} denied by the trading gate: ${rejectReasonName(refusal)}`);
    toReportPeers(state, ctx, reportFromRecord(state, ctx, m, ExecStatus.REJECTED, refusal), !initial);
    return;
  }
  m.attempts++;
  m.inflight = { op: 'submit', purpose: 'submit', attempt: m.attempts, sentAtMs: ctx.clock.now() };
  // Write-ahead: the journal holds the order before the command can reach the venue.
  if (initial) applyEvent(state, ctx, m, { type: 'SUBMIT', tsUs: ctx.clock.nowUs() });
  else {
    state.store.persist(m);
    state.counters.resubmits++;
  }
  state.counters.submits++;
  sendCommand(state, ctx, OrderAction.SUBMIT, m, o.venue);
}

function sendQuery(state: State, ctx: Ctx, m: ManagedOrder, purpose: Inflight['purpose'], attempt: number): void {
  m.inflight = { op: 'query', purpose, attempt, sentAtMs: ctx.clock.now() };
  state.counters.queries++;
  sendCommand(state, ctx, OrderAction.QUERY, m, m.snapshot.context.venue);
}

function sendCancel(state: State, ctx: Ctx, m: ManagedOrder, attempt: number): void {
  m.inflight = { op: 'cancel', purpose: 'cancel', attempt, sentAtMs: ctx.clock.now() };
  state.counters.cancels++;
  sendCommand(state, ctx, OrderAction.CANCEL, m, m.snapshot.context.venue);
}

function onIntent(state: State, ctx: Ctx, intent: OrderIntent): void {
  state.counters.intents++;
  let orderId: number;
  try {
    orderId = orderIdFor(intent.strategy, intent.intentId);
  } catch (error) {
    state.counters.badIntents++;
    ctx.log.error({ strategy: intent.strategy, intentId: intent.intentId }, `refused an intent: ${(error as Error).message}`);
    return;
  }
  if (state.store.get(orderId)) {
    // The same intent again (redelivered after a crash, or sent twice): never a second order.
    state.counters.duplicateIntents++;
    ctx.log.info({ orderId }, `duplicate intent ${intent.strategy}/${intent.intentId}: order ${orderId} exists, nothing sent`);
    return;
  }
  const spec = ctx.config.specs.get(intent.instrument);
  if (!state.venuePeers.has(intent.venue) || !spec) {
    state.counters.badIntents++;
    ctx.log.warn({ orderId, venue: intent.venue, instrument: intent.instrument }, `intent ${intent.strategy}/${intent.intentId}: venue ${intent.venue} / instrument ${intent.instrument} is not configured`);
    rejectIntent(state, ctx, intent, orderId, RejectReason.UNKNOWN_INSTRUMENT);
    return;
  }
  if (!(intent.qty > 0 && Number.isFinite(intent.qty)) || !(intent.price >= 0 && Number.isFinite(intent.price))) {
    state.counters.badIntents++;
    ctx.log.warn({ orderId, qty: intent.qty, price: intent.price }, `intent ${intent.strategy}/${intent.intentId}: qty must be > 0 and price >= 0 (finite)`);
    rejectIntent(state, ctx, intent, orderId, intent.qty > 0 ? RejectReason.PRICE_OUT_OF_RANGE : RejectReason.QTY_OUT_OF_RANGE);
    return;
  }
  if (!reconciled(state, intent.venue)) {
    if (state.held.length >= ctx.config.max_held_intents) {
      rejectIntent(state, ctx, intent, orderId, RejectReason.NOT_RECONCILED);
      return;
    }
    state.held.push({ intent: { ...intent }, heldAtMs: ctx.clock.now() });
    return;
  }
  const snapshot = createOrder({
    orderId,
    clientOrderId: clientOrderId(ctx.config.namespace, intent.strategy, intent.intentId),
    strategy: intent.strategy,
    intentId: intent.intentId,
    venue: intent.venue,
    instrument: intent.instrument,
    side: intent.side,
    type: intent.type,
    price: intent.price,
    qty: intent.qty,
    stepSize: spec.stepSize,
  });
  const m = state.store.add(snapshot, { timeInForce: intent.timeInForce, reduceOnly: intent.reduceOnly, expectedPrice: intent.expectedPrice });
  trySubmit(state, ctx, m);
}

function onReport(state: State, ctx: Ctx, report: ExecutionReport): void {
  state.counters.reports++;
  const m = state.store.get(report.orderId);
  if (!m) {
    state.counters.unknownReports++;
    ctx.log.warn({ orderId: report.orderId, venue: report.venue, status: report.status }, `report for order ${report.orderId}, which has no record here: ignored`);
    return;
  }
  const meaning = meaningOfReport(report);
  if (meaning.kind === 'error') {
    onVenueError(state, ctx, m, report, meaning.reason, meaning.errorKind);
    return;
  }
  if (meaning.kind === 'none') return;
  const inflight = m.inflight;
  const step = applyEvent(state, ctx, m, meaning.event);
  // A submit or a query is answered by any report; a cancel only by the order closing.
  if (inflight !== null && (inflight.op !== 'cancel' || !OPEN_STATUSES.has(step.status))) m.inflight = null;
  toReportPeers(state, ctx, report);
}

function onVenueError(state: State, ctx: Ctx, m: ManagedOrder, report: ExecutionReport, reason: RejectReason, kind: Parameters<typeof classifyVenueError>[0]): void {
  const status = statusOf(m.snapshot);
  const inflight = m.inflight;
  // A refusal of an order the venue never acknowledged is the submit being refused (the gate of
  // the exchange actor, the venue's filters), even while we are already cancelling it.
  const submitRefused = report.status === ExecStatus.REJECTED && !m.snapshot.context.acknowledged && reason !== RejectReason.UNKNOWN_ORDER && inflight?.op !== 'query';
  const op: VenueOperation = submitRefused ? 'submit' : inflight?.op ?? (status === 'SUBMITTED' ? 'submit' : status === 'PENDING_CANCEL' ? 'cancel' : 'query');
  const purpose: Inflight['purpose'] = inflight?.purpose ?? (op === 'query' ? 'reconcile' : op);
  const attempt = inflight?.attempt ?? 1;
  m.inflight = null;
  notifyVenueError(state, ctx, m, reason, op);
  const o = m.snapshot.context;
  if (op === 'query' && reason === RejectReason.UNKNOWN_ORDER) {
    if (status === 'SUBMITTED') {
      // The venue has never seen it: resubmitting with the same client id is safe.
      if (m.attempts < state.policy.maxAttempts) {
        ctx.log.warn({ orderId: o.orderId }, `order ${o.clientOrderId} is unknown to the venue: submitting it again (attempt ${m.attempts + 1})`);
        trySubmit(state, ctx, m);
      } else {
        applyEvent(state, ctx, m, { type: 'REJECT', reason: RejectReason.UNKNOWN_ORDER });
        toReportPeers(state, ctx, reportFromRecord(state, ctx, m, ExecStatus.REJECTED, RejectReason.UNKNOWN_ORDER));
      }
    } else if (OPEN_STATUSES.has(status)) {
      ctx.log.warn({ orderId: o.orderId, status }, `order ${o.clientOrderId} (${status}) is no longer known to the venue: closed as CANCELED`);
      applyEvent(state, ctx, m, { type: 'CANCELED' });
      toReportPeers(state, ctx, reportFromRecord(state, ctx, m, ExecStatus.CANCELED, RejectReason.NONE));
    }
    return;
  }
  let decision = classifyVenueError(kind, op, attempt, 0, state.policy);
  // We are cancelling it anyway: a submit that was not processed is not sent again.
  if (op === 'submit' && status === 'PENDING_CANCEL' && decision.action === 'RETRY_AFTER_BACKOFF') decision = { ...decision, action: 'FINAL' };
  const now = ctx.clock.now();
  switch (decision.action) {
    case 'FINAL':
      if (op === 'submit') {
        applyEvent(state, ctx, m, { type: 'REJECT', reason });
        toReportPeers(state, ctx, report);
      } else if (op === 'cancel') {
        const step = applyEvent(state, ctx, m, { type: 'CANCEL_REJECTED', reason });
        const exec = execStatusOfLifecycle(step.status, step.order.cumQty);
        if (exec !== undefined) toReportPeers(state, ctx, reportFromRecord(state, ctx, m, exec, reason));
      } else {
        state.counters.unresolved++;
        ctx.log.error({ orderId: o.orderId, reason: rejectReasonName(reason) }, `could not learn the state of order ${o.clientOrderId}: ${rejectReasonName(reason)}; it stays ${status} until the venue reports`);
      }
      return;
    case 'RETRY_AFTER_BACKOFF':
      m.retry = { op, purpose, attempt: attempt + 1, atMs: now + decision.retryAfterMs };
      return;
    case 'QUERY_THEN_DECIDE':
      m.retry = { op: 'query', purpose: op === 'query' ? purpose : op, attempt: 1, atMs: now + decision.retryAfterMs };
      return;
  }
}

function fillFromFrame(state: State, ctx: Ctx, fill: Fill): void {
  const m = state.store.get(fill.orderId);
  if (!m) {
    // Money moved on our account for an order we hold no record of: risk must still see it.
    state.counters.unknownFills++;
    ctx.log.warn({ orderId: fill.orderId, tradeId: fill.tradeId }, `fill ${fill.tradeId} for order ${fill.orderId}, which has no record here: passed on to risk`);
    fillToPeers(state, ctx, fill);
    return;
  }
  const step = applyEvent(state, ctx, m, { type: 'FILL', tradeId: fill.tradeId, qty: fill.qty, price: fill.price, fee: fill.fee, tsUs: fill.receiveTsUs, liquidity: fill.liquidity, exchangeTsMs: fill.exchangeTsMs });
  if (!step.outcome.ok) return;
  if (step.outcome.duplicate) {
    state.counters.duplicateFills++;
    return;
  }
  state.counters.fills++;
  if (step.status === 'FILLED') {
    m.inflight = null;
    m.retry = null;
  } else if (m.inflight?.op === 'submit' || m.inflight?.op === 'query') m.inflight = null;
  fillToPeers(state, ctx, fill);
}

// ---- cancel-all --------------------------------------------------------------------------------

function beginCancelAll(state: State, ctx: Ctx, trigger: CancelAllTrigger, seq: number): CancelAllProgress {
  const now = ctx.clock.now();
  const open = state.store.open();
  for (const m of open) {
    if (statusOf(m.snapshot) !== 'PENDING_CANCEL') applyEvent(state, ctx, m, { type: 'CANCEL_REQUEST' });
    m.inflight = { op: 'cancel', purpose: 'cancel', attempt: 1, sentAtMs: now };
    m.retry = null;
  }
  const progress = startCancelAll(trigger, seq, now, state.venuePeers.keys(), open.map((m) => m.snapshot.context.orderId));
  state.cancelAll = progress;
  for (const venue of state.venuePeers.keys()) sendCommand(state, ctx, OrderAction.CANCEL_ALL, null, venue);
  ctx.log.warn({ trigger, seq, orders: open.length }, `cancel-all (${trigger}): CANCEL_ALL sent to ${state.venuePeers.size} venue(s), ${open.length} open order(s) of ours to confirm`);
  progressCancelAll(state, ctx);
  return progress;
}

function requestSnapshot(state: State, ctx: Ctx, venue: number, purpose: SnapshotRequest['purpose'], sinceMs = Math.max(0, ctx.clock.now() - ctx.config.reconcile_lookback_ms)): string {
  const outbox = state.venuePeers.get(venue)!;
  const requestId = `${state.incarnation}-${++state.requestSeq}`;
  const request: VenueReconcileRequest = { type: VENUE_RECONCILE, requestId, sinceMs };
  // A cancel-all is confirmed by open orders alone: the account's trade history would only slow the answer.
  if (purpose === 'cancel-all') request.openOrdersOnly = true;
  state.requests.set(requestId, { venue, purpose, nextChunk: 0, openOrders: [], fills: [], balances: [] });
  // Sent or not (full ring), the request times out and is asked again.
  sendControl(state, ctx, outbox, request, `${purpose} request`);
  return requestId;
}

function progressCancelAll(state: State, ctx: Ctx): void {
  const p = state.cancelAll;
  if (!p || p.doneAtMs !== null) return;
  const now = ctx.clock.now();
  for (const venue of venuesToConfirm(p, now, ctx.config.reconcile_timeout_ms)) {
    const unanswered = p.venues.get(venue)!.requestId;
    if (unanswered !== null) state.requests.delete(unanswered);
    markRequested(p, venue, requestSnapshot(state, ctx, venue, 'cancel-all'), now);
  }
}

function onCancelAllSnapshot(state: State, ctx: Ctx, snapshot: { venue: number; openOrders: VenueOpenOrder[]; error?: string }): void {
  const p = state.cancelAll;
  if (!p || p.doneAtMs !== null) return;
  const now = ctx.clock.now();
  const open = snapshot.error !== undefined ? Number.POSITIVE_INFINITY : snapshot.openOrders.length;
  if (snapshot.error !== undefined) ctx.log.warn({ venue: snapshot.venue }, `cancel-all: venue ${snapshot.venue} could not be read (${snapshot.error}); asking again`);
  if (!onConfirmationSnapshot(p, snapshot.venue, open, now, ctx.config.cancel_all_retry_ms)) {
    if (open > 0 && open !== Number.POSITIVE_INFINITY) {
      ctx.log.warn({ venue: snapshot.venue, open }, `cancel-all: venue ${snapshot.venue} still lists ${open} open order(s); sending CANCEL_ALL again`);
      sendCommand(state, ctx, OrderAction.CANCEL_ALL, null, snapshot.venue);
    }
    return;
  }
  const done = cancelAllSummary(p);
  state.lastAllCancelled = done;
  ctx.emit('orders.all-cancelled', done);
  ctx.log.warn(done, `cancel-all (${p.trigger}) confirmed: ${p.cancelledOrders} order(s) of ours cancelled, no open order on any venue (${done.tookMs} ms)`);
  if (p.trigger === 'halt' && ctx.gate.flattenPermitted()) beginFlatten(state, ctx, p.seq);
}

// ---- flatten on halt ---------------------------------------------------------------------------

/** One reduce-only market order per market our fills left a position on (flatten.ts). */
function beginFlatten(state: State, ctx: Ctx, seq: number): void {
  const plan = planFlatten(state.store.positionList(), (instrument) => ctx.config.specs.get(instrument));
  let intentId = 0;
  for (const m of state.store.values()) {
    const o = m.snapshot.context;
    if (o.strategy === FLATTEN_STRATEGY_ID) intentId = Math.max(intentId, o.intentId);
  }
  const sent: ManagedOrder[] = [];
  for (const order of plan.orders) {
    if (!state.venuePeers.has(order.venue)) continue;
    intentId++;
    const spec = ctx.config.specs.get(order.instrument)!;
    const m = state.store.add(
      createOrder({
        orderId: orderIdFor(FLATTEN_STRATEGY_ID, intentId),
        clientOrderId: clientOrderId(ctx.config.namespace, FLATTEN_STRATEGY_ID, intentId),
        strategy: FLATTEN_STRATEGY_ID, intentId, venue: order.venue, instrument: order.instrument,
        side: order.side, type: OrderType.MARKET, price: 0, qty: order.qty, stepSize: spec.stepSize,
      }),
      { timeInForce: TimeInForce.IOC, reduceOnly: 1, expectedPrice: 0 },
    );
    sent.push(m);
  }
  state.flatten = startFlatten(seq, ctx.clock.now(), sent.map((m) => m.snapshot.context.orderId), plan.dust);
  const what = plan.orders.map((o) => `${o.side === Side.BUY ? 'buy' : 'sell'} ${o.qty} of instrument ${o.instrument} on venue ${o.venue}`);
  ctx.log.warn({ seq, orders: what, dust: plan.dust }, sent.length > 0 ? `flatten on halt: ${what.join('; ')}` : 'flatten on halt: no position to close');
  if (plan.dust.length > 0) ctx.log.warn({ dust: plan.dust }, `flatten on halt: ${plan.dust.length} position(s) below the minimum order size stay open`);
  for (const m of sent) trySubmit(state, ctx, m);
  progressFlatten(state, ctx);
}

function progressFlatten(state: State, ctx: Ctx): void {
  const f = state.flatten;
  if (!f || f.doneAtMs !== null) return;
  const stillOpen = (orderId: number): boolean => {
    const m = state.store.get(orderId);
    return m !== undefined && OPEN_STATUSES.has(statusOf(m.snapshot));
  };
  const tried = f.orderIds.map((id) => state.store.get(id)?.snapshot.context).filter((o) => o !== undefined);
  const positionsNow = tried.map((o) => ({ venue: o.venue, instrument: o.instrument, qty: state.store.position(o.venue, o.instrument) }));
  if (!settleFlatten(f, stillOpen, positionsNow, ctx.clock.now())) return;
  ctx.emit('orders.flattened', { seq: f.seq, orders: f.orderIds.length, leftOver: f.leftOver, dust: f.dust, tookMs: f.doneAtMs! - f.startedAtMs });
  if (f.leftOver.length === 0) ctx.log.warn({ seq: f.seq, tookMs: f.doneAtMs! - f.startedAtMs }, `flatten on halt done: ${f.orderIds.length} order(s), every position they were for is flat`);
  else ctx.log.error({ seq: f.seq, leftOver: f.leftOver }, `flatten on halt finished with positions left open: ${f.leftOver.map((x) => `${x.qty} of instrument ${x.instrument} on venue ${x.venue}`).join('; ')} (see the order reports for why)`);
}

// ---- reconciliation ----------------------------------------------------------------------------

/** Asks the venue for a snapshot; `trigger` set: a new reconciliation, else the pending one asked again. */
function startReconcile(state: State, ctx: Ctx, venue: number, trigger?: ReconcileTrigger): void {
  const r = state.reconciliation.get(venue)!;
  if (trigger !== undefined) {
    r.trigger = trigger;
    count(state.counters.reconciles, trigger);
  }
  if (r.requestId !== null) state.requests.delete(r.requestId);
  r.status = 'requested';
  r.attempts++;
  r.sentAtMs = ctx.clock.now();
  const sinceMs = fillsSinceMs(r.trigger, r.sentAtMs, ctx.config.reconcile_lookback_ms, r.lastReadAtMs, ctx.config.recheck_overlap_ms);
  r.requestId = requestSnapshot(state, ctx, venue, 'reconcile', sinceMs);
}

/** The venue's user-data stream had a gap: read the venue again now, holding its intents meanwhile. */
function onStreamGap(state: State, ctx: Ctx, message: unknown, peer: string): void {
  let gap;
  try {
    gap = parseVenueStreamGap(message);
  } catch (error) {
    state.counters.badControl++;
    ctx.log.error({ peer }, `bad venue.stream-gap from ${peer}: ${(error as Error).message}`);
    return;
  }
  const r = state.reconciliation.get(gap.venue);
  if (r === undefined || state.venuePeers.get(gap.venue)?.peer !== peer) {
    state.counters.badControl++;
    ctx.log.error({ peer, venue: gap.venue }, `venue.stream-gap from ${peer} names venue ${gap.venue}, which is not that peer's venue here: ignored`);
    return;
  }
  ctx.log.warn({ venue: gap.venue, detail: gap.detail }, `venue ${gap.venue}: user-data stream back after a gap (${gap.detail}); reconciling before sending more there`);
  startReconcile(state, ctx, gap.venue, triggerAfterStreamGap(r.status, r.trigger));
}

function ownView(m: ManagedOrder): OwnOrderView {
  const o = m.snapshot.context;
  return {
    orderId: o.orderId, clientOrderId: o.clientOrderId, instrument: o.instrument, side: o.side, status: statusOf(m.snapshot), qty: o.qty,
    cumQty: o.cumQty, price: o.price, tradeIds: o.fills.map((f) => f.tradeId),
  };
}

function fillMessage(state: State, ctx: Ctx, venue: number, orderId: number, f: VenueSnapshotFill): Fill {
  const fill = state.fill;
  fill.orderId = orderId;
  fill.venue = venue;
  fill.instrument = f.instrument;
  fill.side = f.side;
  fill.price = f.price;
  fill.qty = f.qty;
  fill.fee = f.fee;
  fill.liquidity = f.liquidity;
  fill.tradeId = f.tradeId;
  fill.exchangeTsMs = f.exchangeTsMs;
  fill.receiveTsUs = ctx.clock.nowUs();
  return fill;
}

function applyReconciliation(state: State, ctx: Ctx, venue: number, openOrders: VenueOpenOrder[], fills: VenueSnapshotFill[], balances: VenueBalance[]): void {
  const ns = ctx.config.namespace;
  const own = [...state.store.values()].filter((m) => m.snapshot.context.venue === venue).map(ownView);
  const booked = new Set<string>();
  const prefix = `${venue}:`;
  for (const key of state.bookedWithoutRecord.keys()) if (key.startsWith(prefix)) booked.add(key.slice(prefix.length));
  const plan = reconcile({ namespace: ns, ownOrders: own, venueOpenOrders: openOrders, venueRecentFills: fills, bookedWithoutRecord: booked });
  const r = state.reconciliation.get(venue)!;
  if (plan.statusConflicts.length > 0 && r.unconfirmedConflicts === null) {
    // A snapshot can be older than reports that reached us before it (the venue's list was read
    // while a cancel was completing). A closed order is reopened on the venue's word only if a
    // snapshot requested after we closed it lists it open too: such a stale listing cannot repeat.
    r.unconfirmedConflicts = new Set(plan.statusConflicts.map((c) => c.clientOrderId));
    ctx.log.warn({ venue, conflicts: [...r.unconfirmedConflicts] }, `reconcile: venue ${venue} lists ${plan.statusConflicts.length} order(s) open that we hold as closed; asking for a fresh snapshot before adopting`);
    startReconcile(state, ctx, venue);
    return;
  }
  const confirmed = r.unconfirmedConflicts;
  r.unconfirmedConflicts = null;
  const stale = plan.statusConflicts.filter((c) => confirmed !== null && !confirmed.has(c.clientOrderId));
  if (stale.length > 0) ctx.log.info({ venue, stale: stale.map((c) => c.clientOrderId) }, `reconcile: venue ${venue}: listings of orders we closed meanwhile are stale, not adopted`);
  plan.statusConflicts = plan.statusConflicts.filter((c) => confirmed === null || confirmed.has(c.clientOrderId));
  const knownExternal = new Set([...state.external.values()].filter((e) => e.venue === venue).map((e) => e.clientOrderId));
  const differences = differencesOf(plan, knownExternal);
  const byFill = new Map(fills.map((f) => [fillKey(f.instrument, f.tradeId), f]));
  const orphanFills = new Map<string, VenueSnapshotFill[]>();

  // Orders of ours the venue holds and we have no record of (crash between send and journal).
  for (const a of plan.adoptOwn) {
    const spec = ctx.config.specs.get(a.instrument);
    if (!spec) {
      ctx.log.error({ clientOrderId: a.clientOrderId, instrument: a.instrument }, `reconcile: own order ${a.clientOrderId} is on instrument ${a.instrument}, which is not configured: tracked as external`);
      state.external.set(a.clientOrderId, { ...a, venue });
      continue;
    }
    const terms = adoptedOrderTerms(a, a.strategy);
    const m = state.store.add(
      createOrder({
        orderId: orderIdFor(a.strategy, a.intentId), clientOrderId: a.clientOrderId, strategy: a.strategy, intentId: a.intentId, venue,
        instrument: a.instrument, side: a.side, type: terms.type, price: a.price, qty: a.qty, stepSize: spec.stepSize,
      }),
      { timeInForce: terms.timeInForce, reduceOnly: terms.reduceOnly, expectedPrice: a.price },
    );
    m.attempts = 1;
    applyEvent(state, ctx, m, { type: 'SUBMIT', tsUs: ctx.clock.nowUs() });
    applyEvent(state, ctx, m, { type: 'ACCEPT', venueOrderId: a.venueOrderId });
    recordAdopted(state, ctx, m);
    orphanFills.set(a.clientOrderId, []);
  }
  for (const u of plan.unknownFills) {
    const f = byFill.get(fillKey(u.fill.instrument, u.fill.tradeId))!;
    if (u.owner !== 'own') state.bookedWithoutRecord.set(`${venue}:${fillKey(f.instrument, f.tradeId)}`, ctx.clock.now());
    if (u.owner === 'external') {
      state.externalFills++;
      continue;
    }
    const parts = parseClientOrderId(f.clientOrderId, ns);
    const orderId = u.orderId ?? (parts ? orderIdFor(parts.strategy, parts.intentId) : 0);
    const m = state.store.get(orderId);
    if (m) {
      const step = applyEvent(state, ctx, m, { type: 'FILL', tradeId: f.tradeId, qty: f.qty, price: f.price, fee: f.fee, tsUs: ctx.clock.nowUs(), liquidity: f.liquidity, exchangeTsMs: f.exchangeTsMs });
      if (step.outcome.ok && !step.outcome.duplicate) fillToPeers(state, ctx, fillMessage(state, ctx, venue, orderId, f));
    } else {
      // Ours by its id, but closed and unrecorded: the position moved, so risk hears of it.
      state.orphanFills++;
      fillToPeers(state, ctx, fillMessage(state, ctx, venue, orderId, f));
    }
  }
  // The venue's list is the truth about orders not ours: ones it no longer lists are gone.
  for (const id of knownExternal) state.external.delete(id);
  for (const e of plan.adoptExternal) state.external.set(e.clientOrderId, { ...e, venue });
  for (const x of plan.matched) {
    const m = state.store.get(x.orderId)!;
    if (!m.snapshot.context.acknowledged) applyEvent(state, ctx, m, { type: 'ACCEPT', venueOrderId: x.venueOrderId });
    // A cancel we journaled may never have left before the restart.
    if (statusOf(m.snapshot) === 'PENDING_CANCEL') sendCancel(state, ctx, m, 1);
  }
  for (const x of plan.missingOnVenue) {
    const m = state.store.get(x.orderId)!;
    // An order with a command or a retry in flight is being resolved already (a re-check while
    // trading may simply have read the venue before the submit arrived there).
    if (r.trigger !== 'start' && (m.inflight !== null || m.retry !== null)) continue;
    if (OPEN_STATUSES.has(statusOf(m.snapshot))) sendQuery(state, ctx, m, statusOf(m.snapshot) === 'SUBMITTED' ? 'submit' : 'reconcile', 1);
  }
  for (const x of plan.quantityMismatches) {
    const m = state.store.get(x.orderId)!;
    if (m.inflight === null) sendQuery(state, ctx, m, 'reconcile', 1);
  }
  for (const x of plan.statusConflicts) {
    const m = state.store.get(x.orderId)!;
    const v = openOrders.find((o) => o.clientOrderId === x.clientOrderId)!;
    ctx.log.warn({ orderId: x.orderId, ours: x.ourStatus }, `reconcile: we hold ${x.clientOrderId} as ${x.ourStatus}, the venue lists it open: adopting the venue's view`);
    state.store.force(m, m.snapshot.context.cumQty > 0 ? 'PARTIALLY_FILLED' : 'ACCEPTED', { acknowledged: true, venueOrderId: v.venueOrderId, leavesQty: Math.max(0, v.qty - v.cumQty) });
  }
  const summaryCounts = {
    matched: plan.matched.length,
    missingOnVenue: plan.missingOnVenue.length,
    adoptedOwn: plan.adoptOwn.length,
    adoptedExternal: plan.adoptExternal.length,
    unknownFills: plan.unknownFills.length,
    quantityMismatches: plan.quantityMismatches.length,
    statusConflicts: plan.statusConflicts.length,
  };
  for (const d of differences) {
    count(state.counters.reconcileDifferences, d.kind);
    const event = { venue, trigger: r.trigger, ...d };
    ctx.emit('orders.reconcile-difference', event);
    ctx.log.warn(event, `reconcile (${r.trigger}): venue ${venue}, ${d.kind} ${d.clientOrderId}: ${d.detail}`);
  }
  r.status = 'reconciled';
  r.requestId = null;
  r.reconciledAtMs = ctx.clock.now();
  r.lastReadAtMs = r.sentAtMs;
  r.lastError = null;
  r.summary = summaryCounts;
  // Behind the fills booked above on the same ring: risk compares a ledger that holds them.
  const notice: VenueBalancesNotice = { type: VENUE_BALANCES, venue, balances, atMs: r.sentAtMs };
  sendControl(state, ctx, state.riskPeer, notice, 'venue.balances notice');
  // Orders of restarted strategies adopted just now were not known when they asked.
  cancelOlderIncarnations(state, ctx);
  ctx.emit('orders.reconciled', { venue, trigger: r.trigger, clean: plan.clean, differences: differences.length, ...summaryCounts });
  ctx.log.info({ venue, trigger: r.trigger, ...summaryCounts }, `venue ${venue} reconciled (${r.trigger})${plan.clean ? ', clean' : `, ${differences.length} difference(s) resolved`}`);
  releaseHeld(state, ctx);
}

function releaseHeld(state: State, ctx: Ctx): void {
  const now = ctx.clock.now();
  const waiting: HeldIntent[] = [];
  const ready: HeldIntent[] = [];
  for (const h of state.held) {
    if (now - h.heldAtMs > ctx.config.hold_intents_ms) {
      rejectIntent(state, ctx, h.intent, orderIdFor(h.intent.strategy, h.intent.intentId), RejectReason.NOT_RECONCILED);
    } else if (reconciled(state, h.intent.venue)) ready.push(h);
    else waiting.push(h);
  }
  state.held = waiting;
  for (const h of ready) onIntent(state, ctx, h.intent);
}

function onSnapshot(state: State, ctx: Ctx, message: unknown, peer: string): void {
  let snapshot: VenueSnapshot;
  try {
    snapshot = parseVenueSnapshot(message);
  } catch (error) {
    state.counters.badControl++;
    ctx.log.error({ peer }, `bad venue.snapshot from ${peer}: ${(error as Error).message}`);
    return;
  }
  const request = state.requests.get(snapshot.requestId);
  if (!request || request.venue !== snapshot.venue) {
    state.counters.staleSnapshots++;
    return;
  }
  if (snapshot.chunk !== request.nextChunk) {
    state.requests.delete(snapshot.requestId);
    ctx.log.error({ peer, chunk: snapshot.chunk, expected: request.nextChunk }, `venue.snapshot from ${peer}: chunk ${snapshot.chunk} arrived, expected ${request.nextChunk}; asking again`);
    retryLater(state, ctx, request, 'chunks out of order');
    return;
  }
  request.nextChunk++;
  request.openOrders.push(...snapshot.openOrders);
  request.fills.push(...snapshot.fills);
  request.balances.push(...snapshot.balances);
  if (!snapshot.final) return;
  state.requests.delete(snapshot.requestId);
  if (request.purpose === 'cancel-all') {
    onCancelAllSnapshot(state, ctx, { venue: request.venue, openOrders: request.openOrders, ...(snapshot.error !== undefined ? { error: snapshot.error } : {}) });
    return;
  }
  if (snapshot.error !== undefined) {
    retryLater(state, ctx, request, snapshot.error);
    return;
  }
  try {
    applyReconciliation(state, ctx, request.venue, request.openOrders, request.fills, request.balances);
  } catch (error) {
    retryLater(state, ctx, request, (error as Error).message);
  }
}

function retryLater(state: State, ctx: Ctx, request: SnapshotRequest, why: string): void {
  if (request.purpose !== 'reconcile') return;
  const r = state.reconciliation.get(request.venue)!;
  r.status = 'retry-pending';
  r.lastError = why;
  r.requestId = null;
  r.retryAtMs = ctx.clock.now() + Math.min(ctx.config.reconcile_timeout_ms, 1000 * r.attempts);
  ctx.log.error({ venue: request.venue }, `reconciliation with venue ${request.venue} failed: ${why}; trying again`);
}

// ---- timer -------------------------------------------------------------------------------------

function tick(state: State, ctx: Ctx): void {
  const now = ctx.clock.now();
  for (const m of state.store.open()) {
    const retry = m.retry;
    if (retry !== null) {
      if (now < retry.atMs) continue;
      m.retry = null;
      if (retry.op === 'submit') trySubmit(state, ctx, m);
      else if (retry.op === 'cancel') sendCancel(state, ctx, m, retry.attempt);
      else sendQuery(state, ctx, m, retry.purpose, retry.attempt);
      continue;
    }
    const inflight = m.inflight;
    if (inflight === null || now - inflight.sentAtMs <= ctx.config.ack_timeout_ms) continue;
    state.counters.ackTimeouts++;
    if (inflight.op === 'query' && inflight.attempt >= state.policy.maxAttempts) {
      m.inflight = null;
      state.counters.unresolved++;
      ctx.log.error({ orderId: m.snapshot.context.orderId }, `order ${m.snapshot.context.clientOrderId}: ${inflight.attempt} queries went unanswered; waiting for the venue to report`);
      continue;
    }
    // No word in time: ask the venue what became of it before deciding anything.
    sendQuery(state, ctx, m, inflight.op === 'query' ? inflight.purpose : inflight.op, inflight.op === 'query' ? inflight.attempt + 1 : 1);
  }
  for (const [venue, r] of state.reconciliation) {
    if ((r.status === 'requested' && now - r.sentAtMs > ctx.config.reconcile_timeout_ms) || (r.status === 'retry-pending' && now >= r.retryAtMs)) {
      startReconcile(state, ctx, venue);
    } else if (periodicDue(r.status, r.reconciledAtMs, now, ctx.config.reconcile_every_ms)) startReconcile(state, ctx, venue, 'periodic');
  }
  for (const key of expiredTradeKeys(state.bookedWithoutRecord, now, ctx.config.reconcile_lookback_ms)) state.bookedWithoutRecord.delete(key);
  if (state.held.length > 0) releaseHeld(state, ctx);
  const p = state.cancelAll;
  if (p && p.doneAtMs === null) {
    const resend = startNextRound(p, now, ctx.config.cancel_all_retry_ms);
    if (resend.length > 0) {
      for (const venue of resend) sendCommand(state, ctx, OrderAction.CANCEL_ALL, null, venue);
      for (const id of p.awaiting) {
        const m = state.store.get(id);
        if (m && m.inflight === null && m.retry === null) sendQuery(state, ctx, m, 'cancel', 1);
      }
    }
    progressCancelAll(state, ctx);
  }
  state.store.pruneFinished(ctx.config.keep_finished_orders);
}

// ---- status ------------------------------------------------------------------------------------

function orderSummary(m: ManagedOrder, specs: ReadonlyMap<number, InstrumentSpec>) {
  const o = m.snapshot.context;
  const spec = specs.get(o.instrument);
  return {
    orderId: o.orderId,
    clientOrderId: o.clientOrderId,
    strategy: o.strategy,
    intentId: o.intentId,
    venue: o.venue,
    instrument: o.instrument,
    side: o.side === Side.BUY ? 'BUY' : 'SELL',
    type: o.type,
    timeInForce: m.timeInForce,
    reduceOnly: m.reduceOnly,
    status: statusOf(m.snapshot),
    // Decimal text at the instrument's precision (order-figures.ts); an order of an instrument no longer configured shows none.
    ...(spec ? orderFigures(o, spec) : { figures: `instrument ${o.instrument} is not configured` }),
    attempts: m.attempts,
    inflight: m.inflight,
    retry: m.retry,
  };
}

function reconciliationStatus(state: State) {
  return Object.fromEntries([...state.reconciliation].map(([venue, r]) => [venue, {
    status: r.status, trigger: r.trigger, holdsTrading: holdsTrading(r.status, r.trigger), attempts: r.attempts, lastError: r.lastError,
    reconciledAtMs: r.reconciledAtMs, summary: r.summary,
  }]));
}

function status(state: State, ctx: Ctx) {
  return {
    gate: tradingStateName(ctx.gate.read()),
    lastTradingState: state.lastTradingState,
    reconciliation: reconciliationStatus(state),
    allReconciled: [...state.reconciliation.values()].every((r) => !holdsTrading(r.status, r.trigger)),
    openOrders: state.store.open().map((m) => orderSummary(m, ctx.config.specs)),
    externalOrders: [...state.external.values()],
    // Figures as decimal text at the instrument's precision (order-figures.ts), beside the raw record.
    recentFills: state.recentFills.map((f) => {
      const spec = ctx.config.specs.get(f.instrument);
      return spec ? { ...f, symbol: spec.symbol, figures: fillFigures(f, spec) } : { ...f, figures: `instrument ${f.instrument} is not configured` };
    }),
    heldIntents: state.held.length,
    cancelAll: state.cancelAll ? cancelAllSummary(state.cancelAll) : null,
    allCancelled: state.lastAllCancelled,
    flatten: state.flatten,
    journal: {
      file: ctx.config.journal_file, written: state.journal.written, replayedOrders: state.replayed.orders, skippedLines: state.replayed.skipped,
      problems: state.replayed.problems.slice(0, 10),
    },
    recovery: state.recovery,
    recorder: state.recorder.status(),
    positions: positionsOf(state),
    strategyRestarts: Object.fromEntries(state.cancelBelow),
    counters: { ...state.counters, externalFills: state.externalFills, orphanFills: state.orphanFills },
  };
}

function positionsOf(state: State): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of state.store.values()) {
    const o = m.snapshot.context;
    const key = `${o.venue}:${o.instrument}`;
    if (!(key in out)) out[key] = state.store.position(o.venue, o.instrument);
  }
  return out;
}

function databaseNaming(config: OrderManagerConfig) {
  return {
    namespace: config.namespace,
    venueIds: new Map(Object.entries(config.venue_names).map(([id, name]) => [name, Number(id)])),
    instruments: new Map([...config.specs.values()].map((spec) => [spec.symbol, spec])),
  };
}

/** Lines kept by the start-up compaction: every open order, and the newest finished ones. */
function linesToKeep(lines: Map<number, JournalLine>, keepFinished: number): JournalLine[] {
  const all = [...lines.values()];
  const finished = all.filter((l) => !OPEN_STATUSES.has(l.status) && l.status !== 'INITIALIZED');
  const dropped = new Set(finished.slice(0, Math.max(0, finished.length - keepFinished)).map((l) => l.order.orderId));
  return all.filter((l) => !dropped.has(l.order.orderId));
}

export default defineActor<OrderManagerConfig, State>({
  kind: 'order-manager',
  parseConfig: parseOrderManagerConfig,
  async init(ctx) {
    const { config } = ctx;
    const venuePeers = new Map<number, Outbox>();
    for (const [venue, peer] of config.venueIds) {
      const outbox = ctx.outboxes.get(peer);
      if (!outbox) throw new Error(`order-manager config: venues.${venue} names "${peer}", but this actor sends only to [${[...ctx.outboxes.keys()].join(', ')}]`);
      venuePeers.set(venue, outbox);
    }
    const riskPeer = ctx.outboxes.get(config.risk_peer);
    if (!riskPeer) throw new Error(`order-manager config: risk_peer "${config.risk_peer}" is not wired (sends: [${[...ctx.outboxes.keys()].join(', ')}])`);
    const reportPeers = [riskPeer];
    for (const name of config.strategy_peers) {
      const outbox = ctx.outboxes.get(name);
      if (!outbox) throw new Error(`order-manager config: strategy_peers names "${name}", which is not wired (sends: [${[...ctx.outboxes.keys()].join(', ')}])`);
      reportPeers.push(outbox);
    }

    const recorderPeer = config.recorder_peer ?? null;
    const recorderOutbox = recorderPeer === null ? null : ctx.outboxes.get(recorderPeer);
    if (recorderOutbox === undefined) throw new Error(`order-manager config: recorder_peer "${recorderPeer}" is not wired (sends: [${[...ctx.outboxes.keys()].join(', ')}])`);

    const replay = replayJournal(config.journal_file);
    for (const problem of replay.problems) ctx.log.warn(`journal: skipped ${problem}`);
    // Before any intent: orders the journal lacks (or holds older) come back from the database.
    const recovered = await recoverOpenOrders(config.database_url, replay.lines, databaseNaming(config), ctx.log, ctx.clock);
    const kept = linesToKeep(recovered.lines, config.keep_finished_orders);
    const journal = new OrderJournal(config.journal_file, kept);
    const store = new OrderStore(journal, (instrument) => config.specs.get(instrument)?.stepSize ?? 1e-8);
    for (const line of kept) store.restore(line);

    const state: State = {
      store,
      journal,
      replayed: { orders: kept.length, skipped: replay.skipped, problems: replay.problems },
      venuePeers,
      riskPeer,
      reportPeers,
      recorder: new RecorderCopy(recorderOutbox),
      recovery: recovered.report,
      policy: { baseBackoffMs: config.retry.base_backoff_ms, maxBackoffMs: config.retry.max_backoff_ms, maxAttempts: config.retry.max_attempts },
      reconciliation: new Map(),
      requests: new Map(),
      requestSeq: 0,
      incarnation: `${ctx.name}-${ctx.clock.now().toString(36)}`,
      held: [],
      external: new Map(),
      bookedWithoutRecord: new Map(),
      externalFills: 0,
      orphanFills: 0,
      recentFills: [],
      cancelAll: null,
      lastAllCancelled: null,
      flatten: null,
      lastTradingState: null,
      cancelBelow: new Map(),
      counters: {
        intents: 0, duplicateIntents: 0, badIntents: 0, denied: {}, submits: 0, resubmits: 0, cancels: 0, queries: 0, ackTimeouts: 0,
        reports: 0, unknownReports: 0, fills: 0, duplicateFills: 0, unknownFills: 0, venueErrors: {}, invalidTransitions: 0, unresolved: 0,
        ringFull: {}, ignoredFrames: 0, badControl: 0, staleSnapshots: 0, strategyRestartCancels: 0, fillReplays: 0, fillsReplayed: 0, reconcileDifferences: {}, reconciles: {},
      },
      command: orderCommandCodec.create(),
      report: executionReportCodec.create(),
      fill: fillCodec.create(),
    };
    for (const venue of venuePeers.keys()) {
      state.reconciliation.set(venue, { status: 'requested', trigger: 'start', lastReadAtMs: null, requestId: null, sentAtMs: 0, retryAtMs: 0, attempts: 0, lastError: null, reconciledAtMs: null, summary: null, unconfirmedConflicts: null });
      startReconcile(state, ctx, venue, 'start');
    }
    ctx.log.info({ replayed: kept.length, skipped: replay.skipped, venues: [...config.venueIds.values()] }, `order manager up: ${kept.length} order record(s) replayed from ${config.journal_file}; reconciling with ${venuePeers.size} venue(s)`);
    return state;
  },

  handle(state, frame, ctx) {
    const decoded = ctx.decode(frame);
    if (decoded === null) return;
    switch (decoded.kind) {
      case 'OrderIntent':
        onIntent(state, ctx, decoded.message);
        return;
      case 'ExecutionReport':
        onReport(state, ctx, decoded.message);
        return;
      case 'Fill':
        fillFromFrame(state, ctx, decoded.message);
        return;
      case 'TradingStateChange': {
        const change = decoded.message;
        state.lastTradingState = { state: tradingStateName(change.state), seq: change.seq };
        if (change.state === TradingState.HALTED) beginCancelAll(state, ctx, 'halt', change.seq);
        return;
      }
      case 'Control': {
        const type = controlType(decoded.message);
        if (type === VENUE_SNAPSHOT) onSnapshot(state, ctx, decoded.message, frame.peer);
        else if (type === VENUE_STREAM_GAP) onStreamGap(state, ctx, decoded.message, frame.peer);
        else if (type === ORDER_CANCEL) onCancelRequest(state, ctx, decoded.message, frame.peer);
        else if (type === ORDER_CANCEL_STRATEGY) onCancelStrategy(state, ctx, decoded.message, frame.peer);
        else if (type === FILLS_REPLAY) onFillsReplay(state, ctx, decoded.message, frame.peer);
        else {
          state.counters.ignoredFrames++;
          ctx.log.debug({ peer: frame.peer, type }, `ignored control frame ${String(type)} from ${frame.peer}`);
        }
        return;
      }
      default:
        state.counters.ignoredFrames++;
        ctx.log.warn({ peer: frame.peer, kind: decoded.kind }, `ignored a ${decoded.kind} frame from ${frame.peer}: the order manager does not consume it`);
    }
  },

  timers: {
    tick: { everyMs: (config) => config.tick_ms, run: tick },
  },

  control: {
    status: (state, _args, ctx) => status(state, ctx),
    cancelAll(state, _args, ctx) {
      const p = beginCancelAll(state, ctx, 'operator', 0);
      return cancelAllSummary(p);
    },
  },

  describe(state) {
    return {
      openOrders: state.store.open().length,
      reconciliation: Object.fromEntries([...state.reconciliation].map(([venue, r]) => [venue, r.status])),
      heldIntents: state.held.length,
      cancelAll: state.cancelAll ? { trigger: state.cancelAll.trigger, done: state.cancelAll.doneAtMs !== null, awaiting: state.cancelAll.awaiting.size } : null,
      allCancelled: state.lastAllCancelled,
      flatten: state.flatten,
      submits: state.counters.submits,
      fills: state.counters.fills,
      reconciliationSummary: Object.fromEntries([...state.reconciliation].map(([venue, r]) => [venue, r.summary])),
      recovery: state.recovery,
      recorder: state.recorder.status(),
    };
  },

  stop(state) {
    state.journal.close();
  },
});

function onCancelRequest(state: State, ctx: Ctx, message: unknown, peer: string): void {
  let request;
  try {
    request = parseOrderCancel(message);
  } catch (error) {
    state.counters.badControl++;
    ctx.log.error({ peer }, `bad order.cancel from ${peer}: ${(error as Error).message}`);
    return;
  }
  let orderId: number;
  try {
    orderId = orderIdFor(request.strategy, request.intentId);
  } catch (error) {
    state.counters.badControl++;
    ctx.log.error({ peer }, `bad order.cancel from ${peer}: ${(error as Error).message}`);
    return;
  }
  const m = state.store.get(orderId);
  if (!m) {
    // Perhaps still held for reconciliation: drop it there instead.
    const held = state.held.findIndex((h) => h.intent.strategy === request.strategy && h.intent.intentId === request.intentId);
    if (held >= 0) {
      const [h] = state.held.splice(held, 1);
      rejectIntent(state, ctx, h!.intent, orderId, RejectReason.NONE, ExecStatus.CANCELED);
    }
    return;
  }
  const status = statusOf(m.snapshot);
  if (!OPEN_STATUSES.has(status) || status === 'PENDING_CANCEL') return;
  applyEvent(state, ctx, m, { type: 'CANCEL_REQUEST' });
  sendCancel(state, ctx, m, 1);
}

/**
 * A strategy (re)started: cancel what its earlier incarnations left open. Orders on venues not
 * reconciled yet are left to cancelOlderIncarnations after their reconciliation, so no command
 * reaches a venue before it is reconciled; held intents of the old incarnation are dropped.
 */
/**
 * Risk rebuilt its positions from the database's fills and asks for every fill held here (the
 * database may trail what it booked before a crash): each order's fills, to risk only, which books
 * each one once by its identity (venue, instrument, trade id).
 */
function onFillsReplay(state: State, ctx: Ctx, message: unknown, peer: string): void {
  try {
    parseFillsReplay(message);
  } catch (error) {
    state.counters.badControl++;
    ctx.log.error({ peer }, `bad fills.replay from ${peer}: ${(error as Error).message}`);
    return;
  }
  if (peer !== state.riskPeer.peer) {
    state.counters.badControl++;
    ctx.log.error({ peer }, `fills.replay from ${peer}, which is not risk_peer (${state.riskPeer.peer}): ignored`);
    return;
  }
  const fills: KnownFill[] = [];
  for (const m of state.store.values()) {
    const o = m.snapshot.context;
    for (const f of o.fills) fills.push({ orderId: o.orderId, venue: o.venue, instrument: o.instrument, side: o.side, qty: f.qty, price: f.price, fee: f.fee, tradeId: f.tradeId, tsUs: f.tsUs });
  }
  const frames = fillsKnownFrames(fills);
  const sent = frames.filter((frame) => sendControl(state, ctx, state.riskPeer, frame, 'fills.known')).length;
  state.counters.fillReplays++;
  state.counters.fillsReplayed += fills.length;
  if (sent === frames.length) ctx.log.info({ fills: fills.length, frames: sent }, `replayed ${fills.length} fill(s) to ${peer} on its request`);
  else ctx.log.error({ fills: fills.length, frames: frames.length, sent }, `fills.replay: only ${sent} of ${frames.length} fills.known frame(s) reached ${peer}`);
}

function onCancelStrategy(state: State, ctx: Ctx, message: unknown, peer: string): void {
  let request;
  try {
    request = parseOrderCancelStrategy(message);
  } catch (error) {
    state.counters.badControl++;
    ctx.log.error({ peer }, `bad order.cancel-strategy from ${peer}: ${(error as Error).message}`);
    return;
  }
  const below = Math.max(state.cancelBelow.get(request.strategy) ?? 0, request.belowIntentId);
  state.cancelBelow.set(request.strategy, below);
  const kept: HeldIntent[] = [];
  for (const h of state.held) {
    if (h.intent.strategy === request.strategy && h.intent.intentId < below) {
      rejectIntent(state, ctx, h.intent, orderIdFor(h.intent.strategy, h.intent.intentId), RejectReason.NONE, ExecStatus.CANCELED);
    } else kept.push(h);
  }
  state.held = kept;
  const cancelled = cancelOlderIncarnations(state, ctx);
  ctx.log.info({ strategy: request.strategy, belowIntentId: below, cancelled }, `strategy ${request.strategy} restarted: ${cancelled} open order(s) of its earlier incarnations cancelled`);
}

function cancelOlderIncarnations(state: State, ctx: Ctx): number {
  let cancelled = 0;
  for (const m of state.store.open()) {
    const o = m.snapshot.context;
    const below = state.cancelBelow.get(o.strategy);
    if (below === undefined || o.intentId >= below || !reconciled(state, o.venue) || statusOf(m.snapshot) === 'PENDING_CANCEL') continue;
    applyEvent(state, ctx, m, { type: 'CANCEL_REQUEST' });
    sendCancel(state, ctx, m, 1);
    state.counters.strategyRestartCancels++;
    cancelled++;
  }
  return cancelled;
}
