import type { Order, Trade } from 'ccxt';
import { clientOrderIdForOrderId, parseClientOrderId, orderIdFor } from '../order-manager/client-order-id.js';
import {
  ExecStatus, OrderAction, OrderType, RejectReason, Side, TimeInForce, TradingState, rejectReasonName,
  type ExecutionReport, type Fill, type OrderCommand,
} from '../../src/domain/messages.js';
import type { TradingGateReader } from '../../src/runtime/actor-definition.js';
import { nowUs } from '../../src/runtime/clock.js';
import { errorText, isRateLimitError, rejectReasonForError } from './ccxt-errors.js';
import { gateRefusal } from './order-gate.js';
import { GateClosed, withLastLook } from './last-look.js';
import { asRiskReducing } from './throttle-hooks.js';
import { OrderTracker, isTerminal, type TrackedOrder } from './order-tracker.js';
import type { RestPacer } from './rest-pacer.js';
import type { VenueClient } from './venue-client.js';

/**
 * The order path of one venue: OrderCommands from the order manager become ccxt calls,
 * and whatever the venue says about our orders (replies, user-data stream, polling)
 * becomes ExecutionReports and Fills. Commands for one order run in arrival order; different
 * orders run concurrently (ccxt's limiter spaces the requests).
 *
 * The trading gate is read again immediately before each createOrder leaves, inside the
 * paced call, so an order queued before a trip never reaches the venue after it.
 */
export interface VenueInstrument {
  readonly instrument: number;
  readonly symbol: string;
  readonly nativeId: string;
  readonly base: string;
  readonly quote: string;
}

export interface OrderExecutorDeps {
  readonly client: VenueClient;
  readonly instruments: ReadonlyMap<number, VenueInstrument>;
  readonly namespace: string;
  readonly venue: number;
  readonly gate: TradingGateReader;
  readonly pacer: RestPacer;
  /** Paced and timed REST call (waits out a rate-limit pause first). */
  readonly rest: <T>(what: string, call: () => Promise<T>) => Promise<T>;
  readonly publishReport: (report: ExecutionReport) => void;
  readonly publishFill: (fill: Fill) => void;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
}

export interface ExecutorCounters {
  submits: number;
  cancels: number;
  cancelAlls: number;
  /** Refused by the trading gate, by reason name. */
  gateRefusals: Record<string, number>;
  /** Refused by the venue (or unreachable), by reason name. */
  venueRejects: Record<string, number>;
  haltCancels: number;
  haltCancelFailures: number;
}

const HALT_CANCEL_ATTEMPTS = 5;

export class OrderExecutor {
  readonly tracker: OrderTracker;
  readonly counters: ExecutorCounters = { submits: 0, cancels: 0, cancelAlls: 0, gateRefusals: {}, venueRejects: {}, haltCancels: 0, haltCancelFailures: 0 };
  private readonly chains = new Map<number, Promise<void>>();
  private readonly bySymbol = new Map<string, VenueInstrument>();
  private readonly report: ExecutionReport = {
    orderId: 0, venueOrderId: 0, venue: 0, instrument: 0, status: ExecStatus.ACCEPTED, rejectReason: 0, side: Side.BUY, cumQty: 0, avgPrice: 0,
    leavesQty: 0, lastQty: 0, lastPrice: 0, exchangeTsMs: 0, receiveTsUs: 0,
  };
  private readonly fill: Fill = { orderId: 0, venue: 0, instrument: 0, side: Side.BUY, price: 0, qty: 0, fee: 0, liquidity: 1, tradeId: 0, exchangeTsMs: 0, receiveTsUs: 0 };
  private halting: Promise<void> | undefined;

  constructor(private readonly deps: OrderExecutorDeps) {
    this.tracker = new OrderTracker(deps.venue);
    for (const instrument of deps.instruments.values()) this.bySymbol.set(instrument.symbol, instrument);
  }

  /** Queues a command behind earlier commands of the same order. `command` is copied. */
  enqueue(command: OrderCommand): void {
    const copy = { ...command };
    const previous = this.chains.get(copy.orderId) ?? Promise.resolve();
    const next = previous.then(() => this.execute(copy)).catch((error: unknown) => {
      this.deps.log('error', `order ${copy.orderId}: ${errorText(error)}`);
    });
    this.chains.set(copy.orderId, next);
    void next.then(() => {
      if (this.chains.get(copy.orderId) === next) this.chains.delete(copy.orderId);
    });
  }

  /** Every queued command has been executed (for a graceful stop). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private async execute(command: OrderCommand): Promise<void> {
    switch (command.action) {
      case OrderAction.SUBMIT:
        return this.submit(command);
      case OrderAction.CANCEL:
        return this.cancel(command);
      case OrderAction.CANCEL_ALL:
        return this.cancelAll(command.instrument === 0 ? undefined : command.instrument, 'order manager');
      case OrderAction.QUERY:
        return this.query(command);
      default:
        this.deps.log('warn', `order ${command.orderId}: unknown action ${String(command.action)}; ignored`);
    }
  }

  private reject(command: OrderCommand, reason: RejectReason, why: string): void {
    const name = rejectReasonName(reason);
    this.deps.log('warn', `order ${command.orderId} refused: ${name} (${why})`, { orderId: command.orderId, reason: name });
    this.deps.publishReport(this.fillRejection(command.orderId, command.instrument, command.side, reason));
  }

  private fillRejection(orderId: number, instrument: number, side: Side, reason: RejectReason): ExecutionReport {
    this.tracker.rejection(orderId, instrument, side, reason, nowUs(), this.report);
    return this.report;
  }

  private async submit(command: OrderCommand): Promise<void> {
    const refusal = gateRefusal(this.deps.gate.read(), command, this.deps.gate.flattenPermitted());
    if (refusal !== RejectReason.NONE) return this.refuseByGate(command, refusal);
    const instrument = this.deps.instruments.get(command.instrument);
    if (!instrument) return this.reject(command, RejectReason.UNKNOWN_INSTRUMENT, `instrument ${command.instrument} is not traded on this venue`);
    const waitMs = this.deps.pacer.blockedForMs(Date.now());
    if (waitMs > 0) return this.reject(command, RejectReason.RATE_LIMITED, `the venue rate-limited us; REST paused for another ${waitMs} ms`);
    const clientOrderId = clientOrderIdForOrderId(this.deps.namespace, command.orderId);
    const tracked = this.tracker.track(command.orderId, command.instrument, command.side, command.qty);
    const type = command.type === OrderType.MARKET ? 'market' : 'limit';
    const side = command.side === Side.BUY ? 'buy' : 'sell';
    const params: Record<string, unknown> = { clientOrderId };
    if (command.type === OrderType.LIMIT_MAKER) params.postOnly = true;
    else if (command.type === OrderType.LIMIT) params.timeInForce = command.timeInForce === TimeInForce.IOC ? 'IOC' : command.timeInForce === TimeInForce.FOK ? 'FOK' : 'GTC';
    this.counters.submits++;
    let order: Order;
    try {
      order = await this.deps.rest('createOrder', () =>
        // The gate is looked at again as the HTTP request leaves, after any wait in ccxt's limiter.
        withLastLook(
          () => gateRefusal(this.deps.gate.read(), command, this.deps.gate.flattenPermitted()),
          () => this.deps.client.createOrder(instrument.symbol, type, side, command.qty, type === 'limit' ? command.price : undefined, params),
        ),
      );
    } catch (error) {
      if (error instanceof GateClosed) return this.refuseByGate(command, error.reason);
      return this.submitFailed(command, tracked, instrument, clientOrderId, error);
    }
    this.onOrder(order, tracked);
    // Acked after a halt began: the halt's cancel-all may have run before this order existed.
    if (this.deps.gate.read() === TradingState.HALTED && !isTerminal(tracked.status)) await this.cancelTracked(tracked, instrument, 'acked after the halt');
  }

  private refuseByGate(command: OrderCommand, reason: RejectReason): void {
    const name = rejectReasonName(reason);
    this.counters.gateRefusals[name] = (this.counters.gateRefusals[name] ?? 0) + 1;
    this.tracker.closeRejected(command.orderId);
    this.reject(command, reason, 'trading gate');
  }

  /**
   * A submit that failed. A network failure leaves the outcome unknown (the request may have
   * reached the venue), so the venue is asked about the client id before anything is reported.
   */
  private async submitFailed(command: OrderCommand, tracked: TrackedOrder, instrument: VenueInstrument, clientOrderId: string, error: unknown): Promise<void> {
    const reason = rejectReasonForError(error);
    if (reason === RejectReason.VENUE_UNAVAILABLE) {
      try {
        const found = await this.deps.rest('fetchOrder', () => this.deps.client.fetchOrder('', instrument.symbol, { clientOrderId }));
        this.deps.log('warn', `order ${command.orderId}: submit failed (${errorText(error)}), but the venue has it`, { clientOrderId });
        this.onOrder(found, tracked);
        return;
      } catch (queryError) {
        if (rejectReasonForError(queryError) !== RejectReason.UNKNOWN_ORDER) {
          this.deps.log('error', `order ${command.orderId}: submit outcome unknown (${errorText(error)}; query: ${errorText(queryError)}); polling will settle it`, { clientOrderId });
          this.countVenueReject(reason);
          this.deps.publishReport(this.fillRejection(command.orderId, command.instrument, command.side, reason));
          return;
        }
      }
    }
    if (isRateLimitError(error)) this.deps.pacer.onRateLimited(Date.now());
    this.countVenueReject(reason);
    this.tracker.closeRejected(command.orderId);
    this.reject(command, reason, errorText(error));
  }

  private countVenueReject(reason: RejectReason): void {
    const name = rejectReasonName(reason);
    this.counters.venueRejects[name] = (this.counters.venueRejects[name] ?? 0) + 1;
  }

  private async cancel(command: OrderCommand): Promise<void> {
    const instrument = this.deps.instruments.get(command.instrument);
    if (!instrument) return this.reject(command, RejectReason.UNKNOWN_INSTRUMENT, `instrument ${command.instrument} is not traded on this venue`);
    const tracked = this.tracker.track(command.orderId, command.instrument, command.side, command.qty);
    await this.cancelTracked(tracked, instrument, 'order manager');
  }

  private async cancelTracked(tracked: TrackedOrder, instrument: VenueInstrument, why: string): Promise<void> {
    this.counters.cancels++;
    const clientOrderId = clientOrderIdForOrderId(this.deps.namespace, tracked.orderId);
    try {
      const order = await this.deps.rest('cancelOrder', () => this.deps.client.cancelOrder(tracked.venueOrderId ?? '', instrument.symbol, { clientOrderId }));
      this.onOrder(order, tracked);
    } catch (error) {
      const reason = rejectReasonForError(error);
      this.countVenueReject(reason);
      this.deps.log('warn', `cancel of order ${tracked.orderId} (${why}) refused: ${rejectReasonName(reason)} (${errorText(error)})`);
      // The order is still in whatever state we last knew; the reason says why the cancel failed.
      this.tracker.rejection(tracked.orderId, tracked.instrument, tracked.side, reason, nowUs(), this.report);
      if (tracked.status !== 0 && tracked.status !== ExecStatus.REJECTED) this.report.status = tracked.status;
      this.deps.publishReport(this.report);
    }
  }

  private async query(command: OrderCommand): Promise<void> {
    const instrument = this.deps.instruments.get(command.instrument);
    if (!instrument) return this.reject(command, RejectReason.UNKNOWN_INSTRUMENT, `instrument ${command.instrument} is not traded on this venue`);
    const tracked = this.tracker.track(command.orderId, command.instrument, command.side, command.qty);
    const clientOrderId = clientOrderIdForOrderId(this.deps.namespace, command.orderId);
    try {
      const order = await this.deps.rest('fetchOrder', () => this.deps.client.fetchOrder('', instrument.symbol, { clientOrderId }));
      // A query always answers, even when nothing changed since the last report.
      if (!this.onOrder(order, tracked)) this.deps.publishReport(this.currentState(tracked));
    } catch (error) {
      const reason = rejectReasonForError(error);
      this.countVenueReject(reason);
      this.deps.publishReport(this.fillRejection(command.orderId, command.instrument, command.side, reason));
    }
  }

  private currentState(tracked: TrackedOrder): ExecutionReport {
    this.tracker.rejection(tracked.orderId, tracked.instrument, tracked.side, RejectReason.NONE, nowUs(), this.report);
    if (tracked.status !== 0) this.report.status = tracked.status;
    this.report.leavesQty = isTerminal(tracked.status) ? 0 : Math.max(0, tracked.qty - tracked.filled);
    return this.report;
  }

  /** cancelAllOrders for one instrument, or every instrument of this venue at once. */
  async cancelAll(instrumentId: number | undefined, why: string): Promise<void> {
    const targets = instrumentId === undefined ? [...this.deps.instruments.values()] : [this.deps.instruments.get(instrumentId)].filter((i): i is VenueInstrument => i !== undefined);
    await Promise.all(targets.map(async (instrument) => {
      this.counters.cancelAlls++;
      // Not queued behind the rate limiter's debt from market-data requests (throttle-hooks.ts).
      const orders = await this.deps.rest('cancelAllOrders', () => asRiskReducing(() => this.deps.client.cancelAllOrders(instrument.symbol)));
      for (const order of orders) this.onVenueOrder(order);
      this.deps.log('warn', `cancelled all ${orders.length} open order(s) on ${instrument.symbol} (${why})`);
    }));
  }

  /**
   * The kill switch said HALTED: cancel every open order on this venue now, without waiting
   * for the order manager. Retried (paced) until it succeeds, a few times at most.
   */
  onHalted(why: string): Promise<void> {
    this.halting ??= (async () => {
      this.counters.haltCancels++;
      for (let attempt = 1; attempt <= HALT_CANCEL_ATTEMPTS; attempt++) {
        try {
          await this.cancelAll(undefined, why);
          return;
        } catch (error) {
          if (isRateLimitError(error)) this.deps.pacer.onRateLimited(Date.now());
          this.counters.haltCancelFailures++;
          this.deps.log('error', `halt: cancelling all orders failed (attempt ${attempt}/${HALT_CANCEL_ATTEMPTS}): ${errorText(error)}`);
          if (!isRateLimitError(error)) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    })().finally(() => {
      this.halting = undefined;
    });
    return this.halting;
  }

  /** An order state from the venue (stream or poll); orders that are not ours are ignored. */
  onVenueOrder(order: Order): void {
    const orderId = this.orderIdOf(order.clientOrderId);
    if (orderId === undefined) return;
    const instrument = order.symbol !== undefined ? this.bySymbol.get(order.symbol) : undefined;
    const existing = this.tracker.get(orderId);
    if (!existing && !instrument) return;
    const side = order.side === 'sell' ? Side.SELL : Side.BUY;
    const tracked = existing ?? this.tracker.track(orderId, instrument!.instrument, side, order.amount ?? 0);
    this.onOrder(order, tracked);
  }

  onVenueTrade(trade: Trade): void {
    const instrument = trade.symbol !== undefined ? this.bySymbol.get(trade.symbol) : undefined;
    if (!instrument) return;
    if (this.tracker.onTrade(toVenueTrade(trade), instrument, nowUs(), this.fill)) this.deps.publishFill(this.fill);
  }

  /** REST fallback while the user-data stream is down: the state of every order we think is open. */
  async poll(): Promise<void> {
    const open = this.tracker.openOrders();
    for (const tracked of open) {
      const instrument = this.deps.instruments.get(tracked.instrument);
      if (!instrument) continue;
      const clientOrderId = clientOrderIdForOrderId(this.deps.namespace, tracked.orderId);
      try {
        const order = await this.deps.rest('fetchOrder', () => this.deps.client.fetchOrder('', instrument.symbol, { clientOrderId }));
        this.onOrder(order, tracked);
      } catch (error) {
        if (rejectReasonForError(error) === RejectReason.UNKNOWN_ORDER && tracked.status === 0) this.tracker.closeRejected(tracked.orderId);
        else this.deps.log('warn', `poll of order ${tracked.orderId} failed: ${errorText(error)}`);
      }
    }
    const symbols = new Set(open.map((tracked) => this.deps.instruments.get(tracked.instrument)?.symbol).filter((s): s is string => s !== undefined));
    for (const symbol of symbols) {
      const trades = await this.deps.rest('fetchMyTrades', () => this.deps.client.fetchMyTrades(symbol, Date.now() - 10 * 60_000));
      for (const trade of trades) this.onVenueTrade(trade);
    }
    this.tracker.prune(1000);
  }

  /** Returns true when a report went out. */
  private onOrder(order: Order, tracked: TrackedOrder): boolean {
    const knewVenueId = tracked.venueOrderId !== undefined;
    const changed = this.tracker.onOrder(tracked, toVenueOrder(order), nowUs(), this.report);
    if (changed) this.deps.publishReport(this.report);
    const instrument = this.deps.instruments.get(tracked.instrument);
    if (instrument && order.trades) for (const trade of order.trades) this.onVenueTrade({ ...trade, order: trade.order ?? order.id, symbol: trade.symbol ?? order.symbol });
    if (!knewVenueId && tracked.venueOrderId !== undefined && instrument) {
      for (const pending of this.tracker.takePending(tracked.venueOrderId)) {
        if (this.tracker.onTrade(pending.trade, pending.assets, nowUs(), this.fill)) this.deps.publishFill(this.fill);
      }
    }
    return changed;
  }

  private orderIdOf(clientOrderId: string | undefined): number | undefined {
    if (clientOrderId === undefined) return undefined;
    const parts = parseClientOrderId(clientOrderId, this.deps.namespace);
    return parts ? orderIdFor(parts.strategy, parts.intentId) : undefined;
  }
}

function toVenueOrder(order: Order): import('./order-tracker.js').VenueOrder {
  return {
    id: order.id, clientOrderId: order.clientOrderId, status: order.status, side: order.side,
    filled: order.filled, remaining: order.remaining, amount: order.amount, average: order.average, cost: order.cost,
    timestamp: order.timestamp, lastUpdateTimestamp: order.lastUpdateTimestamp,
  };
}

function toVenueTrade(trade: Trade): import('./order-tracker.js').VenueTrade {
  return {
    id: trade.id, order: trade.order, side: trade.side, price: trade.price, amount: trade.amount,
    fee: trade.fee ? { cost: trade.fee.cost, currency: trade.fee.currency } : undefined,
    takerOrMaker: trade.takerOrMaker, timestamp: trade.timestamp,
  };
}
