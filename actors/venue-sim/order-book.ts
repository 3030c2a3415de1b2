import type { Order, OrderSide } from './order-types.js';

/**
 * The emulator users' resting orders of one symbol, one side, in price-time priority
 * (best price first, then earliest arrival). Users hold few open orders, so a sorted
 * array with binary-search insertion is both simple and fast enough.
 */
export class RestingOrders {
  private readonly orders: Order[] = [];

  constructor(readonly side: OrderSide) {}

  get size(): number {
    return this.orders.length;
  }

  /** True when `a` has priority over `b`. */
  private before(a: Order, b: Order): boolean {
    if (a.price !== b.price) return this.side === 'BUY' ? a.price > b.price : a.price < b.price;
    return a.sequence < b.sequence;
  }

  insert(order: Order): void {
    let lo = 0;
    let hi = this.orders.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(this.orders[mid] as Order, order)) lo = mid + 1;
      else hi = mid;
    }
    this.orders.splice(lo, 0, order);
  }

  remove(order: Order): boolean {
    const index = this.orders.indexOf(order);
    if (index < 0) return false;
    this.orders.splice(index, 1);
    return true;
  }

  best(): Order | undefined {
    return this.orders[0];
  }

  /** Orders in priority order; a snapshot, so the caller may remove while iterating. */
  inPriority(): Order[] {
    return [...this.orders];
  }
}

export class UserOrderBook {
  readonly bids = new RestingOrders('BUY');
  readonly asks = new RestingOrders('SELL');

  /** The side an incoming order of `side` rests on. */
  own(side: OrderSide): RestingOrders {
    return side === 'BUY' ? this.bids : this.asks;
  }

  /** The side an incoming order of `side` matches against. */
  opposite(side: OrderSide): RestingOrders {
    return side === 'BUY' ? this.asks : this.bids;
  }
}
