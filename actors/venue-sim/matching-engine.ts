import type { Ledger } from './accounts.js';
import { errors } from './binance-errors.js';
import { UNIT, floorToStep, minBig, notionalCeil, notionalFloor } from './decimal.js';
import type { BookSide, Level } from './depth-book.js';
import { checkLimitOrder, checkNotional, checkQuantity } from './filters.js';
import { UserOrderBook } from './order-book.js';
import {
  isOpen, remainingQty,
  type ExecutionType, type Fill, type Order, type OrderKind, type OrderSide, type TimeInForce,
} from './order-types.js';
import type { SymbolSpec } from './symbols.js';

/**
 * The emulator's matching engine: pure state and logic, no sockets or timers.
 *
 * Two kinds of liquidity meet here:
 * - orders of the emulator's users (accounts in the Ledger), resting in a UserOrderBook in
 *   price-time priority; and
 * - the market's own liquidity (simulated or replayed), seen through MarketLiquidity.
 *
 * Rules (docs/venue-emulator.md explains why):
 * 1. An incoming order takes liquidity from both, best price first; at an equal price users'
 *    resting orders go before the market's (so users can always trade with each other).
 *    It fills at the resting side's price.
 * 2. A market trade of size Q at price P (reported by the market source) fills users'
 *    resting orders on its passive side priced at P or better, in priority order, up to Q
 *    in total, each at its own limit price: this is how a resting order gets partial fills.
 * 3. When the market's book moves through a user's resting order (best ask <= a user's bid,
 *    or best bid >= a user's ask), the order is filled as maker at its own price against
 *    that market liquidity, which is consumed.
 * Commission is charged in the asset received, at the maker or taker rate.
 */
export interface MarketLiquidity {
  /** The market's available quantity on one side, best price first. */
  levels(side: BookSide): Iterable<Level>;
  /** Removes `qty` at `price` from a side; qty never exceeds what levels() offered. */
  consume(side: BookSide, price: bigint, qty: bigint): void;
}

export interface FeeRates {
  /** Fractions in 1e-8 units: 0.1% = 100_000n. */
  readonly maker: bigint;
  readonly taker: bigint;
}

export interface NewOrder {
  readonly account: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderKind;
  readonly timeInForce?: TimeInForce;
  readonly price?: bigint;
  readonly quantity?: bigint;
  readonly quoteOrderQty?: bigint;
  readonly clientOrderId?: string;
}

export type EngineEvent =
  | { readonly kind: 'execution'; readonly order: Readonly<Order>; readonly executionType: ExecutionType; readonly fill?: Fill; readonly cancelClientOrderId?: string }
  | { readonly kind: 'balances'; readonly account: string; readonly assets: readonly string[]; readonly time: number };

export interface PlacedOrder {
  readonly order: Readonly<Order>;
  readonly fills: readonly Fill[];
}

export interface OrderRef {
  readonly orderId?: number;
  readonly clientOrderId?: string;
}

export interface TradeQuery {
  readonly orderId?: number;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly fromId?: number;
  readonly limit?: number;
}

export interface MatchingEngineOptions {
  readonly symbols: readonly SymbolSpec[];
  readonly ledger: Ledger;
  readonly fees: FeeRates;
  readonly now: () => number;
  /** The market's liquidity per symbol; a symbol without one has only users' orders. */
  readonly liquidity?: (symbol: string) => MarketLiquidity | undefined;
}

/** What one operation changed, handed to the commit hook before anyone is told of it. */
export interface EngineCommit {
  /** Each order the operation touched, in its state at the end of it. */
  readonly orders: readonly Readonly<Order>[];
  /** The trades it made, one per order side (a trade between two users is two fills). */
  readonly fills: readonly Fill[];
  /** account -> assets whose balance moved. */
  readonly touched: ReadonlyMap<string, ReadonlySet<string>>;
  readonly nextOrderId: number;
  /** symbol -> next trade id, for the symbols that traded. */
  readonly nextTradeIds: ReadonlyMap<string, number>;
}

/** The engine's own state (the ledger keeps the balances): every order, every trade, the next ids. */
export interface EngineState {
  readonly nextOrderId: number;
  readonly nextTradeIds: ReadonlyMap<string, number>;
  readonly orders: readonly Readonly<Order>[];
  readonly fills: readonly Fill[];
}

interface PlannedMatch {
  /** undefined = the market's liquidity. */
  readonly maker: Order | undefined;
  readonly price: bigint;
  readonly qty: bigint;
}

interface TakerIntent {
  readonly side: OrderSide;
  readonly limit: bigint | undefined;
  readonly qty: bigint | undefined;
  readonly quoteBudget: bigint | undefined;
}

/** Binance generates a client id for a cancel when none is given. */
export const defaultCancelId = (order: Readonly<Order>): string => `cancel-${order.orderId}`;

const oppositeBookSide = (side: OrderSide): BookSide => (side === 'BUY' ? 'ask' : 'bid');
/** True when a maker at `price` is acceptable to a taker of `side` with limit `limit`. */
const withinLimit = (side: OrderSide, price: bigint, limit: bigint | undefined): boolean =>
  limit === undefined || (side === 'BUY' ? price <= limit : price >= limit);

export class MatchingEngine {
  private readonly specs = new Map<string, SymbolSpec>();
  private readonly books = new Map<string, UserOrderBook>();
  private readonly orders = new Map<number, Order>();
  private readonly trades = new Map<string, Fill[]>();
  private readonly listeners: ((event: EngineEvent) => void)[] = [];
  private readonly pendingExecutions: EngineEvent[] = [];
  private readonly touched = new Map<string, Set<string>>();
  private nextOrderId = 1;
  private readonly nextTradeId = new Map<string, number>();
  private commitHook: ((commit: EngineCommit) => void) | undefined;

  constructor(private readonly options: MatchingEngineOptions) {
    for (const spec of options.symbols) {
      this.specs.set(spec.symbol, spec);
      this.books.set(spec.symbol, new UserOrderBook());
      this.nextTradeId.set(spec.symbol, 1);
    }
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  /**
   * Sets the one function that records each operation's changes (the venue's journal). It runs
   * before any listener or caller hears of the operation, so nothing is answered that was not
   * recorded first; if it throws, nobody is told and the error reaches the operation's caller.
   */
  setCommitHook(hook: (commit: EngineCommit) => void): void {
    this.commitHook = hook;
  }

  state(): EngineState {
    return {
      nextOrderId: this.nextOrderId,
      nextTradeIds: new Map(this.nextTradeId),
      orders: [...this.orders.values()].map((order) => ({ ...order })),
      fills: [...this.trades.values()].flat(),
    };
  }

  /**
   * Loads a saved state into an engine that has seen nothing yet (the ledger is restored
   * apart): orders, their resting places in the books, trades and next ids. Throws a
   * RangeError naming what does not fit this venue (an unknown symbol, ids that go back).
   */
  restore(state: EngineState): void {
    if (this.orders.size > 0 || this.trades.size > 0) throw new RangeError('restore: the matching engine has already traded');
    for (const order of state.orders) {
      if (!this.specs.has(order.symbol)) throw new RangeError(`order ${order.orderId}: symbol ${order.symbol} is not one of the venue's symbols`);
      if (order.orderId >= state.nextOrderId) throw new RangeError(`order ${order.orderId}: not below the next order id ${state.nextOrderId}`);
    }
    for (const fill of state.fills) {
      if (!this.specs.has(fill.symbol)) throw new RangeError(`trade ${fill.tradeId}: symbol ${fill.symbol} is not one of the venue's symbols`);
      const next = state.nextTradeIds.get(fill.symbol) ?? 1;
      if (fill.tradeId >= next) throw new RangeError(`trade ${fill.tradeId} of ${fill.symbol}: not below the next trade id ${next}`);
    }
    this.nextOrderId = state.nextOrderId;
    for (const [symbol, next] of state.nextTradeIds) {
      if (!this.specs.has(symbol)) throw new RangeError(`next trade id of ${symbol}: not one of the venue's symbols`);
      this.nextTradeId.set(symbol, next);
    }
    for (const saved of [...state.orders].sort((a, b) => a.sequence - b.sequence)) {
      const order: Order = { ...saved };
      this.orders.set(order.orderId, order);
      if (isOpen(order)) this.books.get(order.symbol)?.own(order.side).insert(order);
    }
    for (const fill of state.fills) {
      const key = `${fill.account}\u0000${fill.symbol}`;
      const list = this.trades.get(key) ?? [];
      list.push(fill);
      this.trades.set(key, list);
    }
  }

  spec(symbol: string): SymbolSpec {
    const spec = this.specs.get(symbol);
    if (!spec) throw errors.invalidSymbol();
    return spec;
  }

  /** Validates, reserves funds and matches a new order. Throws BinanceError when refused. */
  placeOrder(request: NewOrder): PlacedOrder {
    const spec = this.spec(request.symbol);
    const intent = this.validate(spec, request);
    if (request.clientOrderId !== undefined && this.findOpenByClientId(request.account, request.symbol, request.clientOrderId)) {
      throw errors.duplicateOrder();
    }
    const { matches: plan, budgetUsedUp } = this.plan(spec, intent);
    if (request.type === 'LIMIT_MAKER' && plan.length > 0) throw errors.wouldMatchAndTake();
    if (request.type === 'MARKET') {
      const planCost = plan.reduce((sum, match) => sum + notionalFloor(match.price, match.qty), 0n);
      if (plan.length > 0) {
        const failure = checkNotional(spec, planCost);
        if (failure) throw errors.filterFailure(failure);
      }
    }
    const lockAsset = request.side === 'BUY' ? spec.quoteAsset : spec.baseAsset;
    const lockAmount = this.amountToLock(request, plan);
    const now = this.options.now();
    if (!this.options.ledger.lock(request.account, lockAsset, lockAmount, now)) throw errors.insufficientBalance();
    this.touch(request.account, lockAsset);

    const orderId = this.nextOrderId++;
    const order: Order = {
      orderId,
      clientOrderId: request.clientOrderId ?? `emulator-${orderId}`,
      account: request.account,
      symbol: spec.symbol,
      side: request.side,
      type: request.type,
      timeInForce: request.type === 'LIMIT' ? request.timeInForce ?? 'GTC' : request.type === 'LIMIT_MAKER' ? 'GTC' : undefined,
      price: request.price ?? 0n,
      origQty: request.quantity ?? 0n,
      origQuoteOrderQty: request.quoteOrderQty ?? 0n,
      executedQty: 0n,
      cummulativeQuoteQty: 0n,
      status: 'NEW',
      time: now,
      updateTime: now,
      locked: lockAmount,
      lockedAsset: lockAsset,
      sequence: orderId,
    };
    this.orders.set(orderId, order);
    this.execution(order, 'NEW');

    const fokShort = order.timeInForce === 'FOK' && plan.reduce((sum, m) => sum + m.qty, 0n) < order.origQty;
    const fills: Fill[] = [];
    if (!fokShort) {
      plan.forEach((match, index) => {
        // a quoteOrderQty order is complete once its budget is spent
        const completes = budgetUsedUp && index === plan.length - 1 ? true : undefined;
        fills.push(this.fill(spec, order, match.maker, match.price, match.qty, 'taker', completes));
      });
    }
    if (isOpen(order)) {
      if (order.type === 'MARKET' || order.timeInForce !== 'GTC') this.finish(order, 'EXPIRED');
      else this.books.get(spec.symbol)?.own(order.side).insert(order);
    }
    this.flush();
    return { order, fills };
  }

  /** Cancels an open order; `cancelClientOrderId` names the cancel (Binance's newClientOrderId), default `cancel-<orderId>`. */
  cancelOrder(account: string, symbol: string, ref: OrderRef, cancelClientOrderId?: string): Readonly<Order> {
    this.spec(symbol);
    const order = this.lookup(account, symbol, ref);
    if (!order || !isOpen(order)) throw errors.unknownOrderOnCancel();
    this.books.get(symbol)?.own(order.side).remove(order);
    this.finish(order, 'CANCELED', cancelClientOrderId ?? defaultCancelId(order));
    this.flush();
    return order;
  }

  cancelAll(account: string, symbol: string): Readonly<Order>[] {
    const cancelled: Order[] = [];
    for (const order of this.openOrders(account, symbol)) {
      this.books.get(symbol)?.own(order.side).remove(order);
      this.finish(order, 'CANCELED', defaultCancelId(order));
      cancelled.push(order);
    }
    this.flush();
    return cancelled;
  }

  getOrder(account: string, symbol: string, ref: OrderRef): Readonly<Order> {
    this.spec(symbol);
    const order = this.lookup(account, symbol, ref);
    if (!order) throw errors.orderDoesNotExist();
    return order;
  }

  openOrders(account: string, symbol?: string): Readonly<Order>[] {
    if (symbol !== undefined) this.spec(symbol);
    return [...this.orders.values()].filter(
      (order) => order.account === account && isOpen(order) && (symbol === undefined || order.symbol === symbol),
    );
  }

  /** Every order of the account on the symbol, open or closed, oldest first (GET allOrders). */
  allOrders(account: string, symbol: string): Readonly<Order>[] {
    this.spec(symbol);
    return [...this.orders.values()].filter((order) => order.account === account && order.symbol === symbol);
  }

  myTrades(account: string, symbol: string, query: TradeQuery = {}): Fill[] {
    this.spec(symbol);
    const limit = Math.min(Math.max(query.limit ?? 500, 1), 1000);
    const matching = (this.trades.get(`${account}\u0000${symbol}`) ?? []).filter(
      (fill) =>
        (query.orderId === undefined || fill.orderId === query.orderId) &&
        (query.fromId === undefined || fill.tradeId >= query.fromId) &&
        (query.startTime === undefined || fill.time >= query.startTime) &&
        (query.endTime === undefined || fill.time <= query.endTime),
    );
    // Binance returns the oldest matching trades from fromId, otherwise the most recent ones.
    return query.fromId !== undefined ? matching.slice(0, limit) : matching.slice(-limit);
  }

  /** Rule 2: a trade printed by the market fills resting users' orders on its passive side. */
  onMarketTrade(symbol: string, price: bigint, qty: bigint, takerSide: OrderSide): Fill[] {
    const spec = this.specs.get(symbol);
    const book = this.books.get(symbol);
    if (!spec || !book) return [];
    const passive = book.opposite(takerSide);
    const fills: Fill[] = [];
    let left = qty;
    for (const order of passive.inPriority()) {
      if (left <= 0n || !withinLimit(takerSide, order.price, price)) break;
      const take = minBig(left, remainingQty(order));
      fills.push(this.fill(spec, order, undefined, order.price, take, 'maker'));
      left -= take;
    }
    this.flush();
    return fills;
  }

  /** Rule 3: fills users' resting orders that the market's book has moved through. */
  sweepCrossed(symbol: string): Fill[] {
    const spec = this.specs.get(symbol);
    const book = this.books.get(symbol);
    const liquidity = this.options.liquidity?.(symbol);
    if (!spec || !book || !liquidity) return [];
    const fills: Fill[] = [];
    for (const side of ['BUY', 'SELL'] as const) {
      for (const order of book.own(side).inPriority()) {
        const crossing: Level[] = [];
        for (const level of liquidity.levels(oppositeBookSide(side))) {
          if (!withinLimit(side, level.price, order.price)) break;
          crossing.push(level);
        }
        let crossedAny = false;
        for (const level of crossing) {
          if (!isOpen(order)) break;
          const take = minBig(level.qty, remainingQty(order));
          if (take <= 0n) continue;
          liquidity.consume(oppositeBookSide(side), level.price, take);
          fills.push(this.fill(spec, order, undefined, order.price, take, 'maker'));
          crossedAny = true;
        }
        if (!crossedAny) break;
      }
    }
    this.flush();
    return fills;
  }

  private validate(spec: SymbolSpec, request: NewOrder): TakerIntent {
    const { type, price, quantity, quoteOrderQty, timeInForce } = request;
    if (type === 'MARKET') {
      if (price !== undefined) throw errors.unsupportedParameter('price');
      if (timeInForce !== undefined) throw errors.unsupportedParameter('timeInForce');
      if (quantity === undefined && quoteOrderQty === undefined) throw errors.mandatoryMissing('quantity');
      if (quantity !== undefined && quoteOrderQty !== undefined) throw errors.optionalCombination('Send either quantity or quoteOrderQty, not both.');
      if (quantity !== undefined) {
        const failure = checkQuantity(spec, quantity, true);
        if (failure) throw errors.filterFailure(failure);
        return { side: request.side, limit: undefined, qty: quantity, quoteBudget: undefined };
      }
      if ((quoteOrderQty as bigint) <= 0n) throw errors.invalidQuantity();
      return { side: request.side, limit: undefined, qty: undefined, quoteBudget: quoteOrderQty };
    }
    if (quoteOrderQty !== undefined) throw errors.unsupportedParameter('quoteOrderQty');
    if (price === undefined) throw errors.mandatoryMissing('price');
    if (quantity === undefined) throw errors.mandatoryMissing('quantity');
    if (type === 'LIMIT' && timeInForce === undefined) throw errors.mandatoryMissing('timeInForce');
    if (type === 'LIMIT_MAKER' && timeInForce !== undefined) throw errors.unsupportedParameter('timeInForce');
    const failure = checkLimitOrder(spec, price, quantity);
    if (failure) throw errors.filterFailure(failure);
    return { side: request.side, limit: price, qty: quantity, quoteBudget: undefined };
  }

  /** What the order would trade if it arrived now, without changing anything. */
  private plan(spec: SymbolSpec, intent: TakerIntent): { matches: PlannedMatch[]; budgetUsedUp: boolean } {
    const users = this.books.get(spec.symbol)?.opposite(intent.side).inPriority() ?? [];
    const market = this.options.liquidity?.(spec.symbol)?.levels(oppositeBookSide(intent.side))[Symbol.iterator]();
    const better = (a: bigint, b: bigint): boolean => (intent.side === 'BUY' ? a < b : a > b);
    const plan: PlannedMatch[] = [];
    let userIndex = 0;
    let level = market?.next();
    let levelLeft = level && !level.done ? level.value.qty : 0n;
    let qtyLeft = intent.qty;
    let budgetLeft = intent.quoteBudget;
    let budgetUsedUp = false;
    for (;;) {
      const user = users[userIndex];
      const marketLevel = level && !level.done ? level.value : undefined;
      const takeUser = user !== undefined && (marketLevel === undefined || !better(marketLevel.price, user.price));
      if (!takeUser && marketLevel === undefined) break;
      const price = takeUser ? user.price : (marketLevel as Level).price;
      if (!withinLimit(intent.side, price, intent.limit)) break;
      const available = takeUser ? remainingQty(user) : levelLeft;
      const affordable = budgetLeft !== undefined ? floorToStep((budgetLeft * UNIT) / price, spec.stepSize) : (qtyLeft as bigint);
      const take = minBig(available, affordable);
      if (take <= 0n) {
        budgetUsedUp = budgetLeft !== undefined && plan.length > 0;
        break;
      }
      plan.push({ maker: takeUser ? user : undefined, price, qty: take });
      if (budgetLeft !== undefined) budgetLeft -= notionalFloor(price, take);
      if (qtyLeft !== undefined) qtyLeft -= take;
      if (takeUser) userIndex++;
      else {
        levelLeft -= take;
        if (levelLeft <= 0n) {
          level = market?.next();
          levelLeft = level && !level.done ? level.value.qty : 0n;
        }
      }
    }
    return { matches: plan, budgetUsedUp };
  }

  private amountToLock(request: NewOrder, plan: readonly PlannedMatch[]): bigint {
    if (request.side === 'SELL') {
      if (request.quantity !== undefined) return request.quantity;
      return plan.reduce((sum, match) => sum + match.qty, 0n);
    }
    if (request.type !== 'MARKET') return notionalCeil(request.price as bigint, request.quantity as bigint);
    if (request.quoteOrderQty !== undefined) return request.quoteOrderQty;
    return plan.reduce((sum, match) => sum + notionalFloor(match.price, match.qty), 0n);
  }

  /**
   * Settles one trade between `order` and its counterparty (another user's resting order,
   * or the market when `counterparty` is undefined) at `price` for `qty`.
   */
  private fill(
    spec: SymbolSpec, order: Order, counterparty: Order | undefined, price: bigint, qty: bigint, role: 'maker' | 'taker', completes?: boolean,
  ): Fill {
    const tradeId = this.nextTradeId.get(spec.symbol) ?? 1;
    this.nextTradeId.set(spec.symbol, tradeId + 1);
    const quoteQty = notionalFloor(price, qty);
    const time = this.options.now();
    if (counterparty === undefined) {
      const liquidity = this.options.liquidity?.(spec.symbol);
      // A taker user consumes the market's liquidity here; when the market is the taker
      // (rules 2 and 3) its side has already been accounted for by the caller.
      if (role === 'taker') liquidity?.consume(oppositeBookSide(order.side), price, qty);
      this.settleExternal(spec, order.side, qty, quoteQty);
    }
    const fill = this.settle(spec, order, tradeId, price, qty, quoteQty, role === 'maker', time, completes);
    if (counterparty) this.settle(spec, counterparty, tradeId, price, qty, quoteQty, true, time);
    return fill;
  }

  /** The market as counterparty: it gives what the user's order receives and takes what it pays. */
  private settleExternal(spec: SymbolSpec, userSide: OrderSide, qty: bigint, quoteQty: bigint): void {
    const ledger = this.options.ledger;
    if (userSide === 'BUY') {
      ledger.bookExternal(spec.baseAsset, -qty);
      ledger.bookExternal(spec.quoteAsset, quoteQty);
    } else {
      ledger.bookExternal(spec.baseAsset, qty);
      ledger.bookExternal(spec.quoteAsset, -quoteQty);
    }
  }

  private settle(
    spec: SymbolSpec, order: Order, tradeId: number, price: bigint, qty: bigint, quoteQty: bigint, isMaker: boolean, time: number, completes?: boolean,
  ): Fill {
    const ledger = this.options.ledger;
    const buying = order.side === 'BUY';
    const paid = buying ? quoteQty : qty;
    const receivedAsset = buying ? spec.baseAsset : spec.quoteAsset;
    const received = buying ? qty : quoteQty;
    const commission = (received * (isMaker ? this.options.fees.maker : this.options.fees.taker)) / UNIT;
    ledger.spendLocked(order.account, order.lockedAsset, paid, time);
    order.locked -= paid;
    ledger.credit(order.account, receivedAsset, received - commission, time);
    ledger.collectFee(receivedAsset, commission);
    this.touch(order.account, order.lockedAsset);
    this.touch(order.account, receivedAsset);

    order.executedQty += qty;
    order.cummulativeQuoteQty += quoteQty;
    order.updateTime = time;
    const fill: Fill = {
      symbol: spec.symbol, tradeId, orderId: order.orderId, account: order.account, side: order.side,
      price, qty, quoteQty, commission, commissionAsset: receivedAsset, isMaker, time,
    };
    const key = `${order.account}\u0000${spec.symbol}`;
    const list = this.trades.get(key) ?? [];
    list.push(fill);
    this.trades.set(key, list);

    const complete = completes ?? (order.origQty > 0n && order.executedQty >= order.origQty);
    order.status = complete ? 'FILLED' : 'PARTIALLY_FILLED';
    this.execution(order, 'TRADE', fill);
    if (complete) {
      this.books.get(spec.symbol)?.own(order.side).remove(order);
      this.releaseLocked(order, time);
    }
    return fill;
  }

  /** Ends an open order: whatever it still had reserved goes back to free. */
  private finish(order: Order, status: 'CANCELED' | 'EXPIRED', cancelClientOrderId?: string): void {
    const time = this.options.now();
    order.status = status;
    order.updateTime = time;
    this.releaseLocked(order, time);
    this.execution(order, status, undefined, cancelClientOrderId);
  }

  private releaseLocked(order: Order, time: number): void {
    if (order.locked > 0n) {
      this.options.ledger.unlock(order.account, order.lockedAsset, order.locked, time);
      order.locked = 0n;
      this.touch(order.account, order.lockedAsset);
    }
  }

  private lookup(account: string, symbol: string, ref: OrderRef): Order | undefined {
    if (ref.orderId !== undefined) {
      const order = this.orders.get(ref.orderId);
      return order && order.account === account && order.symbol === symbol ? order : undefined;
    }
    if (ref.clientOrderId !== undefined) {
      // the newest order with that client id (an id may be reused once the earlier order is closed)
      let found: Order | undefined;
      for (const order of this.orders.values()) {
        if (order.account === account && order.symbol === symbol && order.clientOrderId === ref.clientOrderId) found = order;
      }
      return found;
    }
    return undefined;
  }

  private findOpenByClientId(account: string, symbol: string, clientOrderId: string): Order | undefined {
    const order = this.lookup(account, symbol, { clientOrderId });
    return order && isOpen(order) ? order : undefined;
  }

  private execution(order: Order, executionType: ExecutionType, fill?: Fill, cancelClientOrderId?: string): void {
    this.pendingExecutions.push({
      kind: 'execution', order: { ...order }, executionType,
      ...(fill ? { fill } : {}),
      ...(cancelClientOrderId !== undefined ? { cancelClientOrderId } : {}),
    });
  }

  private touch(account: string, asset: string): void {
    let assets = this.touched.get(account);
    if (!assets) {
      assets = new Set();
      this.touched.set(account, assets);
    }
    assets.add(asset);
  }

  /** Publishes the execution events of one operation in order, then one balance event per account. */
  private flush(): void {
    const events: EngineEvent[] = this.pendingExecutions.splice(0);
    if (this.commitHook && (events.length > 0 || this.touched.size > 0)) this.commitHook(this.commitOf(events));
    const time = this.options.now();
    for (const [account, assets] of this.touched) events.push({ kind: 'balances', account, assets: [...assets], time });
    this.touched.clear();
    for (const event of events) for (const listener of this.listeners) listener(event);
  }

  private commitOf(events: readonly EngineEvent[]): EngineCommit {
    const orders = new Map<number, Readonly<Order>>();
    const fills: Fill[] = [];
    const nextTradeIds = new Map<string, number>();
    for (const event of events) {
      if (event.kind !== 'execution') continue;
      // the live order, not the event's copy: an order that completes releases its lock after its TRADE event
      const order = this.orders.get(event.order.orderId);
      if (order) orders.set(order.orderId, { ...order });
      if (event.fill) {
        fills.push(event.fill);
        nextTradeIds.set(event.fill.symbol, this.nextTradeId.get(event.fill.symbol) ?? 1);
      }
    }
    return { orders: [...orders.values()], fills, touched: this.touched, nextOrderId: this.nextOrderId, nextTradeIds };
  }
}
