import type { Order, Trade as CcxtTrade } from 'ccxt';
import {
  L2_MAX_LEVELS, Side, TradingState, tradingStateName, type BookTop, type ExecutionReport, type Fill, type L2Delta, type Trade,
} from '../../src/domain/messages.js';
import { defineActor, type ActorContext, type FrameEncoder, type Outbox } from '../../src/runtime/actor-definition.js';
import { bookTopCodec, l2DeltaCodec, tradeCodec } from '../../src/runtime/codec/market-data.js';
import { executionReportCodec, fillCodec } from '../../src/runtime/codec/execution.js';
import { FrameDecoder } from '../../src/runtime/codec/frame-decoder.js';
import { nowUs } from '../../src/runtime/clock.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET } from '../venue-sim/options.js';
import { Backoff } from './backoff.js';
import { errorText, isRateLimitError } from './ccxt-errors.js';
import { parseExchangeConfig, resolveCredentials, type ExchangeConfig } from './config.js';
import type { L2Book, PriceLevel } from './l2-book.js';
import { MarketFeed, type FeedInstrument } from './market-feed.js';
import { MarketValidator } from './market-validation.js';
import { OrderExecutor, type VenueInstrument } from './order-executor.js';
import { RestPacer } from './rest-pacer.js';
import { StaleDetector } from './stale-detector.js';
import { UserStream } from './user-stream.js';
import { VenueHealth } from './venue-health.js';
import { onReconcileControl, type ReconcileDeps } from './venue-reconcile.js';
import { VENUE_STREAM_GAP, type VenueStreamGap } from '../order-manager/venue-protocol.js';
import { createVenueClient, marketStreamUrl, type VenueClient } from './venue-client.js';

/**
 * The exchange actor: one per venue (docs/exchange-actor.md). Market data in (WebSocket
 * diffs + REST snapshots -> local books -> BookTop / L2Delta / Trade frames), orders out
 * (OrderCommand frames -> ccxt), execution reports and fills back, a second look at the
 * trading gate before every order, and the venue's health. Runs with wait strategy
 * 'park': its event loop does socket I/O, which a spinning loop would starve.
 */
interface State {
  client: VenueClient;
  instruments: Map<number, VenueInstrument>;
  feed: MarketFeed;
  validator: MarketValidator;
  stale: StaleDetector;
  health: VenueHealth;
  pacer: RestPacer;
  executor: OrderExecutor;
  userStream: UserStream | undefined;
  marketPeers: Outbox[];
  reportPeers: Outbox[];
  decoder: FrameDecoder;
  top: BookTop;
  delta: L2Delta;
  trade: Trade;
  counters: {
    bookTops: number;
    l2Deltas: number;
    trades: number;
    /** Frames a full ring refused, by peer. */
    ringFull: Record<string, number>;
    resyncs: number;
    unhandledRejections: number;
    ignoredFrames: number;
  };
  lastTradingState: number | null;
  pollRunning: boolean;
  onUnhandledRejection: (reason: unknown) => void;
  /** What answering the order manager's venue.reconcile needs (venue-reconcile.ts). */
  reconcile: ReconcileDeps;
}

type Ctx = ActorContext<ExchangeConfig>;

function peersFor(ctx: Ctx, names: readonly string[] | undefined, what: string): Outbox[] {
  if (names === undefined) return [...ctx.outboxes.values()];
  return names.map((name) => {
    const outbox = ctx.outboxes.get(name);
    if (!outbox) throw new Error(`exchange config: routes.${what} names "${name}", but this actor sends only to [${[...ctx.outboxes.keys()].join(', ')}]`);
    return outbox;
  });
}

/**
 * Sends to every peer under each edge's full policy: a drop is counted; a refusal (a 'fail'
 * edge, or a 'block' edge still full after its timeout) is counted and returned, never
 * thrown into the feed or the user-data stream. Returns the peers that did not get it.
 */
function send<T>(state: State, peers: readonly Outbox[], codec: FrameEncoder<T>, message: T): string[] {
  const missed: string[] = [];
  for (const outbox of peers) {
    let sent: boolean;
    try {
      sent = outbox.send(codec, message);
    } catch {
      // A refusal by the encoder counts with the full rings below: either way the peer did not get it.
      sent = false;
    }
    if (!sent) {
      state.counters.ringFull[outbox.peer] = (state.counters.ringFull[outbox.peer] ?? 0) + 1;
      missed.push(outbox.peer);
    }
  }
  return missed;
}

/** Reports and fills must not vanish quietly: the order manager's timeouts and reconciliation recover them, the log says why. */
function sendExecution<T>(state: State, ctx: Ctx, codec: FrameEncoder<T>, message: T, what: string): void {
  const missed = send(state, state.reportPeers, codec, message);
  if (missed.length > 0) ctx.log.error({ peers: missed }, `could not deliver ${what} to ${missed.join(', ')}: ring full; the order manager will learn it by query or reconciliation`);
}

function sendControl(state: State, message: Record<string, unknown>): void {
  for (const outbox of state.marketPeers) {
    if (!outbox.sendControl(message)) state.counters.ringFull[outbox.peer] = (state.counters.ringFull[outbox.peer] ?? 0) + 1;
  }
}

/** L2Delta frames for a set of level changes: at most L2_MAX_LEVELS per frame, bids first. */
function publishLevels(state: State, instrument: number, firstId: number, lastId: number, exchangeTsMs: number, receiveTsUs: number, bids: readonly PriceLevel[], asks: readonly PriceLevel[]): void {
  const delta = state.delta;
  delta.venue = state.top.venue;
  delta.instrument = instrument;
  delta.firstUpdateId = firstId;
  delta.lastUpdateId = lastId;
  delta.exchangeTsMs = exchangeTsMs;
  delta.receiveTsUs = receiveTsUs;
  delta.levelCount = 0;
  const flush = (): void => {
    if (delta.levelCount === 0) return;
    send(state, state.marketPeers, l2DeltaCodec, delta);
    state.counters.l2Deltas++;
    delta.levelCount = 0;
  };
  const add = (side: Side, levels: readonly PriceLevel[]): void => {
    for (const [price, qty] of levels) {
      const i = delta.levelCount++;
      delta.sides[i] = side;
      delta.prices[i] = price;
      delta.quantities[i] = qty;
      if (delta.levelCount === L2_MAX_LEVELS) flush();
    }
  };
  add(Side.BUY, bids);
  add(Side.SELL, asks);
  flush();
}

function publishTop(state: State, feedInstrument: FeedInstrument, book: L2Book, exchangeTsMs: number, receiveTsUs: number, ctx: Ctx): void {
  const bid = book.bids.bestPrice();
  const ask = book.asks.bestPrice();
  if (bid !== undefined && ask !== undefined) {
    const verdict = state.validator.checkTop(feedInstrument.nativeId, bid, ask);
    if (verdict === 'crossed') {
      ctx.log.warn({ symbol: feedInstrument.symbol, bid, ask, updateId: book.lastUpdateId }, `crossed book on ${feedInstrument.symbol} (bid ${bid} >= ask ${ask}): not published, resyncing`);
      resync(state, feedInstrument, 'crossed book');
      return;
    }
    if (verdict === 'jump') ctx.log.warn({ symbol: feedInstrument.symbol, bid, ask }, `price jump on ${feedInstrument.symbol} beyond ${ctx.config.max_price_jump * 100}% in one update`);
  }
  const top = state.top;
  top.instrument = feedInstrument.instrument;
  top.updateId = book.lastUpdateId;
  top.bidPrice = bid ?? 0;
  top.bidQty = book.bids.bestQty() ?? 0;
  top.askPrice = ask ?? 0;
  top.askQty = book.asks.bestQty() ?? 0;
  top.exchangeTsMs = exchangeTsMs;
  top.receiveTsUs = receiveTsUs;
  send(state, state.marketPeers, bookTopCodec, top);
  state.counters.bookTops++;
}

function resync(state: State, instrument: FeedInstrument, why: string): void {
  state.counters.resyncs++;
  state.validator.forgetMid(instrument.nativeId);
  state.feed.syncs.get(instrument.nativeId)!.reset();
  state.feed.requestSnapshot(instrument);
  state.health.countError('resync', `${instrument.symbol}: ${why}`);
}

function health(state: State, ctx: Ctx) {
  const now = Date.now();
  const books = Object.fromEntries([...state.feed.syncs].map(([symbol, sync]) => [symbol, {
    live: sync.isLive, lastUpdateId: sync.book.lastUpdateId, bidLevels: sync.book.bids.depth, askLevels: sync.book.asks.depth,
    bestBid: sync.book.bids.bestPrice() ?? null, bestAsk: sync.book.asks.bestPrice() ?? null, ...sync.counters,
  }]));
  return {
    venue: ctx.config.venue_id,
    exchange: ctx.config.exchange,
    target: ctx.config.emulator ? 'emulator' : ctx.config.testnet ? 'testnet' : 'live',
    market: {
      connected: state.feed.isConnected,
      ...state.feed.counters,
      stale: state.stale.isStale,
      staleSinceMs: state.stale.staleSince,
      staleEpisodes: state.stale.episodes,
      silentForMs: state.stale.silentForMs(now),
      staleAfterMs: state.stale.staleAfterMs,
    },
    books,
    validation: state.validator.counters,
    published: state.counters,
    latency: state.health.latency(),
    errors: Object.fromEntries(state.health.errors),
    lastError: state.health.lastError,
    rateLimit: { hits: state.pacer.hits, blockedForMs: state.pacer.blockedForMs(now) },
    userStream: state.userStream ? { up: state.userStream.isUp, failures: state.userStream.failures } : { up: false, disabled: true },
    orders: { ...state.executor.counters, ...state.executor.tracker.counters, open: state.executor.tracker.openOrders().length },
    gate: tradingStateName(ctx.gate.read()),
    lastTradingStateFrame: state.lastTradingState === null ? null : tradingStateName(state.lastTradingState),
  };
}

async function loadInstruments(client: VenueClient, config: ExchangeConfig): Promise<Map<number, VenueInstrument>> {
  const markets = await client.loadMarkets();
  const instruments = new Map<number, VenueInstrument>();
  for (const { id, symbol } of config.instruments) {
    const market = markets[symbol];
    if (!market) throw new Error(`exchange config: instruments: ${config.exchange} has no market ${symbol} (it lists ${Object.keys(markets).slice(0, 10).join(', ')}…)`);
    instruments.set(id, { instrument: id, symbol, nativeId: market.id ?? symbol, base: market.base, quote: market.quote });
  }
  return instruments;
}

export default defineActor<ExchangeConfig, State>({
  kind: 'exchange',
  parseConfig: parseExchangeConfig,
  async init(ctx) {
    const { config } = ctx;
    const credentials = resolveCredentials(config, process.env, { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET });
    const client = createVenueClient(config, credentials);
    const healthStats = new VenueHealth();
    const pacer = new RestPacer(new Backoff({ minMs: config.rate_limit_backoff.min_ms, maxMs: config.rate_limit_backoff.max_ms, jitter: config.rate_limit_backoff.jitter }, ctx.random.fork()));
    const rest = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
      await pacer.ready();
      const t0 = performance.now();
      try {
        const result = await call();
        healthStats.recordRest(performance.now() - t0);
        pacer.onSuccess();
        return result;
      } catch (error) {
        if (isRateLimitError(error)) {
          const pause = pacer.onRateLimited(Date.now());
          healthStats.countError('rate-limited', `${what}: ${errorText(error)}; REST paused ${pause} ms`);
        } else if (error instanceof Error && error.name !== 'GateClosed') {
          healthStats.countError(error.name, `${what}: ${errorText(error)}`);
        }
        throw error;
      }
    };
    let instruments: Map<number, VenueInstrument>;
    try {
      instruments = await rest('loadMarkets', () => loadInstruments(client, config));
    } catch (error) {
      await client.close().catch(() => undefined); // the market load failure thrown below is what the caller needs
      throw new Error(`${config.exchange}: could not load markets: ${errorText(error)}`, { cause: error });
    }
    const backoff = (settings: ExchangeConfig['reconnect']) => new Backoff({ minMs: settings.min_ms, maxMs: settings.max_ms, jitter: settings.jitter }, ctx.random.fork());
    const marketPeers = peersFor(ctx, config.routes.market_data, 'market_data');
    const reportPeers = peersFor(ctx, config.routes.reports, 'reports');

    // Assigned below, once built: the feed's and executor's callbacks need the state they belong to.
    let state!: State;
    const feedInstruments = [...instruments.values()].map(({ instrument, symbol, nativeId }) => ({ instrument, symbol, nativeId }));
    const feed = new MarketFeed({
      url: marketStreamUrl(client),
      instruments: feedInstruments,
      reconnect: backoff(config.reconnect),
      snapshotRetry: backoff(config.reconnect),
      pingEveryMs: config.ws_ping_ms,
      fetchSnapshot: async (instrument) => {
        const book = await rest('fetchOrderBook', () => client.fetchOrderBook(instrument.symbol, config.snapshot_depth));
        if (typeof book.nonce !== 'number') throw new Error(`${instrument.symbol}: the depth snapshot has no lastUpdateId`);
        const levels = (side: typeof book.bids): PriceLevel[] => side.map((level) => [Number(level[0]), Number(level[1])] as const);
        return { lastUpdateId: book.nonce, bids: levels(book.bids), asks: levels(book.asks) };
      },
      sink: {
        onDepth(instrument, diff, book) {
          state.validator.inOrder(`${instrument.nativeId}@depth`, diff.eventTimeMs);
          publishLevels(state, instrument.instrument, diff.firstUpdateId, diff.lastUpdateId, diff.eventTimeMs, diff.receiveTsUs, diff.bids, diff.asks);
          publishTop(state, instrument, book, diff.eventTimeMs, diff.receiveTsUs, ctx);
        },
        onSnapshot(instrument, book) {
          const receiveTsUs = nowUs();
          sendControl(state, { type: 'book.reset', venue: config.venue_id, instrument: instrument.instrument, lastUpdateId: book.lastUpdateId });
          const depth = config.publish_snapshot_levels;
          if (depth > 0) publishLevels(state, instrument.instrument, book.lastUpdateId, book.lastUpdateId, Date.now(), receiveTsUs, book.bids.top(depth), book.asks.top(depth));
          ctx.log.info({ symbol: instrument.symbol, lastUpdateId: book.lastUpdateId }, `${instrument.symbol} book synced at update ${book.lastUpdateId}`);
        },
        onTrade(instrument, parsed, receiveTsUs) {
          if (state.validator.checkTrade(instrument.nativeId, parsed.tradeTimeMs, parsed.price) !== 'ok') return;
          const trade = state.trade;
          trade.instrument = instrument.instrument;
          trade.tradeId = parsed.tradeId;
          trade.price = parsed.price;
          trade.qty = parsed.qty;
          trade.aggressor = parsed.buyerIsMaker ? Side.SELL : Side.BUY;
          trade.exchangeTsMs = parsed.tradeTimeMs;
          trade.receiveTsUs = receiveTsUs;
          send(state, state.marketPeers, tradeCodec, trade);
          state.counters.trades++;
        },
        onData() {
          if (state.stale.onData(Date.now()) === 'became-fresh') announceStale(state, ctx, false);
        },
        onMalformed(reason, detail) {
          state.health.countError(`malformed:${reason}`, detail);
          ctx.log.warn({ reason }, `dropped a malformed market message: ${detail}`);
        },
        onUnknownSymbol(symbol) {
          if (!state.validator.knownSymbol(symbol)) ctx.log.warn({ symbol }, `dropped market data for ${symbol}: not one of this actor's instruments`);
        },
        onGap(instrument, detail) {
          state.validator.forgetMid(instrument.nativeId);
          state.health.countError('gap', `${instrument.symbol}: ${detail}`);
          ctx.log.warn({ symbol: instrument.symbol }, `sequence gap on ${instrument.symbol}: ${detail}; resyncing from a new snapshot`);
        },
        onConnection(up, detail) {
          if (!up) state.health.countError('market-connection', detail);
          ctx.log[up ? 'info' : 'warn']({ up }, detail);
          ctx.emit('venue.connection', { venue: config.venue_id, exchange: config.exchange, up, detail });
        },
        onPingRtt(ms) {
          state.health.recordWs(ms);
        },
      },
    });

    const executor = new OrderExecutor({
      client,
      instruments,
      namespace: config.client_id_namespace,
      venue: config.venue_id,
      gate: ctx.gate,
      pacer,
      rest,
      publishReport: (report: ExecutionReport) => sendExecution(state, ctx, executionReportCodec, report, `the report of order ${report.orderId}`),
      publishFill: (fill: Fill) => sendExecution(state, ctx, fillCodec, fill, `fill ${fill.tradeId} of order ${fill.orderId}`),
      log: (level, message, data) => ctx.log[level](data ?? {}, message),
    });

    const top = bookTopCodec.create();
    top.venue = config.venue_id;
    const trade = tradeCodec.create();
    trade.venue = config.venue_id;
    state = {
      client,
      instruments,
      feed,
      validator: new MarketValidator(new Set(feedInstruments.map((i) => i.nativeId)), config.max_price_jump),
      stale: new StaleDetector(config.stale_after_ms, Date.now()),
      health: healthStats,
      pacer,
      executor,
      userStream: undefined,
      marketPeers,
      reportPeers,
      decoder: new FrameDecoder(),
      top,
      delta: l2DeltaCodec.create(),
      trade,
      counters: { bookTops: 0, l2Deltas: 0, trades: 0, ringFull: {}, resyncs: 0, unhandledRejections: 0, ignoredFrames: 0 },
      lastTradingState: null,
      pollRunning: false,
      reconcile: { client, instruments, venue: config.venue_id, rest },
      // ccxt.pro rejects some promises nobody awaits (e.g. a refused ws-api request): count them, never crash on them.
      onUnhandledRejection: (reason: unknown) => {
        state.counters.unhandledRejections++;
        state.health.countError('unhandled-rejection', errorText(reason));
        ctx.log.warn(`unhandled rejection inside ccxt: ${errorText(reason)}`);
      },
    };
    process.on('unhandledRejection', state.onUnhandledRejection);
    feed.start();
    if (config.user_stream) {
      state.userStream = new UserStream(client, backoff(config.reconnect), {
        onOrders: (orders: Order[]) => orders.forEach((order) => executor.onVenueOrder(order)),
        onTrades: (trades: CcxtTrade[]) => trades.forEach((each) => executor.onVenueTrade(each)),
        onState: (up, detail) => {
          if (!up) state.health.countError('user-stream', detail);
          ctx.log[up ? 'info' : 'warn']({ up }, `user-data stream: ${detail}`);
          // Back after being down: what it missed meanwhile is only known to the venue.
          if (up && state.userStream !== undefined && state.userStream.failures > 0) announceStreamGap(state, ctx, detail);
        },
      });
      state.userStream.start();
    }
    ctx.log.info({ instruments: [...instruments.values()].map((i) => i.symbol) }, `${config.exchange} connector up (venue ${config.venue_id})`);
    return state;
  },

  handle(state, frame, ctx) {
    const decoded = state.decoder.decode(frame.type, frame.version, frame.view, frame.offset, frame.length);
    if (decoded === null) {
      ctx.log.error({ peer: frame.peer }, `dropped a frame from ${frame.peer}: ${state.decoder.lastError?.message}`);
      return;
    }
    if (decoded.kind === 'OrderCommand') {
      const command = decoded.message;
      if (command.venue !== ctx.config.venue_id) {
        ctx.log.error({ peer: frame.peer, venue: command.venue }, `order ${command.orderId} from ${frame.peer} is for venue ${command.venue}, this actor is venue ${ctx.config.venue_id}: ignored`);
        state.counters.ignoredFrames++;
        return;
      }
      state.executor.enqueue(command);
      return;
    }
    if (decoded.kind === 'TradingStateChange') {
      const change = decoded.message;
      state.lastTradingState = change.state;
      if (change.state === TradingState.HALTED) {
        const why = `kill switch: ${tradingStateName(change.previous)} -> HALTED (seq ${change.seq})`;
        ctx.emit('venue.halt_cancel', { venue: ctx.config.venue_id, seq: change.seq });
        void state.executor.onHalted(why);
      }
      return;
    }
    if (decoded.kind === 'Control') {
      // The frame object is reused: keep the asking peer's name for the asynchronous answer.
      const peer = frame.peer;
      const reply = (chunk: object): boolean => ctx.outboxes.get(peer)?.sendControl(chunk) ?? false;
      if (onReconcileControl(state.reconcile, decoded.message, reply, (text) => ctx.log.warn({ peer }, text))) return;
    }
    state.counters.ignoredFrames++;
  },

  timers: {
    staleness: {
      everyMs: (config) => Math.max(20, Math.min(250, Math.floor(config.stale_after_ms / 5))),
      run(state, ctx) {
        const now = Date.now();
        if (state.stale.check(now) === 'became-stale') announceStale(state, ctx, true);
        // Still silent a while after (re)connecting: the socket may be alive but dead inside; start over.
        if (state.stale.isStale && state.feed.isConnected && now - state.feed.connectedSinceMs >= ctx.config.stale_after_ms) {
          state.feed.recycle(`no market data for ${state.stale.silentForMs(now)} ms`);
        }
      },
    },
    orderPoll: {
      everyMs: (config) => config.order_poll_ms,
      async run(state, ctx) {
        if ((state.userStream?.isUp ?? false) || state.pollRunning) return;
        state.pollRunning = true;
        try {
          await state.executor.poll();
        } catch (error) {
          ctx.log.warn(`order poll failed: ${errorText(error)}`);
        } finally {
          state.pollRunning = false;
        }
      },
    },
  },

  control: {
    health: (state, _args, ctx) => health(state, ctx),
    /** Cancels every open order on this venue (the runtime's exit policy at shutdown). */
    async cancelAll(state) {
      await state.executor.onHalted('exit policy: cancel open orders on shutdown');
      return { openOrders: state.executor.tracker.openOrders().length };
    },
  },

  describe(state) {
    return {
      connected: state.feed.isConnected,
      stale: state.stale.isStale,
      books: Object.fromEntries([...state.feed.syncs].map(([symbol, sync]) => [symbol, { live: sync.isLive, lastUpdateId: sync.book.lastUpdateId, gaps: sync.counters.gaps }])),
      reconnects: state.feed.counters.reconnects,
      latency: state.health.latency(),
      errors: Object.fromEntries(state.health.errors),
      userStream: state.userStream?.isUp ?? false,
      openOrders: state.executor.tracker.openOrders().length,
    };
  },

  async stop(state) {
    state.feed.stop();
    state.userStream?.stop();
    await Promise.race([state.executor.idle(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    await state.client.close().catch(() => undefined); // stopping: a failed close leaves nothing to clean up
    process.off('unhandledRejection', state.onUnhandledRejection);
  },
});

/** Tells risk (and every market-data peer) that this venue's prices can no longer be trusted, or can again. */
function announceStale(state: State, ctx: Ctx, stale: boolean): void {
  const now = Date.now();
  const event = {
    type: stale ? 'venue.stale' : 'venue.fresh',
    venue: ctx.config.venue_id,
    exchange: ctx.config.exchange,
    silentForMs: stale ? state.stale.silentForMs(now) : 0,
    staleAfterMs: ctx.config.stale_after_ms,
    atMs: now,
  };
  sendControl(state, event);
  ctx.emit(event.type, event);
  ctx.log[stale ? 'warn' : 'info'](event, stale ? `venue ${ctx.config.venue_id} is stale: no market data for ${event.silentForMs} ms` : `venue ${ctx.config.venue_id} is fresh again`);
}

/** Tells the order manager (every report peer) to reconcile this venue now: the user-data stream had a gap. */
function announceStreamGap(state: State, ctx: Ctx, detail: string): void {
  const notice: VenueStreamGap = { type: VENUE_STREAM_GAP, venue: ctx.config.venue_id, detail: detail.slice(0, 2000), atMs: Date.now() };
  for (const outbox of state.reportPeers) {
    if (!outbox.sendControl(notice)) state.counters.ringFull[outbox.peer] = (state.counters.ringFull[outbox.peer] ?? 0) + 1;
  }
  ctx.emit(VENUE_STREAM_GAP, { ...notice });
  ctx.log.warn(notice, `user-data stream of venue ${notice.venue} is back after a gap: asking for a reconciliation`);
}
