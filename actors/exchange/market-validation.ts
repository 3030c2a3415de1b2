/**
 * Sanity checks on market data after parsing (parsing already refused non-numbers and
 * negative sizes): a whitelist of symbols, exchange timestamps that never go backwards,
 * books that are not crossed, and prices that do not jump further than a configured
 * fraction in one step. Every failure is counted by kind; the caller decides what to drop.
 */
export interface ValidationCounters {
  unknownSymbol: number;
  nonMonotonicTime: number;
  crossedBook: number;
  priceJump: number;
  /** Trades dropped because their price is far from the book's mid (a bad print). */
  tradeOffBook: number;
}

export type TopVerdict = 'ok' | 'crossed' | 'jump';
export type TradeVerdict = 'ok' | 'backwards' | 'off-book';

export class MarketValidator {
  readonly counters: ValidationCounters = { unknownSymbol: 0, nonMonotonicTime: 0, crossedBook: 0, priceJump: 0, tradeOffBook: 0 };
  private readonly lastTime = new Map<string, number>();
  private readonly lastMid = new Map<string, number>();

  /**
   * @param symbols venue-native symbols this actor trades (e.g. "BTCUSDT")
   * @param maxJumpFraction largest accepted relative move of the mid between two book tops
   */
  constructor(
    private readonly symbols: ReadonlySet<string>,
    private readonly maxJumpFraction: number,
  ) {
    if (!(maxJumpFraction > 0)) throw new RangeError(`MarketValidator: maxJumpFraction must be > 0, got ${maxJumpFraction}`);
  }

  knownSymbol(symbol: string): boolean {
    if (this.symbols.has(symbol)) return true;
    this.counters.unknownSymbol++;
    return false;
  }

  /** False (and counted) when `timeMs` is before the last time seen on the same stream. */
  inOrder(stream: string, timeMs: number): boolean {
    const last = this.lastTime.get(stream);
    if (last !== undefined && timeMs < last) {
      this.counters.nonMonotonicTime++;
      return false;
    }
    this.lastTime.set(stream, timeMs);
    return true;
  }

  /** A new best bid/ask of `symbol`. 'jump' still updates the reference mid: a real move must not be refused forever. */
  checkTop(symbol: string, bid: number, ask: number): TopVerdict {
    if (bid >= ask) {
      this.counters.crossedBook++;
      return 'crossed';
    }
    const mid = (bid + ask) / 2;
    const previous = this.lastMid.get(symbol);
    this.lastMid.set(symbol, mid);
    if (previous !== undefined && Math.abs(mid - previous) / previous > this.maxJumpFraction) {
      this.counters.priceJump++;
      return 'jump';
    }
    return 'ok';
  }

  checkTrade(symbol: string, timeMs: number, price: number): TradeVerdict {
    if (!this.inOrder(`${symbol}@trade`, timeMs)) return 'backwards';
    const mid = this.lastMid.get(symbol);
    if (mid !== undefined && Math.abs(price - mid) / mid > this.maxJumpFraction) {
      this.counters.tradeOffBook++;
      return 'off-book';
    }
    return 'ok';
  }

  /** Forget the reference mid (after a resync the first top is compared with nothing). */
  forgetMid(symbol: string): void {
    this.lastMid.delete(symbol);
  }
}
