/**
 * Cross-venue arbitrage of one instrument between venues A and B (spot).
 *
 * Opportunity, either direction: buy at the ask of one venue and sell at the bid of the other
 * when, net of both taker fees,
 *
 *   netEdgeBps = (bid_sell × (1 − fee_sell) − ask_buy × (1 + fee_buy)) / ask_buy × 10⁴ > minEdgeBps.
 *
 * Both legs go out together as IOC limit orders at the touch (never worse than the prices the
 * edge was computed from). Size = the smallest of: the ask quantity, the bid quantity,
 * maxNotional / ask, the base this strategy holds on the selling venue, and what its quote
 * balance on the buying venue pays for (fee included); rounded down to both venues' steps, and
 * skipped below either venue's minimum quantity or notional. Books must be usable and no older
 * than maxBookAgeMs.
 *
 * Leg risk: no new pair while one is in flight. A pair is finished when every order in it is
 * settled (terminal, all fills in). If the bought and sold quantities then differ by a tradable
 * amount, the pair is completed rather than unwound: the missing quantity is sent as a MARKET
 * order on the venue whose leg fell short (sell the excess on the selling venue, or buy the
 * shortfall on the buying venue). Completing keeps most of the edge the pair was opened for,
 * and the inventory it needs was already checked when the pair was sized. Up to
 * maxHedgeAttempts such orders; if the pair is still unbalanced after that, the strategy stops
 * opening pairs (state HALTED, a warning is logged) until an operator looks. Legs still open
 * after legTimeoutMs (a venue that never answered an IOC) are cancelled from the timer. A
 * remainder below the venue minimums is dust: logged, left in inventory.
 *
 * The two venues' books are combined with rxjs (combineLatest over BookStreams).
 */
import { combineLatest, filter, type Subscription } from 'rxjs';
import { z } from 'zod';
import { incrementCount, isQtyOnStep, roundQty, type InstrumentSpec } from '../../src/domain/instrument.js';
import { OrderType, Side, TimeInForce, TradingState, type BookTop, type Fill } from '../../src/domain/messages.js';
import { BookStreams } from './book-streams.js';
import { isUsableBook, type MarketRef, type OrderView, type Strategy, type StrategyContext } from './strategy-api.js';
import { marketId, nonNegative, parseStrategyParams, positive, positiveInt } from './strategy-params.js';

export const CROSS_VENUE_ARBITRAGE = 'cross-venue-arbitrage';

const paramsSchema = z
  .strictObject({
    instrument: marketId(),
    venueA: marketId(),
    venueB: marketId(),
    takerFeeBpsA: nonNegative(),
    takerFeeBpsB: nonNegative(),
    minEdgeBps: nonNegative(),
    /** Quote currency per pair (buy leg notional). */
    maxNotional: positive(),
    maxBookAgeMs: positiveInt().default(2_000),
    legTimeoutMs: positiveInt().default(5_000),
    maxHedgeAttempts: positiveInt().default(3),
  })
  .check((ctx) => {
    if (ctx.value.venueA === ctx.value.venueB) ctx.issues.push({ code: 'custom', input: ctx.value.venueB, path: ['venueB'], message: `must differ from venueA (${ctx.value.venueA})` });
  });

export type CrossVenueArbitrageParams = z.output<typeof paramsSchema>;
export type CrossVenueArbitrageInput = z.input<typeof paramsSchema>;

export function parseCrossVenueArbitrageParams(raw: unknown): CrossVenueArbitrageParams {
  return parseStrategyParams(CROSS_VENUE_ARBITRAGE, paramsSchema, raw);
}

/** Net edge in bps of buying at `ask` and selling at `bid`, both as takers. */
export function netEdgeBps(ask: number, buyFeeBps: number, bid: number, sellFeeBps: number): number {
  return ((bid * (1 - sellFeeBps / 1e4) - ask * (1 + buyFeeBps / 1e4)) / ask) * 1e4;
}

export interface ArbitrageLeg {
  venue: number;
  book: Readonly<BookTop>;
  feeBps: number;
  spec: InstrumentSpec;
}

export interface ArbitrageLimits {
  minEdgeBps: number;
  maxNotional: number;
  /** Base held on the selling venue. */
  sellInventory: number;
  /** Quote held on the buying venue. */
  buyQuoteBalance: number;
}

export interface Opportunity {
  buyVenue: number;
  sellVenue: number;
  buyPrice: number;
  sellPrice: number;
  qty: number;
  edgeBps: number;
}

/**
 * Buy on `buy`, sell on `sell`: the sized opportunity, or null when the edge is not above the
 * threshold or no tradable size fits.
 */
export function findOpportunity(buy: ArbitrageLeg, sell: ArbitrageLeg, limits: ArbitrageLimits): Opportunity | null {
  const buyPrice = buy.book.askPrice;
  const sellPrice = sell.book.bidPrice;
  const edgeBps = netEdgeBps(buyPrice, buy.feeBps, sellPrice, sell.feeBps);
  if (!(edgeBps > limits.minEdgeBps)) return null;
  const affordable = limits.buyQuoteBalance / (buyPrice * (1 + buy.feeBps / 1e4));
  const raw = Math.min(buy.book.askQty, sell.book.bidQty, limits.maxNotional / buyPrice, limits.sellInventory, affordable);
  if (!(raw > 0)) return null;
  const qty = roundQty(sell.spec, roundQty(buy.spec, raw, 'down'), 'down');
  // Steps that are not multiples of each other (0.003 vs 0.002) can leave no common size.
  if (!tradable(buy.spec, qty, buyPrice) || !tradable(sell.spec, qty, sellPrice) || !isQtyOnStep(buy.spec, qty)) return null;
  return { buyVenue: buy.venue, sellVenue: sell.venue, buyPrice, sellPrice, qty, edgeBps };
}

const tradable = (spec: InstrumentSpec, qty: number, price: number): boolean =>
  qty > 0 && qty >= spec.minQty && qty * price >= spec.minNotional && qty <= spec.maxQty;

export type ArbitrageState = 'IDLE' | 'PAIR' | 'HALTED';

interface Pair {
  opportunity: Opportunity;
  openedUs: number;
  /** Every order of the pair (legs and hedges) not settled yet. */
  unsettled: Set<number>;
  intents: Set<number>;
  bought: number;
  sold: number;
  hedges: number;
}

export class CrossVenueArbitrageStrategy implements Strategy {
  readonly kind = CROSS_VENUE_ARBITRAGE;
  readonly markets: readonly MarketRef[];
  readonly params: CrossVenueArbitrageParams;
  private readonly streams = new BookStreams();
  private subscription: Subscription | undefined;
  private state: ArbitrageState = 'IDLE';
  private pair: Pair | undefined;
  private pairsOpened = 0;
  private lastOpportunity: Opportunity | undefined;

  constructor(params: CrossVenueArbitrageInput) {
    this.params = parseCrossVenueArbitrageParams(params);
    const p = this.params;
    this.markets = [{ venue: p.venueA, instrument: p.instrument }, { venue: p.venueB, instrument: p.instrument }];
  }

  get currentState(): ArbitrageState {
    return this.state;
  }

  onStart(ctx: StrategyContext): void {
    const p = this.params;
    const fresh = (book: Readonly<BookTop>): boolean => isUsableBook(book) && ctx.now() - book.receiveTsUs <= p.maxBookAgeMs * 1000;
    this.subscription = combineLatest([this.streams.book$(p.venueA, p.instrument), this.streams.book$(p.venueB, p.instrument)])
      .pipe(filter(([a, b]) => this.state === 'IDLE' && fresh(a) && fresh(b)))
      .subscribe(([a, b]) => this.consider(a, b, ctx));
  }

  onStop(): void {
    this.subscription?.unsubscribe();
    this.streams.complete();
  }

  onBook(book: Readonly<BookTop>): void {
    if (this.subscription === undefined) throw new Error(`${CROSS_VENUE_ARBITRAGE}: onStart must run before the first book (StrategyDriver.start)`);
    this.streams.push(book);
  }

  onFill(fill: Readonly<Fill>, order: Readonly<OrderView>, ctx: StrategyContext): void {
    const pair = this.pair;
    if (pair === undefined || !pair.intents.has(order.intentId)) return;
    if (fill.side === Side.BUY) pair.bought += fill.qty;
    else pair.sold += fill.qty;
    this.onOrderSettling(order, ctx);
  }

  onOrderUpdate(_report: unknown, order: Readonly<OrderView>, ctx: StrategyContext): void {
    this.onOrderSettling(order, ctx);
  }

  onTimer(ctx: StrategyContext): void {
    const pair = this.pair;
    if (pair === undefined || ctx.now() - pair.openedUs < this.params.legTimeoutMs * 1000) return;
    for (const intentId of pair.unsettled) {
      if (ctx.order(intentId)?.terminal === false && ctx.cancel(intentId)) ctx.log.warn('arbitrage.legTimeout', { intentId });
    }
  }

  describe(): Record<string, unknown> {
    const pair = this.pair;
    return {
      state: this.state,
      pairsOpened: this.pairsOpened,
      lastOpportunity: this.lastOpportunity,
      pair: pair && { ...pair.opportunity, bought: pair.bought, sold: pair.sold, hedges: pair.hedges, unsettled: [...pair.unsettled] },
    };
  }

  private consider(a: Readonly<BookTop>, b: Readonly<BookTop>, ctx: StrategyContext): void {
    const p = this.params;
    const legA: ArbitrageLeg = { venue: p.venueA, book: a, feeBps: p.takerFeeBpsA, spec: ctx.instrument(p.venueA, p.instrument) };
    const legB: ArbitrageLeg = { venue: p.venueB, book: b, feeBps: p.takerFeeBpsB, spec: ctx.instrument(p.venueB, p.instrument) };
    const limits = (buy: ArbitrageLeg, sell: ArbitrageLeg): ArbitrageLimits => ({
      minEdgeBps: p.minEdgeBps,
      maxNotional: p.maxNotional,
      sellInventory: ctx.position(sell.venue, p.instrument),
      buyQuoteBalance: ctx.quoteBalance(buy.venue),
    });
    const aToB = findOpportunity(legA, legB, limits(legA, legB));
    const bToA = findOpportunity(legB, legA, limits(legB, legA));
    const best = aToB !== null && (bToA === null || aToB.edgeBps >= bToA.edgeBps) ? aToB : bToA;
    // A new pair only while ACTIVE: its two legs add exposure, which every other state refuses.
    if (best === null || ctx.tradingState() !== TradingState.ACTIVE) return;
    this.open(best, ctx);
  }

  private open(o: Opportunity, ctx: StrategyContext): void {
    const instrument = this.params.instrument;
    const pair: Pair = { opportunity: o, openedUs: ctx.now(), unsettled: new Set(), intents: new Set(), bought: 0, sold: 0, hedges: 0 };
    this.pair = pair;
    this.state = 'PAIR';
    this.pairsOpened++;
    this.lastOpportunity = o;
    const buy = ctx.submit({ venue: o.buyVenue, instrument, side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.IOC, price: o.buyPrice, qty: o.qty, expectedPrice: o.buyPrice });
    const sell = ctx.submit({ venue: o.sellVenue, instrument, side: Side.SELL, type: OrderType.LIMIT, timeInForce: TimeInForce.IOC, price: o.sellPrice, qty: o.qty, expectedPrice: o.sellPrice });
    for (const id of [buy, sell]) {
      pair.unsettled.add(id);
      pair.intents.add(id);
    }
    ctx.log.info('arbitrage.pairOpened', { ...o, buyIntent: buy, sellIntent: sell });
  }

  private onOrderSettling(order: Readonly<OrderView>, ctx: StrategyContext): void {
    const pair = this.pair;
    if (pair === undefined || !order.settled || !pair.unsettled.delete(order.intentId)) return;
    if (pair.unsettled.size === 0) this.balance(pair, ctx);
  }

  /** All orders of the pair are settled: done, or send the missing quantity. */
  private balance(pair: Pair, ctx: StrategyContext): void {
    const { instrument } = this.params;
    const o = pair.opportunity;
    const excess = pair.bought - pair.sold;
    const hedgeVenue = excess > 0 ? o.sellVenue : o.buyVenue;
    const spec = ctx.instrument(hedgeVenue, instrument);
    const qty = roundQty(spec, Math.abs(excess), 'down');
    const reference = excess > 0 ? o.sellPrice : o.buyPrice;
    if (!tradable(spec, qty, reference)) {
      if (incrementCount(Math.abs(excess), spec.stepSize) !== 0) ctx.log.info('arbitrage.dust', { excess, venue: hedgeVenue });
      ctx.log.info('arbitrage.pairClosed', { bought: pair.bought, sold: pair.sold, hedges: pair.hedges });
      this.pair = undefined;
      this.state = 'IDLE';
      return;
    }
    if (pair.hedges >= this.params.maxHedgeAttempts) {
      this.state = 'HALTED';
      ctx.log.warn('arbitrage.unbalanced', { bought: pair.bought, sold: pair.sold, hedges: pair.hedges, excess });
      return;
    }
    pair.hedges++;
    const side = excess > 0 ? Side.SELL : Side.BUY;
    const hedge = ctx.submit({ venue: hedgeVenue, instrument, side, type: OrderType.MARKET, qty, expectedPrice: reference });
    pair.unsettled.add(hedge);
    pair.intents.add(hedge);
    ctx.log.warn('arbitrage.hedge', { venue: hedgeVenue, side, qty, attempt: pair.hedges, intentId: hedge });
  }
}
