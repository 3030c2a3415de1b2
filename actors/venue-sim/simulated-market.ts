import { seededRandom, type Random } from '../../src/domain/random.js';
import { UNIT, decimal, floorToStep, formatDecimal, maxBig, minBig } from './decimal.js';
import { DepthBook, type BookSide, type Level } from './depth-book.js';
import type { MarketLiquidity } from './matching-engine.js';
import type { DepthSnapshot, MarketEvent, MarketSource } from './market-source.js';
import { MidPriceProcess, symbolSeed, type PriceProcessParams } from './price-process.js';
import type { SymbolSpec } from './symbols.js';

/** How one symbol's simulated market behaves (decimal strings in the symbol's units). */
export interface SimulatedSymbolConfig {
  startPrice: string;
  /** Mean quantity per book level. */
  levelQty: string;
  /** Mean size of a market trade (exponentially distributed). */
  tradeQty: string;
  /** Distance between book levels below the best bid / above the best ask, in ticks. */
  levelSpacingTicks: number;
}

export interface SimulatedMarketConfig {
  seed: number;
  stepMs: number;
  stepVolatility: number;
  meanReversion: number;
  noiseVolatility: number;
  basisBps: number;
  /** Venues given the same common seed share this factor (correlated, not identical, prices). */
  commonFactor?: { seed: number; weight: number };
  levelsPerSide: number;
  /** Mean number of market trades per step (Poisson). */
  tradesPerStep: number;
  /** Chance per step that a level's quantity is redrawn. */
  refreshProbability: number;
  symbols: Record<string, SimulatedSymbolConfig>;
}

const FIRST_UPDATE_ID = 1_000_000;
const FIRST_TRADE_ID = 1;

/**
 * A seeded, reproducible market for one symbol. Each step moves the mid (price-process.ts),
 * redraws part of the book around it, prints Poisson-many trades against the top of the
 * book, and publishes the changes as one depth diff. The same seed and the same user
 * actions give the same events: randomness is drawn per step, never per wall-clock time.
 *
 * Two books are kept: `working` is what the matching engine trades against (users'
 * orders consume it at once), `published` is what clients have been told. Each step
 * publishes the difference, so the REST snapshot (taken from `published`) always agrees
 * with the update ids on the stream.
 */
export class SimulatedMarket implements MarketSource {
  private readonly working = new DepthBook();
  private readonly published = new DepthBook();
  private readonly dirty = { bid: new Set<bigint>(), ask: new Set<bigint>() };
  private readonly process: MidPriceProcess;
  private readonly random: Random;
  private readonly levelQty: bigint;
  private readonly tradeQty: bigint;
  private readonly spacing: bigint;
  private nextTradeId = FIRST_TRADE_ID;
  private lastMid: number;
  private timer: NodeJS.Timeout | undefined;
  private lastTop = '';
  readonly liquidity: MarketLiquidity;

  constructor(
    private readonly spec: SymbolSpec,
    private readonly config: SimulatedMarketConfig,
    private readonly now: () => number = Date.now,
  ) {
    const symbolConfig = config.symbols[spec.symbol];
    if (!symbolConfig) throw new RangeError(`simulated market: no settings for symbol ${spec.symbol}`);
    this.random = seededRandom(symbolSeed(config.seed, spec.symbol));
    const common = config.commonFactor ? seededRandom(symbolSeed(config.commonFactor.seed, spec.symbol)) : undefined;
    const params: PriceProcessParams = {
      startPrice: Number(symbolConfig.startPrice),
      stepVolatility: config.stepVolatility,
      commonWeight: config.commonFactor?.weight ?? 0,
      meanReversion: config.meanReversion,
      noiseVolatility: config.noiseVolatility,
      basisBps: config.basisBps,
    };
    this.process = new MidPriceProcess(params, this.random.fork(), common);
    this.levelQty = decimal(symbolConfig.levelQty);
    this.tradeQty = decimal(symbolConfig.tradeQty);
    this.spacing = BigInt(symbolConfig.levelSpacingTicks) * spec.tickSize;
    this.lastMid = this.process.mid;
    this.published.lastUpdateId = FIRST_UPDATE_ID - 1;
    this.rebuild(this.lastMid);
    this.publishDepth();

    this.liquidity = {
      levels: (side: BookSide): IterableIterator<Level> => this.working.side(side).levels(),
      consume: (side: BookSide, price: bigint, qty: bigint): void => {
        const book = this.working.side(side);
        book.set(price, book.qtyAt(price) - qty);
        this.dirty[side].add(price);
      },
    };
  }

  get symbol(): string {
    return this.spec.symbol;
  }

  get mid(): number {
    return this.lastMid;
  }

  depthSnapshot(limit: number): DepthSnapshot {
    return {
      lastUpdateId: this.published.lastUpdateId,
      bids: this.published.bids.top(limit).map(levelText),
      asks: this.published.asks.top(limit).map(levelText),
    };
  }

  bestBid(): Level | undefined {
    return this.published.bids.best();
  }

  bestAsk(): Level | undefined {
    return this.published.asks.best();
  }

  async start(sink: (event: MarketEvent) => void): Promise<void> {
    this.stop();
    this.timer = setInterval(() => {
      for (const event of this.step()) sink(event);
    }, this.config.stepMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Advances the market one step and returns what it published, in order. */
  step(): MarketEvent[] {
    const previousMid = this.lastMid;
    this.lastMid = this.process.step();
    this.rebuild(this.lastMid);
    const events: MarketEvent[] = this.trades(this.lastMid - previousMid);
    const depth = this.publishDepth();
    if (depth) events.push(depth);
    const top = this.bookTicker();
    if (top) events.push(top);
    return events;
  }

  /** Redraws the target book around `mid`, keeping most existing quantities. */
  private rebuild(mid: number): void {
    const tick = this.spec.tickSize;
    const midUnits = BigInt(Math.round(mid * Number(UNIT)));
    let bestBid = floorToStep(midUnits, tick);
    if (bestBid >= midUnits) bestBid -= tick;
    bestBid = maxBig(bestBid, this.spec.minPrice);
    const bestAsk = bestBid + tick;
    const bidPrices = [bestBid];
    const askPrices = [bestAsk];
    let bidGrid = floorToStep(bestBid - 1n, this.spacing);
    let askGrid = floorToStep(bestAsk, this.spacing) + this.spacing;
    while (bidPrices.length < this.config.levelsPerSide && bidGrid >= this.spec.minPrice) {
      bidPrices.push(bidGrid);
      bidGrid -= this.spacing;
    }
    while (askPrices.length < this.config.levelsPerSide) {
      askPrices.push(askGrid);
      askGrid += this.spacing;
    }
    this.refreshSide('bid', bidPrices);
    this.refreshSide('ask', askPrices);
  }

  private refreshSide(side: BookSide, targetPrices: readonly bigint[]): void {
    const book = this.working.side(side);
    const target = new Set(targetPrices);
    for (const level of [...book.levels()]) {
      if (!target.has(level.price)) {
        book.set(level.price, 0n);
        this.dirty[side].add(level.price);
      }
    }
    for (const price of targetPrices) {
      if (book.qtyAt(price) > 0n && this.random.next() >= this.config.refreshProbability) continue;
      const drawn = floorToStep((this.levelQty * BigInt(Math.round((0.2 + 1.6 * this.random.next()) * 1000))) / 1000n, this.spec.stepSize);
      book.set(price, maxBig(drawn, this.spec.minQty));
      this.dirty[side].add(price);
    }
  }

  /** Poisson-many trades against the top of the book, leaning with the mid's move. */
  private trades(midMove: number): MarketEvent[] {
    const events: MarketEvent[] = [];
    const count = poisson(this.random, this.config.tradesPerStep);
    const buyBias = midMove > 0 ? 0.65 : midMove < 0 ? 0.35 : 0.5;
    for (let i = 0; i < count; i++) {
      const takerSide = this.random.next() < buyBias ? 'BUY' : 'SELL';
      const bookSide: BookSide = takerSide === 'BUY' ? 'ask' : 'bid';
      const level = this.working.side(bookSide).best();
      const size = -Math.log(1 - this.random.next());
      if (!level) continue;
      const wanted = maxBig(floorToStep((this.tradeQty * BigInt(Math.round(size * 1000))) / 1000n, this.spec.stepSize), this.spec.minQty);
      const qty = minBig(wanted, level.qty);
      this.liquidity.consume(bookSide, level.price, qty);
      const time = this.now();
      events.push({
        kind: 'trade',
        symbol: this.spec.symbol,
        price: level.price,
        qty,
        takerSide,
        payload: {
          e: 'trade', E: time, s: this.spec.symbol, t: this.nextTradeId++,
          p: formatDecimal(level.price), q: formatDecimal(qty), T: time, m: takerSide === 'SELL', M: true,
        },
      });
    }
    return events;
  }

  /** Publishes every level that changed since the last diff, with consecutive update ids. */
  private publishDepth(): MarketEvent | undefined {
    const changes = { bid: [] as [string, string][], ask: [] as [string, string][] };
    for (const side of ['bid', 'ask'] as const) {
      for (const price of [...this.dirty[side]].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        const qty = this.working.side(side).qtyAt(price);
        if (qty === this.published.side(side).qtyAt(price)) continue;
        this.published.side(side).set(price, qty);
        changes[side].push([formatDecimal(price), formatDecimal(qty)]);
      }
      this.dirty[side].clear();
    }
    const count = changes.bid.length + changes.ask.length;
    if (count === 0) return undefined;
    const first = this.published.lastUpdateId + 1;
    this.published.lastUpdateId += count;
    return {
      kind: 'depth',
      symbol: this.spec.symbol,
      payload: {
        e: 'depthUpdate', E: this.now(), s: this.spec.symbol,
        U: first, u: this.published.lastUpdateId, b: changes.bid, a: changes.ask,
      },
    };
  }

  private bookTicker(): MarketEvent | undefined {
    const bid = this.published.bids.best();
    const ask = this.published.asks.best();
    if (!bid || !ask) return undefined;
    const top = `${bid.price}:${bid.qty}:${ask.price}:${ask.qty}`;
    if (top === this.lastTop) return undefined;
    this.lastTop = top;
    return {
      kind: 'bookTicker',
      symbol: this.spec.symbol,
      payload: {
        u: this.published.lastUpdateId, s: this.spec.symbol,
        b: formatDecimal(bid.price), B: formatDecimal(bid.qty), a: formatDecimal(ask.price), A: formatDecimal(ask.qty),
      },
    };
  }
}

const levelText = (level: Level): [string, string] => [formatDecimal(level.price), formatDecimal(level.qty)];

/** Knuth's method: fine for the small means used per step. */
function poisson(random: Random, mean: number): number {
  const limit = Math.exp(-mean);
  let count = 0;
  let product = random.next();
  while (product > limit) {
    count++;
    product *= random.next();
  }
  return count;
}
