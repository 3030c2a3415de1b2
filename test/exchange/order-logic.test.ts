import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { rejectReasonForError, isRateLimitError } from '../../actors/exchange/ccxt-errors.js';
import { gateRefusal } from '../../actors/exchange/order-gate.js';
import { OrderTracker } from '../../actors/exchange/order-tracker.js';
import { FLATTEN_STRATEGY_ID, orderIdFor } from '../../actors/order-manager/client-order-id.js';
import { parseExchangeConfig, resolveCredentials } from '../../actors/exchange/config.js';
import { executionReportCodec, fillCodec } from '../../src/runtime/codec/execution.js';
import { ExecStatus, Liquidity, OrderAction, RejectReason, Side, TradingState } from '../../src/domain/messages.js';

describe('ccxt error -> reject reason', () => {
  it.each([
    [new ccxt.InsufficientFunds('x'), RejectReason.INSUFFICIENT_FUNDS],
    [new ccxt.InvalidOrder('x'), RejectReason.VENUE_REJECTED],
    [new ccxt.OrderImmediatelyFillable('x'), RejectReason.VENUE_REJECTED],
    [new ccxt.DDoSProtection('x'), RejectReason.RATE_LIMITED],
    [new ccxt.RateLimitExceeded('x'), RejectReason.RATE_LIMITED],
    [new ccxt.NetworkError('x'), RejectReason.VENUE_UNAVAILABLE],
    [new ccxt.RequestTimeout('x'), RejectReason.VENUE_UNAVAILABLE],
    [new ccxt.ExchangeNotAvailable('x'), RejectReason.VENUE_UNAVAILABLE],
    [new ccxt.AuthenticationError('x'), RejectReason.AUTH_FAILED],
    [new ccxt.OrderNotFound('x'), RejectReason.UNKNOWN_ORDER],
    [new ccxt.DuplicateOrderId('x'), RejectReason.DUPLICATE_ORDER],
    [new ccxt.ExchangeError('x'), RejectReason.VENUE_REJECTED],
    [new Error('plain'), RejectReason.VENUE_REJECTED],
    ['not even an error', RejectReason.VENUE_REJECTED],
  ])('%s', (error, reason) => {
    expect(rejectReasonForError(error)).toBe(reason);
  });

  it('knows which errors pause every REST call', () => {
    expect(isRateLimitError(new ccxt.DDoSProtection('429'))).toBe(true);
    expect(isRateLimitError(new ccxt.RateLimitExceeded('-1003'))).toBe(true);
    expect(isRateLimitError(new ccxt.NetworkError('reset'))).toBe(false);
  });
});

describe('gateRefusal (second gate before every send)', () => {
  const STRATEGY_ORDER = orderIdFor(3, 17);
  const FLATTEN_ORDER = orderIdFor(FLATTEN_STRATEGY_ID, 1);
  const submit = (reduceOnly: number, orderId = STRATEGY_ORDER) => ({ action: OrderAction.SUBMIT, reduceOnly, orderId });
  it('refuses new orders when HALTED or PAUSED, allows only reduce-only when REDUCING, never blocks cancels', () => {
    expect(gateRefusal(TradingState.ACTIVE, submit(0))).toBe(RejectReason.NONE);
    expect(gateRefusal(TradingState.REDUCING, submit(0))).toBe(RejectReason.NOT_REDUCING);
    expect(gateRefusal(TradingState.REDUCING, submit(1))).toBe(RejectReason.NONE);
    expect(gateRefusal(TradingState.PAUSED, submit(1))).toBe(RejectReason.TRADING_PAUSED);
    expect(gateRefusal(TradingState.HALTED, submit(1))).toBe(RejectReason.TRADING_HALTED);
    expect(gateRefusal(99, submit(0))).toBe(RejectReason.TRADING_HALTED);
    for (const state of [TradingState.HALTED, TradingState.PAUSED, TradingState.REDUCING]) {
      expect(gateRefusal(state, { action: OrderAction.CANCEL, reduceOnly: 0, orderId: STRATEGY_ORDER })).toBe(RejectReason.NONE);
      expect(gateRefusal(state, { action: OrderAction.CANCEL_ALL, reduceOnly: 0, orderId: 0 })).toBe(RejectReason.NONE);
    }
  });

  it('lets out, while HALTED with flatten permitted, only a reduce-only order of the runtime\'s flatten id', () => {
    expect(gateRefusal(TradingState.HALTED, submit(1, FLATTEN_ORDER), true)).toBe(RejectReason.NONE);
    expect(gateRefusal(TradingState.HALTED, submit(1, FLATTEN_ORDER), false)).toBe(RejectReason.TRADING_HALTED);
    expect(gateRefusal(TradingState.HALTED, submit(0, FLATTEN_ORDER), true)).toBe(RejectReason.TRADING_HALTED);
    expect(gateRefusal(TradingState.HALTED, submit(1, STRATEGY_ORDER), true)).toBe(RejectReason.TRADING_HALTED);
    expect(gateRefusal(TradingState.PAUSED, submit(1, FLATTEN_ORDER), true)).toBe(RejectReason.TRADING_PAUSED);
  });
});

describe('OrderTracker', () => {
  const assets = { base: 'BTC', quote: 'USDT' };
  it('reports each state change once, computes last fill price from cost, and never goes backwards', () => {
    const tracker = new OrderTracker(3);
    const report = executionReportCodec.create();
    const order = tracker.track(42, 7, Side.BUY, 2);
    expect(tracker.onOrder(order, { id: '9', status: 'open', filled: 0, remaining: 2 }, 1, report)).toBe(true);
    expect(report).toMatchObject({ orderId: 42, venueOrderId: 9, venue: 3, instrument: 7, status: ExecStatus.ACCEPTED, leavesQty: 2 });
    expect(tracker.onOrder(order, { id: '9', status: 'open', filled: 0 }, 2, report)).toBe(false);
    expect(tracker.onOrder(order, { id: '9', status: 'open', filled: 1, cost: 100, remaining: 1 }, 3, report)).toBe(true);
    expect(report).toMatchObject({ status: ExecStatus.PARTIALLY_FILLED, cumQty: 1, lastQty: 1, lastPrice: 100, avgPrice: 100 });
    expect(tracker.onOrder(order, { id: '9', status: 'closed', filled: 2, cost: 210 }, 4, report)).toBe(true);
    expect(report).toMatchObject({ status: ExecStatus.FILLED, cumQty: 2, lastQty: 1, lastPrice: 110, avgPrice: 105, leavesQty: 0 });
    expect(tracker.onOrder(order, { id: '9', status: 'open', filled: 1 }, 5, report)).toBe(false); // stale poll answer
    expect(() => executionReportCodec.encode(new DataView(new ArrayBuffer(128)), 0, report)).not.toThrow();
  });

  it('turns trades into fills once, with fees in quote terms, holding trades that arrive before their order', () => {
    const tracker = new OrderTracker(3);
    const fill = fillCodec.create();
    const early = { id: '77', order: '9', price: 100, amount: 0.5, fee: { cost: 0.001, currency: 'BTC' }, takerOrMaker: 'maker', timestamp: 5 };
    expect(tracker.onTrade(early, assets, 1, fill)).toBe(false);
    expect(tracker.counters.unattributedTrades).toBe(1);
    const order = tracker.track(42, 7, Side.SELL, 1);
    tracker.onOrder(order, { id: '9', status: 'open', filled: 0 }, 1, executionReportCodec.create());
    const [pending] = tracker.takePending('9');
    expect(tracker.onTrade(pending!.trade, pending!.assets, 2, fill)).toBe(true);
    expect(fill).toMatchObject({ orderId: 42, side: Side.SELL, price: 100, qty: 0.5, fee: 0.1, liquidity: Liquidity.MAKER, tradeId: 77 });
    expect(tracker.onTrade(early, assets, 3, fill)).toBe(false);
    expect(tracker.counters.duplicateTrades).toBe(1);
    expect(tracker.onTrade({ ...early, id: '78', fee: { cost: 0.2, currency: 'USDT' } }, assets, 4, fill)).toBe(true);
    expect(fill.fee).toBe(0.2);
    expect(tracker.onTrade({ ...early, id: '79', fee: { cost: 1, currency: 'BNB' } }, assets, 4, fill)).toBe(true);
    expect(fill.fee).toBe(0);
    expect(tracker.counters.feesInOtherAsset).toBe(1);
  });
});

describe('exchange config', () => {
  const base = { venue_id: 1, instruments: [{ id: 1, symbol: 'BTC/USDT' }] };
  it('needs key variable names for a real venue and reads keys only from the environment', () => {
    expect(() => parseExchangeConfig(base)).toThrow(/api_key_env: a real venue needs api_key_env and secret_env/);
    const config = parseExchangeConfig({ ...base, api_key_env: 'BINANCE_API_KEY', secret_env: 'BINANCE_SECRET' });
    expect(() => resolveCredentials(config, {}, { apiKey: 'a', secret: 'b' })).toThrow(/names the environment variable BINANCE_API_KEY, which is not set/);
    expect(resolveCredentials(config, { BINANCE_API_KEY: 'k', BINANCE_SECRET: 's' }, { apiKey: 'a', secret: 'b' })).toEqual({ apiKey: 'k', secret: 's' });
    expect(() => parseExchangeConfig({ ...base, api_key: 'secret!' })).toThrow(/Unrecognized key/);
  });

  it('names every bad field', () => {
    expect(() => parseExchangeConfig({ ...base, emulator: { http_url: 'http://127.0.0.1:1', ws_url: 'ws://127.0.0.1:1' }, instruments: [{ id: 1, symbol: 'BTC/USDT' }, { id: 1, symbol: 'ETHUSDT' }] }))
      .toThrow(/instruments.1.symbol: a unified symbol.*|instruments.1.id/);
    expect(() => parseExchangeConfig({ ...base, emulator: { http_url: 'x', ws_url: 'y' } })).toThrow(/emulator.http_url/);
    expect(() => parseExchangeConfig({ ...base, api_key_env: 'A', secret_env: 'B', reconnect: { min_ms: 10, max_ms: 5, jitter: 0 } })).toThrow(/reconnect.max_ms: must be >= min_ms/);
  });
});
