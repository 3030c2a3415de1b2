/**
 * The risk monitor actor (docs/risk.md): in the order path (every strategy intent passes the
 * pre-trade checks before the order manager sees it) and watching (positions and PnL from
 * fills, drawdown from the peak, daily loss, stop loss, slippage, stale or blown-out markets,
 * venue error cascades -> RiskPanic frames to the kill switch). VaR/ES runs periodically on
 * a piscina pool, never on the order path.
 */
import { intentRejection } from '../../src/domain/intent-rejection.js';
import { describePanic } from '../../src/domain/panic-reason.js';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import {
  ExecStatus, PanicKind, RejectReason, Side, rejectReasonName, tradingStateName,
  type BookTop, type ExecutionReport, type Fill, type OrderIntent, type RiskPanic, type Trade,
} from '../../src/domain/messages.js';
import { defineActor, type ActorContext, type FrameEncoder, type Outbox } from '../../src/runtime/actor-definition.js';
import { executionReportCodec } from '../../src/runtime/codec/execution.js';
import { orderIntentCodec } from '../../src/runtime/codec/orders.js';
import { riskPanicCodec } from '../../src/runtime/codec/safety.js';
import { compiledRoot } from '../../src/runtime/package-root.js';
import { describeError } from '../../src/persistence/db-errors.js';
import { orderIdFor } from '../order-manager/client-order-id.js';
import {
  FILLS_KNOWN, FILLS_REPLAY, ORDER_CANCEL, ORDER_CANCEL_STRATEGY, VENUE_BALANCES, VENUE_ERROR,
  parseFillsKnown, parseOrderCancel, parseOrderCancelStrategy, parseVenueBalances, parseVenueErrorNotice,
} from '../order-manager/pipeline-messages.js';
import { checkLedger, type LedgerCheckState } from './ledger-check.js';
import { controlType } from '../order-manager/venue-protocol.js';
import { Ledger, cashAccount, type BookableFill } from './accounting.js';
import { formatUnits, unitsFromNumber, unitsToNumber } from '../../src/domain/money.js';
import {
  EMPTY_API_ERROR_WINDOW, apiErrorCascadeBreach, dailyLossBreach, drawdownBreach, newDrawdownState, recordApiError, slippageBreach,
  parseVenueStaleNotice, spreadBlowoutBreach, staleMarketBreach, stopLossBreaches, updateDailyLoss, updateDrawdown,
  type ApiErrorWindow, type DailyLossState, type DrawdownState, type PanicDescriptor, type VenueStaleNotice,
} from './breaches.js';
import { parseRiskConfig, type RiskConfig } from './config.js';
import { PositionRecorder } from './position-records.js';
import { applyRebuildPlan, loadPositionRecovery, planPositionRebuild, type PositionRecoveryReport } from './position-recovery.js';
import { newSubmitBucket, runPreTradeChecks, takeSubmitToken, type PreTradeContext, type TokenBucket } from './pre-trade-checks.js';
import type { VarTaskInput, VarTaskResult } from './var-task.js';

type Ctx = ActorContext<RiskConfig>;

interface Book {
  venue: number;
  instrument: number;
  bidPrice: number;
  askPrice: number;
  receiveTsUs: number;
}

interface OpenOrder {
  venue: number;
  instrument: number;
  side: Side;
  leaves: number;
  expectedPrice: number;
}

/** Panics that fire on an event, not on a standing condition, are re-armed after this long. */
const EVENT_PANIC_REARM_MS = 10_000;

interface State {
  ledger: Ledger;
  books: Map<string, Book>;
  lastTrade: Map<string, number>;
  /** Venues whose connector says their feed is stale, with what it said. */
  staleVenues: Map<number, VenueStaleNotice>;
  openOrders: Map<number, OpenOrder>;
  /** Expected prices of orders that finished, kept for late fills (bounded). */
  finishedExpected: Map<number, { expectedPrice: number; side: Side }>;
  bucket: TokenBucket;
  drawdown: DrawdownState;
  lastDrawdown: { drawdown: number; fraction: number };
  daily: DailyLossState | undefined;
  apiErrors: Map<number, ApiErrorWindow>;
  /** Panic key -> when sent; a standing breach is not sent again until it clears. */
  activePanics: Map<string, number>;
  panicsSent: { kind: string; venue: number; instrument: number; value: number; threshold: number; atMs: number; reason?: string }[];
  /** Baselines and strikes of the ledger-versus-venue check, by venue and asset. */
  ledgerCheck: LedgerCheckState;
  lastLedgerCheck: { venue: number; atMs: number; baselined: string[]; drifts: unknown[] } | null;
  orderManager: Outbox;
  killSwitch: Outbox;
  preTrade: PreTradeContext;
  report: ExecutionReport;
  panic: RiskPanic;
  samples: Map<string, number[]>;
  pool: Piscina;
  varRunning: boolean;
  lastVar: { atMs: number; confidence: number; markets: string[]; samples: number; historical: VarTaskResult; monteCarlo: VarTaskResult } | { atMs: number; error: string } | null;
  lastTradingState: { state: string; seq: number } | null;
  /** Snapshots of every position change for the recorder (`recorder_peer`). */
  positionRecorder: PositionRecorder;
  recovery: PositionRecoveryReport;
  /**
   * The order manager's answer to `fills.replay`, asked once the positions are rebuilt: fills it holds
   * that the database lacked (pipeline-messages.ts). `requested` false: not sent yet (ring full), retried.
   */
  fillReplay: { requested: boolean; frames: number; fills: number; booked: number; done: boolean };
  /** False while the positions of before a restart could not be read: every intent is refused. */
  positionsKnown: boolean;
  recoveryRunning: boolean;
  startedAtMs: number;
  counters: {
    intents: number;
    approved: number;
    rejected: Record<string, number>;
    duplicateIntents: number;
    badIntents: number;
    reports: number;
    fills: number;
    badFills: number;
    books: number;
    trades: number;
    venueErrors: number;
    /** Cancels the venue answered "unknown order": the order had already filled or gone (a race, not an API fault). */
    cancelRaces: number;
    cancelsForwarded: number;
    ringFull: Record<string, number>;
    ignoredFrames: number;
    badControl: number;
    /** venue.balances notices compared with the ledger. */
    ledgerChecks: number;
  };
}

const keyOf = (venue: number, instrument: number): string => `${venue}:${instrument}`;
const PANIC_NAMES: Record<number, string> = Object.fromEntries(Object.entries(PanicKind).map(([name, code]) => [code, name]));
const TERMINAL: ReadonlySet<number> = new Set([ExecStatus.FILLED, ExecStatus.CANCELED, ExecStatus.REJECTED, ExecStatus.EXPIRED]);

function count(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

function send<T>(state: State, ctx: Ctx, outbox: Outbox, codec: FrameEncoder<T>, message: T, what: string): boolean {
  try {
    if (outbox.send(codec, message)) return true;
    ctx.log.error({ peer: outbox.peer }, `could not send ${what} to ${outbox.peer}: its ring is full`);
  } catch (error) {
    ctx.log.error({ peer: outbox.peer }, `could not send ${what} to ${outbox.peer}: ${(error as Error).message}`);
  }
  count(state.counters.ringFull, outbox.peer);
  return false;
}

/** Mid of a usable book, else the last trade, else undefined (no mark: cannot be valued). */
function markOf(state: State, venue: number, instrument: number): number | undefined {
  const key = keyOf(venue, instrument);
  const book = state.books.get(key);
  if (book && book.bidPrice > 0 && book.askPrice >= book.bidPrice) return (book.bidPrice + book.askPrice) / 2;
  return state.lastTrade.get(key);
}

function grossExposure(state: State): number {
  let sum = 0;
  for (const p of state.ledger.positions()) {
    if (p.qty === 0) continue;
    const mark = markOf(state, p.venue, p.instrument);
    // A position we cannot value counts as unlimited: only orders that lower exposure pass.
    if (mark === undefined) return Number.POSITIVE_INFINITY;
    sum += Math.abs(p.qty * mark);
  }
  return sum;
}

function openOrderTotals(state: State, venue: number, instrument: number): { buy: number; sell: number; onVenue: number } {
  let buy = 0;
  let sell = 0;
  let onVenue = 0;
  for (const o of state.openOrders.values()) {
    if (o.venue !== venue) continue;
    onVenue++;
    if (o.instrument !== instrument) continue;
    if (o.side === Side.BUY) buy += o.leaves;
    else sell += o.leaves;
  }
  return { buy, sell, onVenue };
}

// ---- the order path --------------------------------------------------------------------------

function onIntent(state: State, ctx: Ctx, intent: OrderIntent, peer: string): void {
  state.counters.intents++;
  let orderId: number;
  try {
    orderId = orderIdFor(intent.strategy, intent.intentId);
  } catch (error) {
    state.counters.badIntents++;
    ctx.log.error({ peer }, `refused an intent from ${peer}: ${(error as Error).message}`);
    return;
  }
  if (state.openOrders.has(orderId)) {
    // Redelivered after a crash: the order manager refuses duplicates, so forwarding is safe.
    state.counters.duplicateIntents++;
    send(state, ctx, state.orderManager, orderIntentCodec, intent, `intent ${orderId}`);
    return;
  }
  if (!state.positionsKnown) {
    // Positions of before the restart are unknown: limits and drawdown cannot be checked.
    count(state.counters.rejected, rejectReasonName(RejectReason.NOT_RECONCILED));
    rejectToStrategy(state, ctx, intent, orderId, RejectReason.NOT_RECONCILED, peer);
    return;
  }
  const now = ctx.clock.nowUs();
  const key = keyOf(intent.venue, intent.instrument);
  const book = state.staleVenues.has(intent.venue) ? undefined : state.books.get(key);
  const totals = openOrderTotals(state, intent.venue, intent.instrument);
  const c = state.preTrade;
  c.nowUs = now;
  c.tradingState = ctx.gate.read() as PreTradeContext['tradingState'];
  c.instrument = ctx.config.specs.get(intent.instrument);
  c.book = book;
  c.position = state.ledger.position(intent.venue, intent.instrument).qty;
  c.openBuyQty = totals.buy;
  c.openSellQty = totals.sell;
  c.grossExposure = grossExposure(state);
  c.openOrderCount = totals.onVenue;
  c.submitBucket = state.bucket;
  const reason = runPreTradeChecks(intent, c, ctx.config.preTrade);
  if (reason !== RejectReason.NONE) {
    count(state.counters.rejected, rejectReasonName(reason));
    rejectToStrategy(state, ctx, intent, orderId, reason, peer);
    return;
  }
  state.bucket = takeSubmitToken(state.bucket, ctx.config.preTrade.submitRate, now);
  state.openOrders.set(orderId, { venue: intent.venue, instrument: intent.instrument, side: intent.side, leaves: intent.qty, expectedPrice: intent.expectedPrice });
  state.counters.approved++;
  send(state, ctx, state.orderManager, orderIntentCodec, intent, `intent ${orderId}`);
}

function rejectToStrategy(state: State, ctx: Ctx, intent: OrderIntent, orderId: number, reason: RejectReason, peer: string): void {
  const r = intentRejection(state.report, intent, orderId, reason, ctx.clock.nowUs());
  const outbox = ctx.outboxes.get(peer);
  if (!outbox) {
    ctx.log.error({ peer, orderId, reason: rejectReasonName(reason) }, `intent ${orderId} from ${peer} rejected (${rejectReasonName(reason)}), but risk has no ring to ${peer} to say so`);
    return;
  }
  send(state, ctx, outbox, executionReportCodec, r, `reject of intent ${orderId}`);
}

// ---- post-trade ------------------------------------------------------------------------------

function onReport(state: State, report: ExecutionReport): void {
  state.counters.reports++;
  const open = state.openOrders.get(report.orderId);
  if (TERMINAL.has(report.status)) {
    if (open) {
      state.openOrders.delete(report.orderId);
      state.finishedExpected.set(report.orderId, { expectedPrice: open.expectedPrice, side: open.side });
      if (state.finishedExpected.size > 10_000) state.finishedExpected.delete(state.finishedExpected.keys().next().value!);
    }
    return;
  }
  if (open) open.leaves = report.leavesQty;
  else state.openOrders.set(report.orderId, { venue: report.venue, instrument: report.instrument, side: report.side, leaves: report.leavesQty, expectedPrice: 0 });
}

/** Posts a fill once by its identity (Ledger.postFill); a new one moves the position and is recorded. */
function book(state: State, ctx: Ctx, fill: BookableFill, orderId: number): boolean {
  let posted;
  try {
    posted = state.ledger.postFill(fill);
  } catch (error) {
    state.counters.badFills++;
    ctx.log.error({ orderId, tradeId: fill.tradeId }, `fill not booked: ${(error as Error).message}`);
    return false;
  }
  if (posted === null) return false;
  state.counters.fills++;
  state.positionRecorder.send(state.ledger.snapshot(fill.venue, fill.instrument), ctx.clock.nowUs());
  return true;
}

function onFill(state: State, ctx: Ctx, fill: Fill): void {
  if (!book(state, ctx, fill, fill.orderId)) return;
  const expected = state.openOrders.get(fill.orderId) ?? state.finishedExpected.get(fill.orderId);
  if (expected && expected.expectedPrice > 0) {
    const breach = slippageBreach(fill.side, expected.expectedPrice, fill.price, ctx.config.panics.max_slippage_bps, fill.venue, fill.instrument);
    if (breach) panic(state, ctx, breach, true);
  }
}

/** A frame of the order manager's answer to `fills.replay`: every fill the database lacked is booked now (once). */
function onFillsKnown(state: State, ctx: Ctx, message: unknown, peer: string): void {
  if (peer !== state.orderManager.peer) {
    // Fills move the ledger: only the order manager's word counts.
    state.counters.badControl++;
    ctx.log.error({ peer }, `fills.known from ${peer}, which is not order_manager_peer (${state.orderManager.peer}): ignored`);
    return;
  }
  let notice;
  try {
    notice = parseFillsKnown(message);
  } catch (error) {
    state.counters.badControl++;
    ctx.log.error({ peer }, `bad fills.known from ${peer}: ${(error as Error).message}`);
    return;
  }
  const r = state.fillReplay;
  r.frames++;
  for (const f of notice.fills) {
    r.fills++;
    // Replayed fills are history: no slippage check (their intents' prices are gone with the restart).
    if (book(state, ctx, { ...f, receiveTsUs: f.tsUs }, f.orderId)) {
      r.booked++;
      ctx.log.warn({ orderId: f.orderId, venue: f.venue, instrument: f.instrument, tradeId: f.tradeId }, `fill ${f.venue}/${f.instrument}/${f.tradeId} of order ${f.orderId} was not in the database: booked from the order manager's replay`);
    }
  }
  if (notice.final) {
    r.done = true;
    ctx.log.info({ fills: r.fills, booked: r.booked }, `fill replay from ${peer} done: ${r.fills} fill(s), ${r.booked} the database lacked booked now`);
  }
}

/** Asks the order manager for every fill it holds (after the rebuild from the database); tried again while the ring is full. */
function requestFillReplay(state: State, ctx: Ctx): void {
  if (!state.positionsKnown || state.recovery.source !== 'database' || state.fillReplay.requested) return;
  try {
    state.fillReplay.requested = state.orderManager.sendControl({ type: FILLS_REPLAY });
  } catch (error) {
    ctx.log.error({ peer: state.orderManager.peer }, `could not send fills.replay to ${state.orderManager.peer}: ${(error as Error).message}`);
  }
  if (!state.fillReplay.requested) count(state.counters.ringFull, state.orderManager.peer);
}

/** `reason`: the finding in words, where the frame's numbers cannot say it (LEDGER_MISMATCH names the asset). */
function panic(state: State, ctx: Ctx, d: PanicDescriptor, event: boolean, reason?: string): void {
  const key = `${d.kind}:${d.venue}:${d.instrument}`;
  const now = ctx.clock.now();
  const sentAt = state.activePanics.get(key);
  if (sentAt !== undefined && (!event || now - sentAt < EVENT_PANIC_REARM_MS)) return;
  state.activePanics.set(key, now);
  const p = state.panic;
  p.kind = d.kind;
  p.venue = d.venue;
  p.instrument = d.instrument;
  p.value = Number.isFinite(d.value) ? d.value : Number.MAX_VALUE;
  p.threshold = d.threshold;
  p.tsUs = ctx.clock.nowUs();
  const record = {
    kind: PANIC_NAMES[d.kind] ?? String(d.kind), venue: d.venue, instrument: d.instrument, value: p.value, threshold: d.threshold, atMs: now,
    ...(reason !== undefined ? { reason } : {}),
  };
  state.panicsSent.push(record);
  if (state.panicsSent.length > 50) state.panicsSent.shift();
  ctx.log.error(record, `risk panic ${record.kind}: ${reason ?? describePanic(p)} (venue ${d.venue}, instrument ${d.instrument})`);
  ctx.emit('risk.panic', record);
  send(state, ctx, state.killSwitch, riskPanicCodec, p, `${record.kind} panic`);
}

/** The standing conditions, checked on the watch timer. A panic key clears when its breach does. */
function watch(state: State, ctx: Ctx): void {
  const now = ctx.clock.nowUs();
  const nowMs = ctx.clock.now();
  const cfg = ctx.config.panics;
  const breaches: PanicDescriptor[] = [];
  const positions = state.ledger.positions().filter((p) => p.qty !== 0);
  const mark = (venue: number, instrument: number) => markOf(state, venue, instrument);
  const valued = positions.every((p) => mark(p.venue, p.instrument) !== undefined);
  if (valued) {
    const equity = state.ledger.equity(mark);
    const reading = updateDrawdown(state.drawdown, equity);
    state.drawdown = reading.state;
    state.lastDrawdown = { drawdown: reading.drawdown, fraction: reading.drawdownFraction };
    const dd = drawdownBreach(reading, cfg.max_drawdown);
    if (dd) breaches.push(dd);
    state.daily = updateDailyLoss(state.daily, equity, now);
    const daily = dailyLossBreach(state.daily, equity, cfg.max_daily_loss);
    if (daily) breaches.push(daily);
  }
  // A position restored at start has no mark until the first book arrives: the venue gets as long as a
  // book may age (stale_quote_ms) before "cannot be valued" counts as stale quotes.
  const warmingUp = nowMs - state.startedAtMs < cfg.stale_quote_ms;
  breaches.push(...stopLossBreaches(positions, mark, cfg.stop_loss_bps).filter((b) => !(warmingUp && b.kind === PanicKind.STALE_QUOTES)));
  // Markets we are exposed in: an open position or an open order.
  const exposed = new Set(positions.map((p) => keyOf(p.venue, p.instrument)));
  for (const o of state.openOrders.values()) exposed.add(keyOf(o.venue, o.instrument));
  for (const key of exposed) {
    const [venue, instrument] = key.split(':').map(Number) as [number, number];
    const book = state.books.get(key);
    const venueStale = state.staleVenues.get(venue);
    const stale = staleMarketBreach({ venue, instrument }, book, venueStale, now, cfg.stale_quote_ms);
    if (stale) breaches.push(stale);
    if (book && !venueStale) {
      const spread = spreadBlowoutBreach(book, cfg.spread_blowout_bps);
      if (spread) breaches.push(spread);
    }
  }
  const standing = new Set<string>();
  for (const b of breaches) {
    standing.add(`${b.kind}:${b.venue}:${b.instrument}`);
    panic(state, ctx, b, false);
  }
  for (const [key, sentAt] of state.activePanics) {
    const kind = Number(key.split(':')[0]);
    const eventKind = kind === PanicKind.SLIPPAGE || kind === PanicKind.API_ERROR_CASCADE || kind === PanicKind.LEDGER_MISMATCH;
    if (eventKind ? nowMs - sentAt >= EVENT_PANIC_REARM_MS : !standing.has(key)) state.activePanics.delete(key);
  }
}

function onVenueError(state: State, ctx: Ctx, message: unknown, peer: string): void {
  let notice;
  try {
    notice = parseVenueErrorNotice(message);
  } catch (error) {
    state.counters.badControl++;
    ctx.log.error({ peer }, `bad venue.error from ${peer}: ${(error as Error).message}`);
    return;
  }
  if (notice.operation === 'cancel' && notice.reason === RejectReason.UNKNOWN_ORDER) {
    // A market maker's cancel crossing a fill is routine; only faults of the venue's API cascade.
    state.counters.cancelRaces++;
    return;
  }
  state.counters.venueErrors++;
  const now = ctx.clock.nowUs();
  const windowUs = ctx.config.panics.api_errors.window_ms * 1000;
  const window = recordApiError(state.apiErrors.get(notice.venue) ?? EMPTY_API_ERROR_WINDOW, now, windowUs);
  state.apiErrors.set(notice.venue, window);
  const breach = apiErrorCascadeBreach(window, now, ctx.config.panics.api_errors.max, windowUs, notice.venue);
  if (breach) panic(state, ctx, breach, true);
}

function onControl(state: State, ctx: Ctx, message: unknown, peer: string): void {
  const type = controlType(message);
  const venue = (message as { venue?: unknown }).venue;
  switch (type) {
    case 'venue.stale':
      if (typeof venue === 'number') {
        const { notice, problem } = parseVenueStaleNotice(message, ctx.clock.nowUs());
        if (problem) {
          state.counters.badControl++;
          ctx.log.error({ peer }, `bad venue.stale from ${peer}: ${problem}; venue ${venue} is taken as stale all the same`);
        }
        state.staleVenues.set(venue, notice);
      }
      return;
    case 'venue.fresh':
      if (typeof venue === 'number') state.staleVenues.delete(venue);
      return;
    case VENUE_ERROR:
      onVenueError(state, ctx, message, peer);
      return;
    case VENUE_BALANCES:
      onVenueBalances(state, ctx, message, peer);
      return;
    case FILLS_KNOWN:
      onFillsKnown(state, ctx, message, peer);
      return;
    case ORDER_CANCEL:
      try {
        const request = parseOrderCancel(message);
        state.counters.cancelsForwarded++;
        if (!state.orderManager.sendControl(request)) count(state.counters.ringFull, state.orderManager.peer);
      } catch (error) {
        state.counters.badControl++;
        ctx.log.error({ peer }, `bad order.cancel from ${peer}: ${(error as Error).message}`);
      }
      return;
    case ORDER_CANCEL_STRATEGY:
      // A restarted strategy's old orders: cancels only lower risk, forwarded like order.cancel.
      try {
        const request = parseOrderCancelStrategy(message);
        state.counters.cancelsForwarded++;
        if (!state.orderManager.sendControl(request)) count(state.counters.ringFull, state.orderManager.peer);
      } catch (error) {
        state.counters.badControl++;
        ctx.log.error({ peer }, `bad order.cancel-strategy from ${peer}: ${(error as Error).message}`);
      }
      return;
    default:
      state.counters.ignoredFrames++;
  }
}

/** What the ledger books per asset on one venue: the quote's cash, each base's inventory over its markets. */
function bookedByAsset(state: State, ctx: Ctx, venue: number): Map<string, number> {
  // The venue's balances arrive as doubles; the check compares both sides in 1e-8 units, so the
  // exact cash is handed over as the double of its decimal (exact at the ledger's 8+ decimals).
  const cash = unitsToNumber(state.ledger.balance(cashAccount(venue, state.ledger.quoteAsset)).units, state.ledger.moneyScale);
  const booked = new Map<string, number>([[state.ledger.quoteAsset, cash]]);
  for (const spec of ctx.config.specs.values()) booked.set(spec.base, (booked.get(spec.base) ?? 0) + state.ledger.position(venue, spec.id).qty);
  return booked;
}

/** A venue's balances after a reconciliation (the fills it booked came first on this ring): compared with the ledger. */
function onVenueBalances(state: State, ctx: Ctx, message: unknown, peer: string): void {
  let result;
  let notice;
  try {
    notice = parseVenueBalances(message);
    const c = ctx.config.ledger_check;
    const venue = notice.venue;
    const feesBooked = state.ledger.positions().filter((p) => p.venue === venue).reduce((sum, p) => sum + p.fees, 0);
    const unitPrice = (asset: string): number | undefined => {
      if (asset === state.ledger.quoteAsset) return 1;
      const market = [...ctx.config.specs.values()].find((spec) => spec.base === asset);
      return market === undefined ? undefined : markOf(state, venue, market.id);
    };
    const settings = { tolerance: c.tolerance, defaultFraction: c.default_fraction, confirmations: c.confirmations };
    result = checkLedger(state.ledgerCheck, venue, bookedByAsset(state, ctx, venue), notice.balances, settings, { feesBooked, unitPrice });
  } catch (error) {
    state.counters.badControl++;
    ctx.log.error({ peer }, `bad venue.balances from ${peer}: ${(error as Error).message}`);
    return;
  }
  state.ledgerCheck = result.state;
  state.counters.ledgerChecks++;
  state.lastLedgerCheck = { venue: notice.venue, atMs: ctx.clock.now(), baselined: result.baselined, drifts: result.drifts };
  if (result.baselined.length > 0) ctx.log.info({ venue: notice.venue, assets: result.baselined }, `ledger check: venue ${notice.venue} balances of ${result.baselined.join(', ')} taken as the baseline`);
  for (const d of result.drifts) if (d.strikes < ctx.config.ledger_check.confirmations) ctx.log.warn(d, `ledger check: ${d.reason}; panics if the next read agrees`);
  for (const d of result.mismatches) {
    // The frame carries numbers only: a market of the asset stands for it; the reason names it.
    const market = [...ctx.config.specs.values()].find((s) => s.base === d.asset || s.quote === d.asset);
    panic(state, ctx, { kind: PanicKind.LEDGER_MISMATCH, venue: d.venue, instrument: market?.id ?? 0, value: Math.abs(Number(d.drift)), threshold: Number(d.tolerance) }, true, `ledger mismatch: ${d.reason}`);
  }
}

// ---- VaR ---------------------------------------------------------------------------------------

function sample(state: State, ctx: Ctx): void {
  for (const key of state.books.keys()) {
    const [venue, instrument] = key.split(':').map(Number) as [number, number];
    const mark = markOf(state, venue, instrument);
    if (mark === undefined) continue;
    const list = state.samples.get(key) ?? [];
    list.push(mark);
    if (list.length > ctx.config.var.lookback) list.shift();
    state.samples.set(key, list);
  }
}

async function computeVar(state: State, ctx: Ctx): Promise<void> {
  if (state.varRunning) return;
  const positions = state.ledger.positions().filter((p) => p.qty !== 0);
  if (positions.length === 0) return;
  const markets = positions.map((p) => keyOf(p.venue, p.instrument));
  const series = markets.map((k) => state.samples.get(k) ?? []);
  const n = Math.min(...series.map((s) => s.length));
  if (n < ctx.config.var.min_samples) return;
  const aligned = series.map((s) => s.slice(s.length - n));
  const returns: number[][] = [];
  for (let t = 1; t < n; t++) returns.push(aligned.map((s) => s[t]! / s[t - 1]! - 1));
  const exposures = positions.map((p) => p.qty * (markOf(state, p.venue, p.instrument) ?? 0));
  const { confidence, scenarios, seed } = ctx.config.var;
  state.varRunning = true;
  try {
    const historical = (await state.pool.run({ method: 'historical', returns, exposures, confidence } satisfies VarTaskInput)) as VarTaskResult;
    const monteCarlo = (await state.pool.run({ method: 'monteCarlo', returns, exposures, confidence, scenarios, seed } satisfies VarTaskInput)) as VarTaskResult;
    state.lastVar = { atMs: ctx.clock.now(), confidence, markets, samples: n, historical, monteCarlo };
  } catch (error) {
    state.lastVar = { atMs: ctx.clock.now(), error: (error as Error).message };
    ctx.log.error(`VaR computation failed: ${(error as Error).message}`);
  } finally {
    state.varRunning = false;
  }
}

// ---- status ------------------------------------------------------------------------------------

function status(state: State, ctx: Ctx) {
  const mark = (venue: number, instrument: number) => markOf(state, venue, instrument);
  // Booked figures as exact decimal text; the model figures (drawdown, daily loss) at the same money precision.
  const report = state.ledger.report(mark);
  const money = (amount: number) => formatUnits(unitsFromNumber(amount, state.ledger.moneyScale, 'half-even'), state.ledger.moneyScale);
  const { drawdown, fraction } = state.lastDrawdown;
  return {
    gate: tradingStateName(ctx.gate.read()),
    lastTradingState: state.lastTradingState,
    ...report,
    peakEquity: money(state.drawdown.peakEquity),
    drawdown: { drawdown: money(drawdown), fraction: fraction.toFixed(6) },
    dailyLoss: state.daily && report.equity !== null ? {
      utcDay: state.daily.utcDay, dayStartEquity: money(state.daily.dayStartEquity),
      loss: money(state.daily.dayStartEquity - state.ledger.equity(mark)),
    } : null,
    grossExposure: grossExposure(state),
    openOrders: [...state.openOrders].map(([orderId, o]) => ({ orderId, ...o })),
    staleVenues: [...state.staleVenues.keys()],
    limits: ctx.config.limits,
    panicLimits: ctx.config.panics,
    panicsSent: state.panicsSent,
    lastLedgerCheck: state.lastLedgerCheck,
    lastVar: state.lastVar,
    recovery: state.recovery,
    fillReplay: state.fillReplay,
    positionsKnown: state.positionsKnown,
    recorder: state.positionRecorder.status(),
    counters: state.counters,
  };
}

/**
 * Rebuilds the positions from the database's fills (position-recovery.ts), then asks the order manager
 * for the fills it holds (`fills.replay`: the database may trail them). Unreachable: positions stay
 * unknown and intents are refused; the `recovery` timer tries again, but only while no fill was booked
 * meanwhile (booking the database's fills after later ones would change the average cost and realised
 * PnL they were booked at: restart risk once the database is back).
 */
async function restorePositions(state: State, ctx: Ctx): Promise<void> {
  const url = ctx.config.database_url;
  requestFillReplay(state, ctx);
  if (url === undefined || state.positionsKnown || state.recoveryRunning || state.counters.fills > 0) return;
  state.recoveryRunning = true;
  const started = ctx.clock.now();
  const attempts = state.recovery.attempts + 1;
  try {
    const rows = await loadPositionRecovery(url);
    const plan = planPositionRebuild(rows, positionNaming(ctx.config));
    if (state.counters.fills > 0) throw new Error('a fill was booked while the fills were read');
    const applied = applyRebuildPlan(state.ledger, plan);
    const problems = [...plan.problems, ...applied.problems];
    for (const problem of problems) ctx.log.error(`position recovery: ${problem}`);
    state.drawdown = newDrawdownState(equityAtEntry(state.ledger));
    state.positionsKnown = true;
    state.recovery = { source: 'database', positions: applied.positions, fills: applied.booked, problems, error: null, attempts, tookMs: ctx.clock.now() - started };
    ctx.log.info({ positions: applied.positions }, `positions rebuilt from the database: ${applied.booked} fill(s), ${applied.positions.length} open position(s)`);
    requestFillReplay(state, ctx);
  } catch (error) {
    const why = describeError(error);
    state.recovery = { ...state.recovery, source: 'unavailable', error: why, attempts, tookMs: ctx.clock.now() - started };
    ctx.log.error({ err: error }, `position recovery FAILED (${why}): positions of before this start are unknown, every intent is refused (NOT_RECONCILED)`);
  } finally {
    state.recoveryRunning = false;
  }
}

/** Equity with every position valued at its entry price: the drawdown peak to start from when no mark is known yet. */
function equityAtEntry(ledger: Ledger): number {
  let equity = ledger.cash();
  for (const p of ledger.positions()) equity += p.qty * p.avgPrice;
  return equity;
}

function positionNaming(config: RiskConfig) {
  return {
    venueIds: new Map(Object.entries(config.venue_names).map(([id, name]) => [name, Number(id)])),
    instruments: new Map([...config.specs.values()].map((spec) => [spec.symbol, spec])),
  };
}

export default defineActor<RiskConfig, State>({
  kind: 'risk',
  parseConfig: parseRiskConfig,
  async init(ctx) {
    const { config } = ctx;
    const need = (peer: string, field: string): Outbox => {
      const outbox = ctx.outboxes.get(peer);
      if (!outbox) throw new Error(`risk config: ${field} "${peer}" is not wired (sends: [${[...ctx.outboxes.keys()].join(', ')}])`);
      return outbox;
    };
    const recorderPeer = config.recorder_peer ?? null;
    const recorderOutbox = recorderPeer === null ? null : ctx.outboxes.get(recorderPeer);
    if (recorderOutbox === undefined) throw new Error(`risk config: recorder_peer "${recorderPeer}" is not wired (sends: [${[...ctx.outboxes.keys()].join(', ')}])`);
    const ledger = new Ledger(config.quote_asset, [...config.specs.values()]);
    const startUs = ctx.clock.nowUs();
    for (const [venue, amount] of config.deposits) ledger.deposit(venue, amount, startUs);
    const pool = new Piscina({ filename: join(compiledRoot(), 'actors/risk/var-task.js'), minThreads: 0, maxThreads: config.var.threads, idleTimeout: 30_000 });
    const state: State = {
      ledger,
      books: new Map(),
      lastTrade: new Map(),
      staleVenues: new Map(),
      openOrders: new Map(),
      finishedExpected: new Map(),
      bucket: newSubmitBucket(config.preTrade.submitRate, startUs),
      drawdown: newDrawdownState(ledger.cash()),
      lastDrawdown: { drawdown: 0, fraction: 0 },
      daily: undefined,
      apiErrors: new Map(),
      activePanics: new Map(),
      panicsSent: [],
      ledgerCheck: new Map(),
      lastLedgerCheck: null,
      orderManager: need(config.order_manager_peer, 'order_manager_peer'),
      killSwitch: need(config.kill_switch_peer, 'kill_switch_peer'),
      preTrade: {
        nowUs: 0, tradingState: 0, instrument: undefined, book: undefined, position: 0, openBuyQty: 0, openSellQty: 0, grossExposure: 0, openOrderCount: 0,
        submitBucket: { tokens: 0, updatedUs: 0 },
      },
      report: executionReportCodec.create(),
      panic: riskPanicCodec.create(),
      samples: new Map(),
      pool,
      varRunning: false,
      lastVar: null,
      lastTradingState: null,
      positionRecorder: new PositionRecorder(recorderOutbox, {
        venueNames: new Map(Object.entries(config.venue_names).map(([id, name]) => [Number(id), name])),
        instrumentNames: new Map([...config.specs.values()].map((spec) => [spec.id, spec.symbol])),
      }),
      recovery: { source: config.database_url === undefined ? 'none' : 'unavailable', positions: [], fills: 0, problems: [], error: null, attempts: 0, tookMs: 0 },
      fillReplay: { requested: false, frames: 0, fills: 0, booked: 0, done: false },
      positionsKnown: config.database_url === undefined,
      recoveryRunning: false,
      startedAtMs: ctx.clock.now(),
      counters: {
        intents: 0, approved: 0, rejected: {}, duplicateIntents: 0, badIntents: 0, reports: 0, fills: 0, badFills: 0, books: 0, trades: 0,
        venueErrors: 0, cancelRaces: 0, cancelsForwarded: 0, ringFull: {}, ignoredFrames: 0, badControl: 0, ledgerChecks: 0,
      },
    };
    await restorePositions(state, ctx);
    ctx.log.info({ instruments: config.specs.size, capital: Object.fromEntries(config.deposits), recovery: state.recovery.source }, `risk monitor up: equity at entry prices ${equityAtEntry(ledger)} ${config.quote_asset}`);
    return state;
  },

  handle(state, frame, ctx) {
    const decoded = ctx.decode(frame);
    if (decoded === null) return;
    switch (decoded.kind) {
      case 'OrderIntent':
        onIntent(state, ctx, decoded.message, frame.peer);
        return;
      case 'BookTop': {
        const b: BookTop = decoded.message;
        state.counters.books++;
        const key = keyOf(b.venue, b.instrument);
        const book = state.books.get(key);
        if (book) {
          book.bidPrice = b.bidPrice;
          book.askPrice = b.askPrice;
          book.receiveTsUs = b.receiveTsUs;
        } else state.books.set(key, { venue: b.venue, instrument: b.instrument, bidPrice: b.bidPrice, askPrice: b.askPrice, receiveTsUs: b.receiveTsUs });
        return;
      }
      case 'Trade': {
        const t: Trade = decoded.message;
        state.counters.trades++;
        state.lastTrade.set(keyOf(t.venue, t.instrument), t.price);
        return;
      }
      case 'ExecutionReport':
        onReport(state, decoded.message);
        return;
      case 'Fill':
        onFill(state, ctx, decoded.message);
        return;
      case 'TradingStateChange':
        state.lastTradingState = { state: tradingStateName(decoded.message.state), seq: decoded.message.seq };
        return;
      case 'Control':
        onControl(state, ctx, decoded.message, frame.peer);
        return;
      default:
        state.counters.ignoredFrames++;
    }
  },

  timers: {
    watch: { everyMs: (config) => config.watch_ms, run: watch },
    sample: { everyMs: (config) => config.var.sample_ms, run: sample },
    var: { everyMs: (config) => config.var.every_ms, run: computeVar },
    recovery: { everyMs: (config) => config.recovery_retry_ms, run: restorePositions },
  },

  control: {
    status: (state, _args, ctx) => status(state, ctx),
    /** Runs the VaR computation now (it also runs on its timer); resolves with the result. */
    async computeVar(state, _args, ctx) {
      await computeVar(state, ctx);
      return state.lastVar;
    },
  },

  describe(state) {
    return {
      positions: state.ledger.positions().filter((p) => p.qty !== 0).length,
      openOrders: state.openOrders.size,
      approved: state.counters.approved,
      rejected: state.counters.rejected,
      panics: state.panicsSent.length,
      lastVarAtMs: state.lastVar?.atMs ?? null,
      positionsKnown: state.positionsKnown,
      recovery: { source: state.recovery.source, positions: state.recovery.positions.length, error: state.recovery.error },
      recorder: state.positionRecorder.status(),
    };
  },

  async stop(state) {
    await state.pool.destroy();
  },
});
