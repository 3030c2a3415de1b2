/**
 * A local price-level order book for one instrument: two sides of (price -> quantity),
 * each kept as a price array sorted best-first plus a map, so the best level is index 0
 * and an update is a binary search (plus a splice when a level appears or disappears).
 *
 * Prices are the doubles parsed from the venue's decimal strings; the same string always
 * parses to the same double, so a level is found again by its price exactly.
 */
export type BookSideName = 'bid' | 'ask';

/** [price, quantity]; a quantity of 0 removes the level. */
export type PriceLevel = readonly [number, number];

export class BookSide {
  /** Best first: descending for bids, ascending for asks. */
  private readonly prices: number[] = [];
  private readonly quantities = new Map<number, number>();

  constructor(readonly name: BookSideName) {}

  get depth(): number {
    return this.prices.length;
  }

  bestPrice(): number | undefined {
    return this.prices[0];
  }

  bestQty(): number | undefined {
    const best = this.prices[0];
    return best === undefined ? undefined : this.quantities.get(best);
  }

  qtyAt(price: number): number {
    return this.quantities.get(price) ?? 0;
  }

  set(price: number, qty: number): void {
    if (qty === 0) {
      if (!this.quantities.delete(price)) return;
      this.prices.splice(this.indexOf(price), 1);
      return;
    }
    if (!this.quantities.has(price)) this.prices.splice(this.indexOf(price), 0, price);
    this.quantities.set(price, qty);
  }

  clear(): void {
    this.prices.length = 0;
    this.quantities.clear();
  }

  /** The best `count` levels, best first. */
  top(count: number): PriceLevel[] {
    return this.prices.slice(0, count).map((price) => [price, this.quantities.get(price)!] as const);
  }

  /** Position of `price` in best-first order: where it is, or where it would be inserted. */
  private indexOf(price: number): number {
    let lo = 0;
    let hi = this.prices.length;
    const bids = this.name === 'bid';
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.prices[mid]!;
      if (bids ? at > price : at < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class L2Book {
  readonly bids = new BookSide('bid');
  readonly asks = new BookSide('ask');
  /** Id of the last update the book contains (Binance's lastUpdateId / diff `u`). */
  lastUpdateId = 0;

  replace(lastUpdateId: number, bids: readonly PriceLevel[], asks: readonly PriceLevel[]): void {
    this.bids.clear();
    this.asks.clear();
    for (const [price, qty] of bids) this.bids.set(price, qty);
    for (const [price, qty] of asks) this.asks.set(price, qty);
    this.lastUpdateId = lastUpdateId;
  }

  apply(lastUpdateId: number, bids: readonly PriceLevel[], asks: readonly PriceLevel[]): void {
    for (const [price, qty] of bids) this.bids.set(price, qty);
    for (const [price, qty] of asks) this.asks.set(price, qty);
    this.lastUpdateId = lastUpdateId;
  }

  /** Best bid at or above best ask: no real book looks like that. */
  isCrossed(): boolean {
    const bid = this.bids.bestPrice();
    const ask = this.asks.bestPrice();
    return bid !== undefined && ask !== undefined && bid >= ask;
  }
}
