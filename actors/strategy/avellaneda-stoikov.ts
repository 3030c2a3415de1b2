/**
 * Avellaneda–Stoikov market maker ("High-frequency trading in a limit order book", 2008).
 *
 * With mid s, inventory q (base units, relative to targetInventory), risk aversion γ, mid
 * volatility σ (price units per √second), order-arrival decay k (1 / price units) and time
 * left τ = T − t (seconds):
 *
 *   reservation price   r = s − q·γ·σ²·τ
 *   optimal total spread δ = γ·σ²·τ + (2/γ)·ln(1 + γ/k)
 *   quotes              bid = r − δ/2, ask = r + δ/2
 *
 * Horizon: crypto trades around the clock, so there is no session close to run down to.
 * `rolling` (the default) keeps τ constant, the usual "rolling horizon" reading: every instant
 * looks τ seconds ahead. `session` restarts the finite-horizon model every `seconds`, aligned
 * to the epoch, with τ = time to the end of the current session (spreads and skew shrink as it
 * ends, then jump back).
 *
 * σ² is estimated from mid log returns sampled every sigmaSampleMs of venue time: an EWMA of
 * r²/Δt (zero-mean, RiskMetrics style), seeded with the first sample, times s² to express it
 * in price units. k is configured, or estimated: if market orders reach depth δ from the mid
 * with intensity A·e^(−kδ), the depth a trade reaches is exponentially distributed with rate
 * k, whose maximum-likelihood estimate is 1 / mean depth (an EWMA of |trade − mid|, at least
 * half a tick). No quotes until both estimates have their minimum number of samples.
 *
 * Quoting: post-only (LIMIT_MAKER) quotes; the bid rounded down and the ask up to the tick
 * (never more aggressive than the model), and kept off the other side of the book. A live
 * quote is replaced only when the new price is requoteThresholdTicks or more away (or its size
 * no longer fits the inventory limit), so small mid moves do not spam cancels. Inventory
 * limit: a side's size is capped so that a full fill of it plus every other open order on that
 * side keeps |q| ≤ maxInventory; a side with no room is not quoted (its live quote is
 * cancelled). Quotes are pulled while the book is stale, unusable (crossed, one-sided) or the
 * model is warming up, and on stop.
 */
import { z } from 'zod';
import { roundPrice, roundQty, type InstrumentSpec } from '../../src/domain/instrument.js';
import { OrderType, Side, TradingState, tradingStateName, type BookTop, type Trade } from '../../src/domain/messages.js';
import { Ewma } from './indicators.js';
import { isUsableBook, midPrice, type MarketRef, type OrderView, type Strategy, type StrategyContext } from './strategy-api.js';
import { marketId, parseStrategyParams, positive, positiveInt } from './strategy-params.js';

export const AVELLANEDA_STOIKOV = 'avellaneda-stoikov';

const decay = () => z.number().gt(0).lt(1);

const paramsSchema = z
  .strictObject({
    venue: marketId(),
    instrument: marketId(),
    gamma: positive(),
    /** Order-arrival decay in 1/price units, or 'estimate' to learn it from trades. */
    k: z.union([positive(), z.literal('estimate')]),
    kDecay: decay().default(0.99),
    minKSamples: positiveInt().default(50),
    horizon: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('rolling'), seconds: positive() }),
        z.strictObject({ kind: z.literal('session'), seconds: positive() }),
      ])
      .default({ kind: 'rolling', seconds: 60 }),
    sigmaSampleMs: positiveInt().default(1_000),
    sigmaDecay: decay().default(0.94),
    minSigmaSamples: positiveInt().default(30),
    orderQty: positive(),
    maxInventory: positive(),
    targetInventory: z.number().default(0),
    requoteThresholdTicks: positiveInt().default(2),
    maxBookAgeMs: positiveInt().default(5_000),
  })
  .check((ctx) => {
    const p = ctx.value;
    if (p.orderQty > p.maxInventory) ctx.issues.push({ code: 'custom', input: p.orderQty, path: ['orderQty'], message: `must not exceed maxInventory (${p.maxInventory})` });
  });

export type AvellanedaStoikovParams = z.output<typeof paramsSchema>;
export type AvellanedaStoikovInput = z.input<typeof paramsSchema>;

export function parseAvellanedaStoikovParams(raw: unknown): AvellanedaStoikovParams {
  return parseStrategyParams(AVELLANEDA_STOIKOV, paramsSchema, raw);
}

export interface QuoteModelInput {
  mid: number;
  /** Inventory relative to target, base units. */
  inventory: number;
  gamma: number;
  /** Variance of the mid in price² per second. */
  sigma2: number;
  /** T − t in seconds. */
  tau: number;
  k: number;
}

export interface ModelQuotes {
  reservation: number;
  spread: number;
  bid: number;
  ask: number;
}

/** The closed-form A–S quotes (unrounded). */
export function avellanedaStoikovQuotes(input: QuoteModelInput): ModelQuotes {
  const { mid, inventory, gamma, sigma2, tau, k } = input;
  const risk = gamma * sigma2 * tau;
  const reservation = mid - inventory * risk;
  const spread = risk + (2 / gamma) * Math.log(1 + gamma / k);
  return { reservation, spread, bid: reservation - spread / 2, ask: reservation + spread / 2 };
}

/** τ in seconds for a horizon at local time nowMs. */
export function horizonSeconds(horizon: AvellanedaStoikovParams['horizon'], nowMs: number): number {
  if (horizon.kind === 'rolling') return horizon.seconds;
  const lengthMs = horizon.seconds * 1000;
  const sessionEnd = (Math.floor(nowMs / lengthMs) + 1) * lengthMs;
  return (sessionEnd - nowMs) / 1000;
}

/** Quotes on the tick grid: bid down, ask up, neither on or through the other side of the book. */
export function snapQuotes(spec: InstrumentSpec, model: ModelQuotes, book: Readonly<BookTop>): { bid: number; ask: number } {
  let bid = roundPrice(spec, model.bid, 'down');
  let ask = roundPrice(spec, model.ask, 'up');
  if (bid >= book.askPrice) bid = roundPrice(spec, book.askPrice - spec.tickSize, 'down');
  if (ask <= book.bidPrice) ask = roundPrice(spec, book.bidPrice + spec.tickSize, 'up');
  return { bid, ask };
}

interface LiveQuote {
  intentId: number;
  price: number;
}

export class AvellanedaStoikovStrategy implements Strategy {
  readonly kind = AVELLANEDA_STOIKOV;
  readonly markets: readonly MarketRef[];
  readonly params: AvellanedaStoikovParams;
  private readonly relativeVariance: Ewma;
  private readonly depth: Ewma | undefined;
  private lastSampleMid = 0;
  private lastSampleTsMs: number | undefined;
  private bid: LiveQuote | undefined;
  private ask: LiveQuote | undefined;
  private lastModel: ModelQuotes | undefined;
  private pulledReason: string | undefined;

  constructor(params: AvellanedaStoikovInput) {
    this.params = parseAvellanedaStoikovParams(params);
    const p = this.params;
    this.markets = [{ venue: p.venue, instrument: p.instrument }];
    this.relativeVariance = new Ewma(p.sigmaDecay);
    this.depth = p.k === 'estimate' ? new Ewma(p.kDecay) : undefined;
  }

  /** σ² of the mid in price² per second, once warmed up. */
  sigma2(mid: number): number | undefined {
    const v = this.relativeVariance.value;
    return v !== undefined && this.relativeVariance.count >= this.params.minSigmaSamples ? v * mid * mid : undefined;
  }

  /** The configured k, or the estimate once warmed up. */
  kappa(): number | undefined {
    if (this.depth === undefined) return this.params.k as number;
    const meanDepth = this.depth.value;
    return meanDepth !== undefined && this.depth.count >= this.params.minKSamples ? 1 / meanDepth : undefined;
  }

  onBook(book: Readonly<BookTop>, ctx: StrategyContext): void {
    if (isUsableBook(book)) this.sampleMid(midPrice(book), book.exchangeTsMs);
    this.requote(ctx);
  }

  onTrade(trade: Readonly<Trade>, ctx: StrategyContext): void {
    if (this.depth === undefined) return;
    const book = ctx.book(this.params.venue, this.params.instrument);
    if (book === undefined || !isUsableBook(book)) return;
    const tick = ctx.instrument(this.params.venue, this.params.instrument).tickSize;
    this.depth.update(Math.max(Math.abs(trade.price - midPrice(book)), tick / 2));
  }

  onOrderUpdate(_report: unknown, order: Readonly<OrderView>, ctx: StrategyContext): void {
    // A refused quote is replaced on the next book or timer, not at once: answering a refusal
    // with a new order would loop as fast as the rings go while the gate is closed.
    if (order.status === 'REJECTED') return;
    this.requote(ctx);
  }

  onFill(_fill: unknown, _order: unknown, ctx: StrategyContext): void {
    this.requote(ctx);
  }

  onTimer(ctx: StrategyContext): void {
    this.requote(ctx);
  }

  /** Resting quotes must not outlive the strategy. */
  onStop(ctx: StrategyContext): void {
    this.pull('stopping', ctx);
  }

  describe(): Record<string, unknown> {
    return {
      model: this.lastModel,
      k: this.kappa(),
      sigmaSamples: this.relativeVariance.count,
      bid: this.bid,
      ask: this.ask,
      pulled: this.pulledReason,
    };
  }

  private sampleMid(mid: number, tsMs: number): void {
    if (this.lastSampleTsMs === undefined) {
      this.lastSampleMid = mid;
      this.lastSampleTsMs = tsMs;
      return;
    }
    const elapsedMs = tsMs - this.lastSampleTsMs;
    if (elapsedMs < this.params.sigmaSampleMs) return;
    const r = Math.log(mid / this.lastSampleMid);
    this.relativeVariance.update((r * r) / (elapsedMs / 1000));
    this.lastSampleMid = mid;
    this.lastSampleTsMs = tsMs;
  }

  private requote(ctx: StrategyContext): void {
    const p = this.params;
    const book = ctx.book(p.venue, p.instrument);
    const why = this.whyNotQuote(book, ctx);
    if (why !== undefined || book === undefined) {
      this.pull(why ?? 'no book', ctx);
      return;
    }
    // PAUSED keeps open orders and HALTED cancels them downstream: either way no new quote may
    // go, so a resting quote is not replaced (its cancel would leave the book empty). REDUCING
    // allows only exits, which a two-sided quote is not.
    if (ctx.tradingState() !== TradingState.ACTIVE) {
      this.pulledReason = `trading ${tradingStateName(ctx.tradingState())}: quotes left as they rest`;
      return;
    }
    const mid = midPrice(book);
    const sigma2 = this.sigma2(mid)!;
    const k = this.kappa()!;
    const q = ctx.position(p.venue, p.instrument) - p.targetInventory;
    const model = avellanedaStoikovQuotes({ mid, inventory: q, gamma: p.gamma, sigma2, tau: horizonSeconds(p.horizon, ctx.now() / 1000), k });
    this.lastModel = model;
    this.pulledReason = undefined;
    const spec = ctx.instrument(p.venue, p.instrument);
    const prices = snapQuotes(spec, model, book);
    this.bid = this.manageSide(Side.BUY, this.bid, prices.bid, p.maxInventory - q, spec, ctx);
    this.ask = this.manageSide(Side.SELL, this.ask, prices.ask, p.maxInventory + q, spec, ctx);
  }

  private whyNotQuote(book: Readonly<BookTop> | undefined, ctx: StrategyContext): string | undefined {
    if (book === undefined) return 'no book';
    if (!isUsableBook(book)) return 'book unusable (one-sided or crossed)';
    if (ctx.now() - book.receiveTsUs > this.params.maxBookAgeMs * 1000) return 'book stale';
    if (this.sigma2(midPrice(book)) === undefined) return 'volatility warming up';
    if (this.kappa() === undefined) return 'k warming up';
    return undefined;
  }

  private pull(reason: string, ctx: StrategyContext): void {
    this.pulledReason = reason;
    this.bid = this.cancelQuote(this.bid, ctx);
    this.ask = this.cancelQuote(this.ask, ctx);
  }

  private cancelQuote(live: LiveQuote | undefined, ctx: StrategyContext): undefined {
    if (live !== undefined) ctx.cancel(live.intentId);
    return undefined;
  }

  /**
   * One side: keep, replace, place or pull its quote. `room` is how much this side may still
   * add to the inventory in the worst case (every open order on it filling).
   */
  private manageSide(side: Side, live: LiveQuote | undefined, price: number, room: number, spec: InstrumentSpec, ctx: StrategyContext): LiveQuote | undefined {
    const liveView = live === undefined ? undefined : ctx.order(live.intentId);
    if (live !== undefined && (liveView === undefined || liveView.terminal || liveView.cancelRequested)) live = undefined;
    let othersLeaves = 0;
    for (const o of ctx.openOrders()) {
      if (o.side === side && o.intentId !== live?.intentId) othersLeaves += o.qty - o.filledQty;
    }
    const liveLeaves = liveView !== undefined && live !== undefined ? liveView.qty - liveView.filledQty : 0;
    const capacity = room - othersLeaves;
    const ticksAway = live === undefined ? Infinity : Math.abs(price - live.price) / spec.tickSize;
    if (live !== undefined && ticksAway < this.params.requoteThresholdTicks - 1e-9 && liveLeaves <= capacity + spec.stepSize * 1e-9) return live;
    if (live !== undefined) ctx.cancel(live.intentId);
    // The replaced quote can still fill until its cancel is confirmed: it keeps counting.
    const qty = roundQty(spec, Math.min(this.params.orderQty, capacity - liveLeaves), 'down');
    if (!(price > 0) || qty <= 0 || qty < spec.minQty || qty * price < spec.minNotional) return undefined;
    const intentId = ctx.submit({ venue: this.params.venue, instrument: this.params.instrument, side, type: OrderType.LIMIT_MAKER, price, qty });
    return { intentId, price };
  }
}
