import { describe, expect, it } from 'vitest';
import { OrderType, RejectReason, Side, TradingState } from '../../src/domain/messages.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import {
  PRE_TRADE_CHECKS,
  availableSubmitTokens,
  checkGrossExposure,
  checkInstrumentKnown,
  checkMaxOrderNotional,
  checkMaxPosition,
  checkMinNotional,
  checkOpenOrders,
  checkPriceBand,
  checkPricePrecision,
  checkPriceRange,
  checkQtyPrecision,
  checkQtyRange,
  checkQuoteFreshness,
  checkReducing,
  checkSpread,
  checkSubmitRate,
  checkTradingState,
  maxReducingQty,
  newSubmitBucket,
  runPreTradeChecks,
  takeSubmitToken,
  type PreTradeCheck,
  type PreTradeContext,
  type PreTradeLimits,
  type PreTradeOrder,
} from '../../actors/risk/pre-trade-checks.js';

const NOW = 1_700_000_000_000_000;
const ETH: InstrumentSpec = {
  id: 1,
  symbol: 'ETHUSDT',
  base: 'ETH',
  quote: 'USDT',
  tickSize: 0.01,
  stepSize: 0.001,
  minQty: 0.001,
  maxQty: 1000,
  minPrice: 0.01,
  maxPrice: 100_000,
  minNotional: 10,
  maxNotional: 1_000_000,
};
const LIMITS: PreTradeLimits = {
  maxOrderNotional: 1000,
  maxPositionNotional: 2000,
  maxGrossExposure: 5000,
  maxOpenOrders: 10,
  submitRate: { burst: 5, perSecond: 2 },
  priceBandBps: 50,
  maxQuoteAgeUs: 2_000_000,
  maxSpreadBps: 20,
};
const baseOrder = (): PreTradeOrder => ({ instrument: 1, side: Side.BUY, type: OrderType.LIMIT, reduceOnly: 0, price: 100, qty: 1 });
const baseCtx = (): PreTradeContext => ({
  nowUs: NOW,
  tradingState: TradingState.ACTIVE,
  instrument: ETH,
  book: { bidPrice: 99.95, askPrice: 100.05, receiveTsUs: NOW - 1000 },
  position: 0,
  openBuyQty: 0,
  openSellQty: 0,
  grossExposure: 0,
  openOrderCount: 0,
  submitBucket: { tokens: 5, updatedUs: NOW },
});

type Case = [label: string, order: Partial<PreTradeOrder>, ctx: Partial<PreTradeContext>, expected: RejectReason];

function table(check: PreTradeCheck, cases: Case[], limits: Partial<PreTradeLimits> = {}): void {
  it.each(cases)('%s', (_label, order, ctx, expected) => {
    expect(check({ ...baseOrder(), ...order }, { ...baseCtx(), ...ctx }, { ...LIMITS, ...limits })).toBe(expected);
  });
}

const { NONE } = RejectReason;
const MARKET = { type: OrderType.MARKET, price: 0 } as const;
const book = (bidPrice: number, askPrice: number, ageUs = 1000) => ({ book: { bidPrice, askPrice, receiveTsUs: NOW - ageUs } });

describe('checkTradingState', () => {
  table(checkTradingState, [
    ['ACTIVE passes', {}, { tradingState: TradingState.ACTIVE }, NONE],
    ['REDUCING passes (the reducing check decides)', {}, { tradingState: TradingState.REDUCING }, NONE],
    ['PAUSED rejects', {}, { tradingState: TradingState.PAUSED }, RejectReason.TRADING_PAUSED],
    ['HALTED rejects', {}, { tradingState: TradingState.HALTED }, RejectReason.TRADING_HALTED],
    ['an unknown state value fails safe as HALTED', {}, { tradingState: 7 as TradingState }, RejectReason.TRADING_HALTED],
  ]);
});

describe('checkInstrumentKnown', () => {
  table(checkInstrumentKnown, [
    ['configured instrument passes', {}, {}, NONE],
    ['no spec rejects', {}, { instrument: undefined }, RejectReason.UNKNOWN_INSTRUMENT],
    ['spec of another instrument rejects', { instrument: 2 }, {}, RejectReason.UNKNOWN_INSTRUMENT],
  ]);
});

describe('checkReducing', () => {
  const reducing = { tradingState: TradingState.REDUCING } as const;
  table(checkReducing, [
    ['REDUCING: sell exactly the long passes', { side: Side.SELL, qty: 5 }, { ...reducing, position: 5 }, NONE],
    ['REDUCING: sell one step more would flip: rejected', { side: Side.SELL, qty: 5.001 }, { ...reducing, position: 5 }, RejectReason.NOT_REDUCING],
    ['REDUCING: open sells count: 2 open + 3 = 5 passes', { side: Side.SELL, qty: 3 }, { ...reducing, position: 5, openSellQty: 2 }, NONE],
    ['REDUCING: open sells count: 2 open + 3.001 rejected', { side: Side.SELL, qty: 3.001 }, { ...reducing, position: 5, openSellQty: 2 }, RejectReason.NOT_REDUCING],
    ['REDUCING: buying into a long rejected', { side: Side.BUY, qty: 1 }, { ...reducing, position: 5 }, RejectReason.NOT_REDUCING],
    ['REDUCING: flat, any order rejected', { side: Side.SELL, qty: 1 }, { ...reducing, position: 0 }, RejectReason.NOT_REDUCING],
    ['REDUCING: buy back a short exactly passes', { side: Side.BUY, qty: 2 }, { ...reducing, position: -2 }, NONE],
    ['ACTIVE reduce-only that would flip rejected', { side: Side.SELL, qty: 6, reduceOnly: 1 }, { position: 5 }, RejectReason.NOT_REDUCING],
    ['ACTIVE reduce-only that shrinks passes', { side: Side.SELL, qty: 4, reduceOnly: 1 }, { position: 5 }, NONE],
    ['ACTIVE ordinary order is not restricted', { side: Side.SELL, qty: 6 }, { position: 5 }, NONE],
  ]);
  it('maxReducingQty tells the caller how much may be resent', () => {
    expect(maxReducingQty(Side.SELL, 5, 0, 2)).toBe(3);
    expect(maxReducingQty(Side.BUY, 5, 0, 0)).toBe(0);
    expect(maxReducingQty(Side.BUY, -4, 1, 0)).toBe(3);
  });
});

describe('checkQtyRange', () => {
  table(checkQtyRange, [
    ['min qty passes', { qty: 0.001 }, {}, NONE],
    ['below min rejected', { qty: 0.0009 }, {}, RejectReason.QTY_OUT_OF_RANGE],
    ['max qty passes', { qty: 1000 }, {}, NONE],
    ['one step above max rejected', { qty: 1000.001 }, {}, RejectReason.QTY_OUT_OF_RANGE],
    ['zero rejected', { qty: 0 }, {}, RejectReason.QTY_OUT_OF_RANGE],
    ['NaN rejected', { qty: Number.NaN }, {}, RejectReason.QTY_OUT_OF_RANGE],
  ]);
});

describe('checkQtyPrecision', () => {
  table(checkQtyPrecision, [
    ['on the step passes', { qty: 1.001 }, {}, NONE],
    ['half a step off rejected', { qty: 1.0005 }, {}, RejectReason.QTY_PRECISION],
    ['float noise (0.1 + 0.2) passes', { qty: 0.1 + 0.2 }, {}, NONE],
  ]);
});

describe('checkPriceRange', () => {
  table(checkPriceRange, [
    ['min price passes', { price: 0.01 }, {}, NONE],
    ['below min rejected', { price: 0.009 }, {}, RejectReason.PRICE_OUT_OF_RANGE],
    ['max price passes', { price: 100_000 }, {}, NONE],
    ['one tick above max rejected', { price: 100_000.01 }, {}, RejectReason.PRICE_OUT_OF_RANGE],
    ['market orders carry no price', MARKET, {}, NONE],
  ]);
});

describe('checkPricePrecision', () => {
  table(checkPricePrecision, [
    ['on the tick passes', { price: 100.01 }, {}, NONE],
    ['half a tick off rejected', { price: 100.005 }, {}, RejectReason.PRICE_PRECISION],
    ['market orders carry no price', MARKET, {}, NONE],
  ]);
});

describe('checkQuoteFreshness', () => {
  table(checkQuoteFreshness, [
    ['age exactly the limit passes', {}, book(99.95, 100.05, 2_000_000), NONE],
    ['one microsecond older rejected', {}, book(99.95, 100.05, 2_000_001), RejectReason.STALE_MARKET_DATA],
    ['no book rejected', {}, { book: undefined }, RejectReason.STALE_MARKET_DATA],
    ['crossed book rejected', {}, book(100.1, 100.0), RejectReason.STALE_MARKET_DATA],
  ]);
});

describe('checkSpread', () => {
  table(checkSpread, [
    ['20 bps passes', {}, book(99.9, 100.1), NONE],
    ['20.2 bps rejected', {}, book(99.899, 100.101), RejectReason.SPREAD_TOO_WIDE],
    ['no book rejected', {}, { book: undefined }, RejectReason.SPREAD_TOO_WIDE],
  ]);
});

describe('checkPriceBand', () => {
  table(checkPriceBand, [
    ['buy 50 bps above mid passes', { price: 100.5 }, {}, NONE],
    ['buy 51 bps above mid rejected', { price: 100.51 }, {}, RejectReason.PRICE_BAND],
    ['sell 50 bps below mid passes', { side: Side.SELL, price: 99.5 }, {}, NONE],
    ['sell 51 bps below mid rejected', { side: Side.SELL, price: 99.49 }, {}, RejectReason.PRICE_BAND],
    ['market orders trade at the book', MARKET, {}, NONE],
    ['no book rejected', {}, { book: undefined }, RejectReason.PRICE_BAND],
  ]);
});

describe('checkMinNotional', () => {
  table(checkMinNotional, [
    ['exactly 10 passes', { qty: 0.1 }, {}, NONE],
    ['9.9 rejected', { qty: 0.099 }, {}, RejectReason.MIN_NOTIONAL],
    ['market buy valued at the ask: 10.005 passes', { ...MARKET, qty: 0.1 }, {}, NONE],
    ['market sell valued at the bid: 9.995 rejected', { ...MARKET, side: Side.SELL, qty: 0.1 }, {}, RejectReason.MIN_NOTIONAL],
    ['market order without a book rejected', { ...MARKET, qty: 1 }, { book: undefined }, RejectReason.MIN_NOTIONAL],
  ]);
});

describe('checkMaxOrderNotional', () => {
  table(checkMaxOrderNotional, [
    ['exactly our cap (1000) passes', { qty: 10 }, {}, NONE],
    ['one step over rejected', { qty: 10.001 }, {}, RejectReason.MAX_ORDER_NOTIONAL],
    ['the venue cap applies when tighter: 500 passes', { qty: 5 }, { instrument: { ...ETH, maxNotional: 500 } }, NONE],
    ['the venue cap applies when tighter: 500.1 rejected', { qty: 5.001 }, { instrument: { ...ETH, maxNotional: 500 } }, RejectReason.MAX_ORDER_NOTIONAL],
  ]);
});

describe('checkMaxPosition (limit 2000 = 20 at 100)', () => {
  table(checkMaxPosition, [
    ['flat, buy 20 passes', { qty: 20 }, {}, NONE],
    ['flat, buy 20.001 rejected', { qty: 20.001 }, {}, RejectReason.MAX_POSITION],
    ['long 10 + open buys 5 + 5 passes', { qty: 5 }, { position: 10, openBuyQty: 5 }, NONE],
    ['long 10 + open buys 5 + 5.001 rejected', { qty: 5.001 }, { position: 10, openBuyQty: 5 }, RejectReason.MAX_POSITION],
    ['short 19, sell 1 passes', { side: Side.SELL, qty: 1 }, { position: -19 }, NONE],
    ['short 19, sell 1.001 rejected', { side: Side.SELL, qty: 1.001 }, { position: -19 }, RejectReason.MAX_POSITION],
    ['over the limit, a reducing sell passes', { side: Side.SELL, qty: 1 }, { position: 30 }, NONE],
    ['over the limit, any increase rejected', { qty: 0.001 }, { position: 30 }, RejectReason.MAX_POSITION],
  ]);
});

describe('checkGrossExposure (limit 5000)', () => {
  table(checkGrossExposure, [
    ['4000 + 1000 passes', { qty: 10 }, { grossExposure: 4000 }, NONE],
    ['4000 + 1000.1 rejected', { qty: 10.001 }, { grossExposure: 4000 }, RejectReason.MAX_GROSS_EXPOSURE],
    ['over the limit, a reducing order passes', { side: Side.SELL, qty: 5 }, { grossExposure: 6000, position: 10 }, NONE],
    ['a flip adds only the excess: long 10 sell 30 at 4000 passes', { side: Side.SELL, qty: 30 }, { grossExposure: 4000, position: 10 }, NONE],
    ['a flip adds only the excess: long 10 sell 30 at 4000.01 rejected', { side: Side.SELL, qty: 30 }, { grossExposure: 4000.01, position: 10 }, RejectReason.MAX_GROSS_EXPOSURE],
  ]);
});

describe('checkOpenOrders (limit 10)', () => {
  table(checkOpenOrders, [
    ['9 open passes', {}, { openOrderCount: 9 }, NONE],
    ['10 open rejected', {}, { openOrderCount: 10 }, RejectReason.MAX_OPEN_ORDERS],
  ]);
});

describe('checkSubmitRate (burst 5, 2/s)', () => {
  table(checkSubmitRate, [
    ['one token passes', {}, { submitBucket: { tokens: 1, updatedUs: NOW } }, NONE],
    ['0.999 token rejected', {}, { submitBucket: { tokens: 0.999, updatedUs: NOW } }, RejectReason.SUBMIT_RATE],
    ['empty 0.5 s ago refilled to 1 passes', {}, { submitBucket: { tokens: 0, updatedUs: NOW - 500_000 } }, NONE],
    ['empty 0.499 s ago rejected', {}, { submitBucket: { tokens: 0, updatedUs: NOW - 499_000 } }, RejectReason.SUBMIT_RATE],
  ]);
  it('the bucket allows a burst, then the sustained rate, and caps refill at the burst', () => {
    const rate = LIMITS.submitRate;
    let b = newSubmitBucket(rate, NOW);
    for (let i = 0; i < 5; i++) b = takeSubmitToken(b, rate, NOW);
    expect(availableSubmitTokens(b, rate, NOW)).toBe(0);
    expect(() => takeSubmitToken(b, rate, NOW)).toThrow(/no token available/);
    expect(availableSubmitTokens(b, rate, NOW + 500_000)).toBe(1);
    expect(availableSubmitTokens(b, rate, NOW + 3600e6)).toBe(5);
    expect(() => newSubmitBucket({ burst: 0, perSecond: 1 }, NOW)).toThrow(/burst must be >= 1/);
  });
});

describe('runPreTradeChecks', () => {
  interface Case3 {
    order: PreTradeOrder;
    ctx: PreTradeContext;
    limits: PreTradeLimits;
  }
  // One way to fail each check that leaves every earlier check passing.
  const breakers: Record<string, (c: Case3) => void> = {
    tradingState: (c) => (c.ctx.tradingState = TradingState.HALTED),
    instrumentKnown: (c) => (c.order.instrument = 2),
    reducing: (c) => (c.order.reduceOnly = 1),
    qtyRange: (c) => (c.ctx.instrument = { ...c.ctx.instrument!, maxQty: 0.5 }),
    qtyPrecision: (c) => (c.ctx.instrument = { ...c.ctx.instrument!, stepSize: 0.3 }),
    priceRange: (c) => (c.ctx.instrument = { ...c.ctx.instrument!, maxPrice: 50 }),
    pricePrecision: (c) => (c.ctx.instrument = { ...c.ctx.instrument!, tickSize: 0.3 }),
    quoteFreshness: (c) => (c.ctx.book = { ...c.ctx.book!, receiveTsUs: NOW - 10_000_000 }),
    spread: (c) => (c.ctx.book = { ...c.ctx.book!, bidPrice: 99.5, askPrice: 100.5 }),
    priceBand: (c) => (c.order.price = 101),
    minNotional: (c) => (c.ctx.instrument = { ...c.ctx.instrument!, minNotional: 500 }),
    maxOrderNotional: (c) => (c.limits.maxOrderNotional = 50),
    maxPosition: (c) => (c.limits.maxPositionNotional = 50),
    grossExposure: (c) => (c.limits.maxGrossExposure = 50),
    openOrders: (c) => (c.ctx.openOrderCount = 10),
    submitRate: (c) => (c.ctx.submitBucket = { tokens: 0, updatedUs: NOW }),
  };
  const fresh = (): Case3 => ({ order: baseOrder(), ctx: baseCtx(), limits: { ...LIMITS } });
  const run = (c: Case3) => runPreTradeChecks(c.order, c.ctx, c.limits);

  it('approves a clean order', () => expect(run(fresh())).toBe(NONE));

  it('has a breaker for every check, in the documented order', () => {
    expect(Object.keys(breakers)).toEqual(PRE_TRADE_CHECKS.map((c) => c.name));
  });

  it('each check alone: its own reason', () => {
    for (const entry of PRE_TRADE_CHECKS) {
      const c = fresh();
      breakers[entry.name]!(c);
      expect(run(c), entry.name).toBe(entry.reasons[0]);
    }
  });

  it('any two failing checks: the earlier one in the fixed order wins', () => {
    for (let i = 0; i < PRE_TRADE_CHECKS.length; i++) {
      for (let j = i + 1; j < PRE_TRADE_CHECKS.length; j++) {
        const first = PRE_TRADE_CHECKS[i]!;
        const second = PRE_TRADE_CHECKS[j]!;
        const c = fresh();
        breakers[second.name]!(c);
        breakers[first.name]!(c);
        expect(run(c), `${first.name} before ${second.name}`).toBe(first.reasons[0]);
      }
    }
  });

  it('PAUSED is reported as paused, and a stale book beats a fat finger', () => {
    expect(runPreTradeChecks(baseOrder(), { ...baseCtx(), tradingState: TradingState.PAUSED }, LIMITS)).toBe(RejectReason.TRADING_PAUSED);
    expect(runPreTradeChecks({ ...baseOrder(), price: 150 }, { ...baseCtx(), book: undefined }, LIMITS)).toBe(RejectReason.STALE_MARKET_DATA);
  });
});
