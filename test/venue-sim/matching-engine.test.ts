import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../actors/venue-sim/accounts.js';
import { BinanceError } from '../../actors/venue-sim/binance-errors.js';
import { decimal, formatDecimal } from '../../actors/venue-sim/decimal.js';
import { DepthBook, type BookSide } from '../../actors/venue-sim/depth-book.js';
import { MatchingEngine, type EngineEvent, type MarketLiquidity } from '../../actors/venue-sim/matching-engine.js';
import { DEFAULT_SYMBOLS, symbolSpecFrom } from '../../actors/venue-sim/symbols.js';

const BTC = symbolSpecFrom(DEFAULT_SYMBOLS[0]!);
const d = decimal;

/** A market book the engine trades against (what a market source provides). */
function marketBook(bids: [string, string][] = [], asks: [string, string][] = []): { book: DepthBook; liquidity: MarketLiquidity } {
  const book = new DepthBook();
  for (const [p, q] of bids) book.bids.set(d(p), d(q));
  for (const [p, q] of asks) book.asks.set(d(p), d(q));
  return {
    book,
    liquidity: {
      levels: (side: BookSide) => [...book.side(side).levels()],
      consume: (side: BookSide, price: bigint, qty: bigint) => book.side(side).set(price, book.side(side).qtyAt(price) - qty),
    },
  };
}

function setup(options: { market?: MarketLiquidity; maker?: string; taker?: string; balances?: Record<string, string> } = {}) {
  const balances = new Map(Object.entries(options.balances ?? { USDT: '100000', BTC: '10' }).map(([a, v]) => [a, d(v)]));
  const ledger = new Ledger([
    { name: 'alice', apiKey: 'aliceKey1', secret: 'aliceSecret', balances },
    { name: 'bob', apiKey: 'bobKey123', secret: 'bobSecret1', balances },
  ]);
  let time = 1_700_000_000_000;
  const engine = new MatchingEngine({
    symbols: [BTC],
    ledger,
    fees: { maker: d(options.maker ?? '0.001'), taker: d(options.taker ?? '0.001') },
    now: () => ++time,
    ...(options.market ? { liquidity: () => options.market } : {}),
  });
  const events: EngineEvent[] = [];
  engine.onEvent((event) => events.push(event));
  return { engine, ledger, events };
}

function binanceError(fn: () => unknown): BinanceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BinanceError) return error;
    throw error;
  }
  throw new Error('expected a BinanceError');
}

describe('matching engine', () => {
  it('matches users in price-time priority and fills at the resting price', () => {
    const { engine } = setup();
    const first = engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', price: d('100'), quantity: d('1') });
    const second = engine.placeOrder({ account: 'bob', symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', price: d('100'), quantity: d('1') });
    const better = engine.placeOrder({ account: 'bob', symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', price: d('99.5'), quantity: d('0.5') });
    const taker = engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: d('101'), quantity: d('1.2') });
    expect(taker.fills.map((f) => [formatDecimal(f.price), formatDecimal(f.qty)])).toEqual([
      ['99.50000000', '0.50000000'],
      ['100.00000000', '0.70000000'],
    ]);
    expect(taker.order.status).toBe('FILLED');
    expect(engine.getOrder('bob', 'BTCUSDT', { orderId: better.order.orderId }).status).toBe('FILLED');
    expect(engine.getOrder('alice', 'BTCUSDT', { orderId: first.order.orderId }).status).toBe('PARTIALLY_FILLED');
    expect(engine.getOrder('bob', 'BTCUSDT', { orderId: second.order.orderId }).status).toBe('NEW');
  });

  it('charges maker and taker commission in the asset received', () => {
    const { engine, ledger } = setup({ maker: '0.001', taker: '0.002' });
    engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', price: d('100'), quantity: d('2') });
    const buy = engine.placeOrder({ account: 'bob', symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: d('2') });
    expect(buy.fills[0]?.commission).toBe(d('0.004'));
    expect(buy.fills[0]?.commissionAsset).toBe('BTC');
    expect(ledger.balance('bob', 'BTC').free).toBe(d('10') + d('2') - d('0.004'));
    expect(ledger.balance('bob', 'USDT').free).toBe(d('100000') - d('200'));
    expect(ledger.balance('alice', 'USDT').free).toBe(d('100000') + d('200') - d('0.2'));
    expect(ledger.feesCollected('BTC')).toBe(d('0.004'));
    expect(ledger.feesCollected('USDT')).toBe(d('0.2'));
  });

  it('enforces PRICE_FILTER, LOT_SIZE and NOTIONAL', () => {
    const { engine } = setup();
    const order = (price: string, quantity: string) => () =>
      engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: d(price), quantity: d(quantity) });
    expect(binanceError(order('100.001', '1')).msg).toBe('Filter failure: PRICE_FILTER');
    expect(binanceError(order('100', '0.000015')).msg).toBe('Filter failure: LOT_SIZE');
    expect(binanceError(order('100', '0.01')).msg).toBe('Filter failure: NOTIONAL');
    expect(binanceError(order('100', '0.01')).code).toBe(-1013);
  });

  it('rejects a LIMIT_MAKER that would take, against users and against the market', () => {
    const market = marketBook([['99', '1']], [['101', '1']]);
    const { engine } = setup({ market: market.liquidity });
    const take = binanceError(() => engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT_MAKER', price: d('101'), quantity: d('0.1') }));
    expect(take.msg).toBe('Order would immediately match and take.');
    engine.placeOrder({ account: 'bob', symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', price: d('100.5'), quantity: d('0.1') });
    expect(() => engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT_MAKER', price: d('100.5'), quantity: d('0.1') })).toThrow('immediately match');
    const rests = engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT_MAKER', price: d('100.49'), quantity: d('0.1') });
    expect(rests.order.status).toBe('NEW');
  });

  it('IOC fills what it can and expires the rest; FOK fills all or nothing', () => {
    const market = marketBook([], [['100', '0.3'], ['101', '0.3']]);
    const { engine, ledger } = setup({ market: market.liquidity });
    const ioc = engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'IOC', price: d('100'), quantity: d('0.5') });
    expect(ioc.order.status).toBe('EXPIRED');
    expect(ioc.order.executedQty).toBe(d('0.3'));
    const fok = engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'FOK', price: d('101'), quantity: d('0.5') });
    expect(fok.order.status).toBe('EXPIRED');
    expect(fok.fills).toHaveLength(0);
    expect(market.book.asks.qtyAt(d('101'))).toBe(d('0.3'));
    const fokFull = engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'FOK', price: d('101'), quantity: d('0.3') });
    expect(fokFull.order.status).toBe('FILLED');
    expect(ledger.balance('alice', 'USDT').locked).toBe(0n);
  });

  it('refuses what the free balance cannot pay, and never lets a balance go negative', () => {
    const { engine, ledger } = setup({ balances: { USDT: '150', BTC: '0' } });
    engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: d('100'), quantity: d('1') });
    expect(ledger.balance('alice', 'USDT')).toEqual({ free: d('50'), locked: d('100') });
    const refused = binanceError(() => engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: d('100'), quantity: d('1') }));
    expect(refused.msg).toBe('Account has insufficient balance for requested action.');
    expect(() => engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', price: d('100'), quantity: d('1') })).toThrow('insufficient balance');
  });

  it('a market trade through a resting order fills it partially, then fully (rule 2)', () => {
    const { engine, events } = setup();
    const resting = engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: d('100'), quantity: d('1') });
    expect(engine.onMarketTrade('BTCUSDT', d('100.5'), d('5'), 'SELL')).toHaveLength(0); // above our bid: not ours
    const partial = engine.onMarketTrade('BTCUSDT', d('99.9'), d('0.4'), 'SELL');
    expect(partial.map((f) => [f.price, f.qty, f.isMaker])).toEqual([[d('100'), d('0.4'), true]]);
    expect(engine.getOrder('alice', 'BTCUSDT', { orderId: resting.order.orderId }).status).toBe('PARTIALLY_FILLED');
    engine.onMarketTrade('BTCUSDT', d('100'), d('3'), 'SELL');
    expect(engine.getOrder('alice', 'BTCUSDT', { orderId: resting.order.orderId }).status).toBe('FILLED');
    const statuses = events.flatMap((e) => (e.kind === 'execution' ? [`${e.executionType}/${e.order.status}`] : []));
    expect(statuses).toEqual(['NEW/NEW', 'TRADE/PARTIALLY_FILLED', 'TRADE/FILLED']);
    expect(events.some((e) => e.kind === 'balances' && e.account === 'alice' && e.assets.includes('BTC'))).toBe(true);
  });

  it('a market book that moves through a resting order fills it and consumes that liquidity (rule 3)', () => {
    const market = marketBook([['99', '1']], [['101', '1']]);
    const { engine } = setup({ market: market.liquidity });
    const resting = engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: d('100'), quantity: d('0.5') });
    market.book.asks.set(d('99.8'), d('0.2'));
    const fills = engine.sweepCrossed('BTCUSDT');
    expect(fills.map((f) => [f.price, f.qty])).toEqual([[d('100'), d('0.2')]]);
    expect(market.book.asks.qtyAt(d('99.8'))).toBe(0n);
    expect(engine.getOrder('alice', 'BTCUSDT', { orderId: resting.order.orderId }).executedQty).toBe(d('0.2'));
  });

  it('cancels release the locked funds; unknown orders get Binance codes', () => {
    const { engine, ledger } = setup();
    const placed = engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: d('100'), quantity: d('1'), clientOrderId: 'mine-1' });
    expect(() => engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', price: d('100'), quantity: d('1'), clientOrderId: 'mine-1' })).toThrow('Duplicate order sent.');
    engine.cancelOrder('alice', 'BTCUSDT', { clientOrderId: 'mine-1' });
    expect(ledger.balance('alice', 'USDT')).toEqual({ free: d('100000'), locked: 0n });
    expect(binanceError(() => engine.cancelOrder('alice', 'BTCUSDT', { orderId: placed.order.orderId })).code).toBe(-2011);
    expect(binanceError(() => engine.getOrder('alice', 'BTCUSDT', { orderId: 999 })).code).toBe(-2013);
    expect(binanceError(() => engine.getOrder('bob', 'BTCUSDT', { orderId: placed.order.orderId })).code).toBe(-2013);
    expect(binanceError(() => engine.openOrders('alice', 'NOPE')).code).toBe(-1121);
  });

  it('market orders by quoteOrderQty spend at most the budget', () => {
    const market = marketBook([], [['100', '0.5'], ['102', '5']]);
    const { engine, ledger } = setup({ market: market.liquidity });
    const placed = engine.placeOrder({ account: 'alice', symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quoteOrderQty: d('100') });
    expect(placed.order.status).toBe('FILLED');
    expect(placed.order.cummulativeQuoteQty <= d('100')).toBe(true);
    expect(placed.order.executedQty).toBe(d('0.5') + d('0.49019'));
    expect(ledger.balance('alice', 'USDT').locked).toBe(0n);
  });

  it('conserves every asset across accounts, fees and the outside market (property)', () => {
    const price = fc.integer({ min: 9_000, max: 11_000 }).map((ticks) => BigInt(ticks) * d('0.01'));
    const qty = fc.integer({ min: 1, max: 50_000 }).map((steps) => BigInt(steps) * d('0.00001'));
    const action = fc.oneof(
      fc.record({ kind: fc.constant('limit' as const), account: fc.constantFrom('alice', 'bob'), side: fc.constantFrom('BUY' as const, 'SELL' as const), price, qty, tif: fc.constantFrom('GTC' as const, 'IOC' as const, 'FOK' as const) }),
      fc.record({ kind: fc.constant('market' as const), account: fc.constantFrom('alice', 'bob'), side: fc.constantFrom('BUY' as const, 'SELL' as const), qty }),
      fc.record({ kind: fc.constant('trade' as const), price, qty, side: fc.constantFrom('BUY' as const, 'SELL' as const) }),
      fc.record({ kind: fc.constant('cancelAll' as const), account: fc.constantFrom('alice', 'bob') }),
      fc.record({ kind: fc.constant('moveMarket' as const), price, qty }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 40 }), (actions) => {
        const market = marketBook([['99', '2']], [['101', '2']]);
        const { engine, ledger } = setup({ market: market.liquidity, balances: { USDT: '500', BTC: '3' } });
        const start = { USDT: ledger.conservedTotal('USDT'), BTC: ledger.conservedTotal('BTC') };
        for (const a of actions) {
          try {
            if (a.kind === 'limit') engine.placeOrder({ account: a.account, symbol: 'BTCUSDT', side: a.side, type: 'LIMIT', timeInForce: a.tif, price: a.price, quantity: a.qty });
            else if (a.kind === 'market') engine.placeOrder({ account: a.account, symbol: 'BTCUSDT', side: a.side, type: 'MARKET', quantity: a.qty });
            else if (a.kind === 'trade') engine.onMarketTrade('BTCUSDT', a.price, a.qty, a.side);
            else if (a.kind === 'cancelAll') engine.cancelAll(a.account, 'BTCUSDT');
            else {
              market.book.asks.set(a.price, a.qty);
              engine.sweepCrossed('BTCUSDT');
            }
          } catch (error) {
            if (!(error instanceof BinanceError)) throw error;
          }
          for (const account of ['alice', 'bob']) {
            for (const asset of ['USDT', 'BTC']) {
              const balance = ledger.balance(account, asset);
              expect(balance.free >= 0n && balance.locked >= 0n).toBe(true);
            }
          }
        }
        expect(ledger.conservedTotal('USDT')).toBe(start.USDT);
        expect(ledger.conservedTotal('BTC')).toBe(start.BTC);
        // with every order closed nothing may stay locked
        engine.cancelAll('alice', 'BTCUSDT');
        engine.cancelAll('bob', 'BTCUSDT');
        for (const account of ['alice', 'bob']) for (const asset of ['USDT', 'BTC']) expect(ledger.balance(account, asset).locked).toBe(0n);
      }),
      { numRuns: 200, seed: 4242 },
    );
  });
});
