/**
 * The strategy actor (docs/strategies.md, "The strategy actor"): one strategy on its own
 * thread, driven by a StrategyDriver.
 *
 * In: BookTop / Trade from exchange actors, ExecutionReport / Fill from the order manager (and
 * REJECTED reports from risk), a timer. Out, to risk: OrderIntent frames for submits and
 * `order.cancel` control frames for cancels.
 *
 * Across restarts: intent ids never repeat (reserved in blocks in the state file before use),
 * positions and quote balances continue from the state file, and before the strategy starts,
 * `order.cancel-strategy` asks the order manager to cancel whatever earlier incarnations left
 * open (the driver does not know those orders: a market maker's old quotes would be orphaned).
 */
import { ExecStatus, RejectReason, TradingState, rejectReasonName, type ExecutionReport, type Fill, type OrderIntent } from '../../src/domain/messages.js';
import { defineActor, type ActorContext, type Outbox } from '../../src/runtime/actor-definition.js';
import { DEPENDENCY_CONTROL, type BreakerState, type DependencyNotice } from '../../src/runtime/supervision/dependency-notices.js';
import { executionReportCodec } from '../../src/runtime/codec/execution.js';
import { orderIntentCodec } from '../../src/runtime/codec/orders.js';
import { orderIdFor } from '../order-manager/client-order-id.js';
import { ORDER_CANCEL, ORDER_CANCEL_STRATEGY, type OrderCancelRequest, type OrderCancelStrategyRequest } from '../order-manager/pipeline-messages.js';
import { parseStrategyActorConfig, type StrategyActorConfig } from './config.js';
import { marketKey, type CancelRequest, type MarketRef, type StrategySink } from './strategy-api.js';
import { StrategyDriver, type SeedPosition } from './strategy-driver.js';
import { createStrategy } from './strategy-factory.js';
import { PERSISTED_FILL_KEYS, currentSession, loadStrategyState, sameSession, saveStrategyState, type ProcessSession, type StrategyState } from './strategy-state-store.js';

type Ctx = ActorContext<StrategyActorConfig>;

interface Counters {
  books: number;
  trades: number;
  reports: number;
  fills: number;
  /** Fill frames delivered again after a restart (already in the persisted positions). */
  duplicateFills: number;
  intents: number;
  cancels: number;
  /** Intents or cancels that could not be written to risk's ring (the intent is reported REJECTED locally). */
  sendFailures: number;
  ignoredFrames: number;
  stateWrites: number;
}

interface State {
  driver: StrategyDriver;
  risk: Outbox;
  /** Markets whose position is persisted: the strategy's own and its allocation's. */
  markets: MarketRef[];
  /** Highest intent id this incarnation may use without writing the state file first. */
  reservedIntentId: number;
  firstIntentId: number;
  /** Positions continue from the state file only within the process that wrote it. */
  startedFrom: 'state file' | 'allocation';
  session: ProcessSession;
  recentFills: string[];
  recentFillSet: Set<string>;
  /** Intents the ring refused: reported REJECTED to the driver once the current callback returns. */
  localRejects: ExecutionReport[];
  /** Breaker state of each isolated subtree this strategy depends on, as last told (dependency-notices.ts). */
  dependencies: Record<string, BreakerState>;
  counters: Counters;
}

function persist(state: State, ctx: Ctx): void {
  const c = state.driver.context;
  const record: StrategyState = {
    version: 1,
    strategyId: ctx.config.strategy_id,
    kind: ctx.config.strategy,
    reservedIntentId: state.reservedIntentId,
    positions: state.markets.map((m) => ({ venue: m.venue, instrument: m.instrument, qty: c.position(m.venue, m.instrument), avgPrice: c.entryPrice(m.venue, m.instrument) })),
    quote: ctx.config.venues.map((venue) => ({ venue, balance: c.quoteBalance(venue) })),
    recentFills: state.recentFills,
    session: state.session,
    savedAtMs: ctx.clock.now(),
  };
  saveStrategyState(ctx.config.state_file, record);
  state.counters.stateWrites++;
}

function sendFailed(state: State, ctx: Ctx, what: string, error?: unknown): void {
  state.counters.sendFailures++;
  const why = error instanceof Error ? error.message : `${ctx.config.risk_peer}'s ring is full`;
  ctx.log.error({ peer: ctx.config.risk_peer }, `could not send ${what} to ${ctx.config.risk_peer}: ${why}`);
}

function submitToRisk(state: State, ctx: Ctx, intent: Readonly<OrderIntent>): void {
  if (intent.intentId > state.reservedIntentId) {
    // Written before the id leaves: a crash after this point restarts beyond it.
    state.reservedIntentId = intent.intentId - 1 + ctx.config.intent_id_block;
    persist(state, ctx);
  }
  state.counters.intents++;
  let sent = false;
  let failure: unknown;
  try {
    sent = state.risk.send(orderIntentCodec, intent);
  } catch (error) {
    failure = error;
  }
  if (sent) return;
  sendFailed(state, ctx, `intent ${intent.intentId}`, failure);
  const r = executionReportCodec.create();
  r.orderId = orderIdFor(intent.strategy, intent.intentId);
  r.venue = intent.venue;
  r.instrument = intent.instrument;
  r.status = ExecStatus.REJECTED;
  r.rejectReason = RejectReason.VENUE_UNAVAILABLE;
  r.side = intent.side;
  r.receiveTsUs = ctx.clock.nowUs();
  state.localRejects.push(r);
}

function cancelToRisk(state: State, ctx: Ctx, request: Readonly<CancelRequest>): void {
  state.counters.cancels++;
  const message: OrderCancelRequest = { type: ORDER_CANCEL, strategy: request.strategy, intentId: request.intentId };
  try {
    if (!state.risk.sendControl(message)) sendFailed(state, ctx, `cancel of intent ${request.intentId}`);
  } catch (error) {
    sendFailed(state, ctx, `cancel of intent ${request.intentId}`, error);
  }
}

/** Runs after each frame and timer tick, outside any strategy callback (the driver is not re-entrant). */
function deliverLocalRejects(state: State, ctx: Ctx): void {
  while (state.localRejects.length > 0) {
    const report = state.localRejects.shift()!;
    ctx.log.warn({ orderId: report.orderId, reason: rejectReasonName(report.rejectReason) }, `intent ${report.orderId % 2 ** 32} reported REJECTED locally: it never reached risk`);
    state.driver.onExecutionReport(report);
  }
}

function onFill(state: State, ctx: Ctx, fill: Readonly<Fill>): void {
  const key = `${fill.orderId}:${fill.tradeId}`;
  if (state.recentFillSet.has(key)) {
    state.counters.duplicateFills++;
    return;
  }
  if (!state.driver.onFill(fill)) return;
  state.counters.fills++;
  state.recentFills.push(key);
  state.recentFillSet.add(key);
  if (state.recentFills.length > PERSISTED_FILL_KEYS) state.recentFillSet.delete(state.recentFills.shift()!);
  persist(state, ctx);
}

function marketsToPersist(config: StrategyActorConfig, strategyMarkets: readonly MarketRef[]): MarketRef[] {
  const byKey = new Map<number, MarketRef>();
  for (const m of [...strategyMarkets, ...config.allocation.positions]) byKey.set(marketKey(m.venue, m.instrument), { venue: m.venue, instrument: m.instrument });
  return [...byKey.values()];
}

function status(state: State, ctx: Ctx) {
  const c = state.driver.context;
  return {
    strategyId: ctx.config.strategy_id,
    strategy: ctx.config.strategy,
    describe: state.driver.strategy.describe?.() ?? null,
    startedFrom: state.startedFrom,
    positions: state.markets.map((m) => ({ venue: m.venue, instrument: m.instrument, qty: c.position(m.venue, m.instrument), entryPrice: c.entryPrice(m.venue, m.instrument) })),
    quote: Object.fromEntries(ctx.config.venues.map((venue) => [venue, c.quoteBalance(venue)])),
    openOrders: c.openOrders().map((o) => ({ ...o })),
    lastIntentId: state.driver.lastIntentId,
    firstIntentId: state.firstIntentId,
    reservedIntentId: state.reservedIntentId,
    dependencies: state.dependencies,
    counters: state.counters,
  };
}

export default defineActor<StrategyActorConfig, State>({
  kind: 'strategy',
  parseConfig: parseStrategyActorConfig,
  init(ctx) {
    const { config } = ctx;
    const risk = ctx.outboxes.get(config.risk_peer);
    if (!risk) throw new Error(`strategy config: risk_peer "${config.risk_peer}" is not wired (sends: [${[...ctx.outboxes.keys()].join(', ')}])`);
    const loaded = loadStrategyState(config.state_file, config.strategy_id);
    const strategy = createStrategy(config.strategy, config.params);
    const venues = new Set(config.venues);
    const session = currentSession(ctx.clock.now());
    const resumed = loaded.kind === 'loaded' && sameSession(loaded.state.session, session) ? loaded.state : undefined;
    const seedPositions: SeedPosition[] =
      resumed?.positions ??
      config.allocation.positions.map((p) => ({ venue: p.venue, instrument: p.instrument, qty: p.qty, ...(p.avg_price !== undefined ? { avgPrice: p.avg_price } : {}) }));
    const quoteBalances = resumed?.quote ?? Object.entries(config.allocation.quote).map(([venue, balance]) => ({ venue: Number(venue), balance }));
    // The counter always continues: the order manager's journal outlives the process.
    const lastIntentId = loaded.kind === 'loaded' ? loaded.state.reservedIntentId : 0;

    let state!: State;
    const sink: StrategySink = {
      submit: (intent) => submitToRisk(state, ctx, intent),
      cancel: (request) => cancelToRisk(state, ctx, request),
    };
    const driver = new StrategyDriver({
      strategyId: config.strategy_id,
      strategy,
      sink,
      now: () => ctx.clock.nowUs(),
      instruments: (venue, instrument) => (venues.has(venue) ? config.specs.get(instrument) : undefined),
      lastIntentId,
      positions: seedPositions,
      quoteBalances,
      leverage: (venue) => config.leverage[String(venue)] ?? 1,
      tradingState: () => ctx.gate.read() as TradingState,
      log: { info: (event, data) => ctx.log.info(data ?? {}, event), warn: (event, data) => ctx.log.warn(data ?? {}, event) },
    });
    const recentFills = resumed ? [...resumed.recentFills] : [];
    state = {
      driver,
      risk,
      markets: marketsToPersist(config, strategy.markets),
      reservedIntentId: lastIntentId + config.intent_id_block,
      firstIntentId: lastIntentId + 1,
      startedFrom: resumed ? 'state file' : 'allocation',
      session,
      recentFills,
      recentFillSet: new Set(recentFills),
      localRejects: [],
      dependencies: {},
      counters: { books: 0, trades: 0, reports: 0, fills: 0, duplicateFills: 0, intents: 0, cancels: 0, sendFailures: 0, ignoredFrames: 0, stateWrites: 0 },
    };
    persist(state, ctx);

    // Earlier incarnations' open orders go before this one trades (the order manager cancels them).
    const cleanup: OrderCancelStrategyRequest = { type: ORDER_CANCEL_STRATEGY, strategy: config.strategy_id, belowIntentId: state.firstIntentId };
    if (!risk.sendControl(cleanup)) throw new Error(`strategy: could not send order.cancel-strategy to ${config.risk_peer}: its ring is full`);
    driver.start();
    ctx.log.info(
      { strategy: config.strategy, firstIntentId: state.firstIntentId, startedFrom: state.startedFrom },
      `strategy ${config.strategy_id} (${config.strategy}) up from its ${state.startedFrom}; intents from ${state.firstIntentId}, older open orders cancelled`,
    );
    return state;
  },

  handle(state, frame, ctx) {
    const decoded = ctx.decode(frame);
    if (decoded === null) return;
    const { driver, counters } = state;
    switch (decoded.kind) {
      case 'BookTop':
        counters.books++;
        driver.onBook(decoded.message);
        break;
      case 'Trade':
        counters.trades++;
        driver.onTrade(decoded.message);
        break;
      case 'ExecutionReport':
        counters.reports++;
        driver.onExecutionReport(decoded.message);
        break;
      case 'Fill':
        onFill(state, ctx, decoded.message);
        break;
      default:
        // L2 deltas, venue.stale / book.reset control frames: the strategies trade on tops and trades.
        counters.ignoredFrames++;
    }
    deliverLocalRejects(state, ctx);
  },

  timers: {
    strategy: {
      everyMs: (config) => config.timer_ms,
      run(state, ctx) {
        state.driver.onTimer();
        deliverLocalRejects(state, ctx);
      },
    },
  },

  control: {
    status: (state, _args, ctx) => status(state, ctx),
    /**
     * A venue's bulkhead opened or closed. Its orders are refused anyway while it is down (the order
     * manager cannot reach it); this makes the strategy's status and log say why.
     */
    [DEPENDENCY_CONTROL](state, notice, ctx) {
      const { subtree, state: breaker, cause } = notice as DependencyNotice;
      state.dependencies[subtree] = breaker;
      const log = breaker === 'closed' ? ctx.log.info.bind(ctx.log) : ctx.log.warn.bind(ctx.log);
      log({ subtree, breaker, cause }, `${subtree} is ${breaker}${cause ? ` (${cause})` : ''}: orders for it cannot leave until it closes`);
      return null;
    },
  },

  describe(state) {
    const c = state.driver.context;
    return {
      strategy: state.driver.strategy.kind,
      lastIntentId: state.driver.lastIntentId,
      openOrders: c.openOrders().length,
      positions: state.markets.map((m) => `${m.venue}:${m.instrument}=${c.position(m.venue, m.instrument)}`),
      dependencies: state.dependencies,
    };
  },

  stop(state, ctx) {
    state.driver.stop();
    deliverLocalRejects(state, ctx);
    persist(state, ctx);
  },
});
