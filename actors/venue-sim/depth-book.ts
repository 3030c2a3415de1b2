/**
 * An aggregated (L2) book side: price -> quantity, kept sorted best-first. This is the
 * shape of the market's liquidity as Binance publishes it (depth snapshot + diffs); the
 * emulator's users' own orders live in order-book.ts.
 */
export type BookSide = 'bid' | 'ask';

export interface Level {
  readonly price: bigint;
  readonly qty: bigint;
}

export class DepthSide {
  private readonly quantities = new Map<bigint, bigint>();
  /** Prices best-first: descending for bids, ascending for asks. */
  private readonly prices: bigint[] = [];

  constructor(readonly side: BookSide) {}

  get size(): number {
    return this.prices.length;
  }

  qtyAt(price: bigint): bigint {
    return this.quantities.get(price) ?? 0n;
  }

  /** Sets a level; zero removes it (as in a Binance diff). */
  set(price: bigint, qty: bigint): void {
    const exists = this.quantities.has(price);
    if (qty <= 0n) {
      if (!exists) return;
      this.quantities.delete(price);
      this.prices.splice(this.indexOf(price), 1);
      return;
    }
    this.quantities.set(price, qty);
    if (!exists) this.prices.splice(this.indexOf(price), 0, price);
  }

  clear(): void {
    this.quantities.clear();
    this.prices.length = 0;
  }

  best(): Level | undefined {
    const price = this.prices[0];
    return price === undefined ? undefined : { price, qty: this.qtyAt(price) };
  }

  /** True when `a` is a better price than `b` on this side. */
  better(a: bigint, b: bigint): boolean {
    return this.side === 'bid' ? a > b : a < b;
  }

  *levels(): IterableIterator<Level> {
    for (const price of this.prices) yield { price, qty: this.qtyAt(price) };
  }

  top(limit: number): Level[] {
    const out: Level[] = [];
    for (const price of this.prices) {
      if (out.length >= limit) break;
      out.push({ price, qty: this.qtyAt(price) });
    }
    return out;
  }

  /** Position of `price` in best-first order (where it is, or where it would be inserted). */
  private indexOf(price: bigint): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const atMid = this.prices[mid] as bigint;
      if (atMid === price) return mid;
      if (this.better(atMid, price)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class DepthBook {
  readonly bids = new DepthSide('bid');
  readonly asks = new DepthSide('ask');
  lastUpdateId = 0;

  side(side: BookSide): DepthSide {
    return side === 'bid' ? this.bids : this.asks;
  }
}
