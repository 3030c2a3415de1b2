import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Bar } from '../../actors/strategy/bar-builder.js';
import { Ema, WilderRsi } from '../../actors/strategy/indicators.js';
import { parseTrendEmaRsiParams, TrendEmaRsiStrategy, type TrendEmaRsiInput } from '../../actors/strategy/trend-ema-rsi.js';
import { ExecStatus, OrderType, Side, TimeInForce, TradingState } from '../../src/domain/messages.js';
import { packageRoot } from '../../src/runtime/package-root.js';
import { fill, fillCompletely, harness, report, trade, type Harness, type HarnessOptions } from './harness.js';

const INTERVAL = 60_000;
const T0 = 1_700_000_040_000 - (1_700_000_040_000 % INTERVAL);

/** Bars from (high, low, close). */
function bars(rows: ReadonlyArray<[number, number, number]>): Bar[] {
  return rows.map(([high, low, close], i) => ({
    startMs: T0 + i * INTERVAL, endMs: T0 + (i + 1) * INTERVAL, open: close, high, low, close, volume: 1, tradeCount: 1,
  }));
}

const small: TrendEmaRsiInput = {
  venue: 1, instrument: 1, barIntervalMs: INTERVAL, barCloseDelayMs: 1_000, emaFast: 2, emaSlow: 4, rsiPeriod: 3,
  rsiConfirm: 50, rsiOverbought: 90, atrPeriod: 3, atrStopMultiple: 2, stopMode: 'fixed', orderNotional: 1_000,
};

/*
 * A fall then a rise, each bar ±0.5 around its close:
 *   bar     1     2     3     4     5        6        7        8
 *   close   20    19    18    17    16       17       19       22
 *   EMA2    -     19.5  18.5  17.5  16.5     16.8333  18.2778  20.7593   (α = 2/3, seed (20+19)/2)
 *   EMA4    -     -     -     18.5  17.5     17.3     17.98    19.588    (α = 0.4, seed (20+19+18+17)/4)
 *   diff                      −1    −1       −0.4667  +0.2978  -> the fast EMA crosses above on bar 7
 *   RSI(3): changes −1 −1 −1 | −1 +1 +2: seed G 0, L 1; bar 5 G 0, L 1; bar 6 G 1/3, L 2/3;
 *           bar 7 G (2/3 + 2)/3 = 8/9, L (4/3)/3 = 4/9: RS 2, RSI 66.67 (in (50, 90]: confirmed)
 *   TR:     1 (h − l), then 1.5 for bars 2–6 (gaps of 1 to the previous close), 2.5 on bar 7 (19.5 − 17)
 *   ATR(3): bar 3 4/3; bar 4 25/18; bar 5 77/54; bar 6 235/162; bar 7 (470/162 + 2.5)/3 = 875/486 = 1.800412
 *   stop = 19 − 2 × 875/486 = 15.399177 -> 15.39 (rounded down to the 0.01 tick)
 *   qty  = 1000 / 19 = 52.6315789 -> 52.6315 (rounded down to the 0.0001 step)
 *   bar 8: TR = max(1, 22.5 − 19, |21.5 − 19|) = 3.5, ATR = (2 × 875/486 + 3.5)/3 = 3451/1458 = 2.366941;
 *          a trailing stop moves to 22 − 2 × 2.366941 = 17.266118 -> 17.26
 */
const SERIES = bars([[20.5, 19.5, 20], [19.5, 18.5, 19], [18.5, 17.5, 18], [17.5, 16.5, 17], [16.5, 15.5, 16], [17.5, 16.5, 17], [19.5, 18.5, 19], [22.5, 21.5, 22]]);

function run(params: TrendEmaRsiInput, series: readonly Bar[], options: HarnessOptions = {}): Harness & { strategy: TrendEmaRsiStrategy; intentsAfterBar: number[] } {
  const strategy = new TrendEmaRsiStrategy(params);
  const h = harness(strategy, options);
  const intentsAfterBar: number[] = [];
  for (const bar of series) {
    strategy.onBar(bar, h.driver.context);
    intentsAfterBar.push(h.sink.intents.length);
  }
  return { ...h, strategy, intentsAfterBar };
}

describe('trend EMA/RSI: sizing by volatility targeting (ctx.sizing)', () => {
  /*
   * volTarget over the last 4 bar returns at the crossover bar 7 (closes 18 17 16 17 19):
   *   returns −1/18, −1/17, 1/16, 2/17; sample sd 0.0879628; 1-minute bars: 525 600 a year,
   *   annualised vol 0.0879628 × √525600 = 63.771498.
   */
  const sized = (annualVol: number): TrendEmaRsiInput => ({ ...small, volTarget: { annualVol, lookbackBars: 4 } });

  it('sizes the entry at equity × target vol / instrument vol, below orderNotional', () => {
    // 10 000 × 5 / 63.771498 = 784.0493 quote -> 784.0493 / 19 = 41.26575 -> 41.2657
    const h = run(sized(5), SERIES, { quoteBalances: [{ venue: 1, balance: 10_000 }] });
    expect(h.sink.intents).toHaveLength(1);
    expect(h.sink.intents[0]!.qty).toBe(41.2657);
  });

  it('caps it by the venue leverage and by orderNotional', () => {
    // 100 × 200 / 63.77 = 313.6 quote is 3.14× equity: capped at leverage 2 -> 200 quote -> 10.5263
    const capped = run(sized(200), SERIES, { quoteBalances: [{ venue: 1, balance: 100 }], leverage: () => 2 });
    expect(capped.sink.intents[0]!.qty).toBe(10.5263);
    // a large account: the vol-target notional is above orderNotional (1000 / 19 = 52.6315)
    const big = run(sized(5), SERIES, { quoteBalances: [{ venue: 1, balance: 1_000_000 }] });
    expect(big.sink.intents[0]!.qty).toBe(52.6315);
  });

  it('enters only while the gate is ACTIVE: the same crossover while PAUSED sends nothing', () => {
    const paused = run(small, SERIES, { tradingState: () => TradingState.PAUSED });
    expect(paused.sink.intents).toHaveLength(0);
    expect(run(small, SERIES, { tradingState: () => TradingState.ACTIVE }).sink.intents).toHaveLength(1);
  });

  it('does not enter before it has lookbackBars returns, and refuses a lookback below 2', () => {
    const cold = run({ ...small, volTarget: { annualVol: 5, lookbackBars: 7 } }, SERIES, { quoteBalances: [{ venue: 1, balance: 10_000 }] });
    expect(cold.sink.intents).toHaveLength(0);
    expect(() => parseTrendEmaRsiParams({ ...small, volTarget: { annualVol: 5, lookbackBars: 1 } })).toThrow(/volTarget\.lookbackBars/);
  });
});

describe('trend EMA/RSI: known crossover', () => {
  it('enters exactly on the crossover bar with the ATR stop at the computed level', () => {
    const h = run(small, SERIES.slice(0, 7));
    expect(h.intentsAfterBar).toEqual([0, 0, 0, 0, 0, 0, 1]);
    expect(h.sink.intents[0]).toMatchObject({ side: Side.BUY, type: OrderType.MARKET, timeInForce: TimeInForce.IOC, price: 0, qty: 52.6315, expectedPrice: 19, reduceOnly: 0 });
    expect(h.strategy.stopPrice).toBe(15.39);
    expect(h.strategy.currentState).toBe('ENTERING');
    expect(h.strategy.describe()).toMatchObject({ atr: expect.closeTo(875 / 486, 12), rsi: expect.closeTo(200 / 3, 10) });
  });

  it('a fixed stop stays; a trailing stop ratchets up to close − 2·ATR at the next bar', () => {
    for (const [stopMode, expected] of [['fixed', 15.39], ['trailing', 17.26]] as const) {
      const strategy = new TrendEmaRsiStrategy({ ...small, stopMode });
      const h = harness(strategy);
      SERIES.slice(0, 7).forEach((bar) => strategy.onBar(bar, h.driver.context));
      fillCompletely(h, 7, h.sink.intents[0]!, 19.02);
      expect(strategy.currentState).toBe('LONG');
      strategy.onBar(SERIES[7]!, h.driver.context);
      expect(strategy.stopPrice, stopMode).toBe(expected);
    }
  });

  it('exits the whole position reduce-only when a trade touches the stop, then is flat', () => {
    const strategy = new TrendEmaRsiStrategy(small);
    const h = harness(strategy);
    SERIES.slice(0, 7).forEach((bar) => strategy.onBar(bar, h.driver.context));
    fillCompletely(h, 7, h.sink.intents[0]!, 19.02);
    const inBar8 = T0 + 7 * INTERVAL + 10;
    h.driver.onTrade(trade(1, 1, 15.4, inBar8));
    expect(h.sink.intents).toHaveLength(1);
    h.driver.onTrade(trade(1, 1, 15.39, inBar8 + 1));
    expect(h.sink.intents[1]).toMatchObject({ side: Side.SELL, type: OrderType.MARKET, qty: 52.6315, reduceOnly: 1 });
    expect(strategy.describe()).toMatchObject({ state: 'EXITING', exitReason: 'stop' });
    fillCompletely(h, 7, h.sink.intents[1]!, 15.3);
    expect(strategy.currentState).toBe('FLAT');
    expect(strategy.stopPrice).toBeUndefined();
    expect(h.driver.context.position(1, 1)).toBe(0);
  });

  it('exits on the opposite cross, and resends the rest of a partly filled exit', () => {
    // After bar 8 (22) the closes fall back: 20, 17 make the fast EMA cross below the slow one.
    const falling = bars([[22.5, 21.5, 22], [20.5, 19.5, 20], [17.5, 16.5, 17]]).map((b, i) => ({ ...b, startMs: SERIES[7]!.startMs + i * INTERVAL }));
    const strategy = new TrendEmaRsiStrategy({ ...small, atrStopMultiple: 10 }); // stop far away: 19 − 18.004 -> 0.99
    const h = harness(strategy);
    SERIES.slice(0, 7).forEach((bar) => strategy.onBar(bar, h.driver.context));
    fillCompletely(h, 7, h.sink.intents[0]!, 19);
    // EMA2: 20.7593 -> 20.2531 -> 18.0844; EMA4: 19.588 -> 19.7528 -> 18.6517: the cross below is on the 3rd bar
    strategy.onBar(falling[0]!, h.driver.context);
    strategy.onBar(falling[1]!, h.driver.context);
    expect(h.sink.intents).toHaveLength(1);
    strategy.onBar(falling[2]!, h.driver.context);
    expect(h.sink.intents[1]).toMatchObject({ side: Side.SELL, reduceOnly: 1, qty: 52.6315 });
    expect(strategy.describe()).toMatchObject({ exitReason: 'opposite-cross' });
    // Only 50 of 52.6315 fill: the strategy is long the rest and sends it on the next event.
    const exit = h.sink.intents[1]!;
    h.driver.onFill(fill(7, exit, 50, 17));
    h.driver.onExecutionReport(report(7, exit, ExecStatus.EXPIRED, 50));
    expect(strategy.currentState).toBe('LONG');
    h.driver.onTrade(trade(1, 1, 17, falling[2]!.startMs + INTERVAL + 5));
    expect(h.sink.intents[2]).toMatchObject({ side: Side.SELL, reduceOnly: 1, qty: 2.6315 });
  });

  it('builds its bars from trades: the entry comes with the first trade after the crossover bar', () => {
    const strategy = new TrendEmaRsiStrategy(small);
    const h = harness(strategy);
    SERIES.forEach((bar, i) => {
      h.driver.onTrade(trade(1, 1, bar.high, bar.startMs + 1, { tradeId: 3 * i }));
      h.driver.onTrade(trade(1, 1, bar.low, bar.startMs + 2, { tradeId: 3 * i + 1 }));
      if (i === 7) expect(h.sink.intents).toHaveLength(1); // bar 7 closed at the first trade of bar 8
      else expect(h.sink.intents, `bar ${i + 1}`).toHaveLength(0);
      h.driver.onTrade(trade(1, 1, bar.close, bar.startMs + 3, { tradeId: 3 * i + 2 }));
    });
    expect(strategy.stopPrice).toBe(15.39);
  });

  it('the timer closes a bar barCloseDelayMs after its end without waiting for the next trade', () => {
    const strategy = new TrendEmaRsiStrategy(small);
    const h = harness(strategy);
    SERIES.slice(0, 7).forEach((bar, i) => {
      h.driver.onTrade(trade(1, 1, bar.high, bar.startMs + 1, { tradeId: 3 * i }));
      h.driver.onTrade(trade(1, 1, bar.low, bar.startMs + 2, { tradeId: 3 * i + 1 }));
      h.driver.onTrade(trade(1, 1, bar.close, bar.startMs + 3, { tradeId: 3 * i + 2 }));
    });
    const end = SERIES[6]!.endMs;
    h.clock.us = (end + 999) * 1000;
    h.driver.onTimer();
    expect(h.sink.intents).toHaveLength(0);
    h.clock.us = (end + 1_000) * 1000;
    h.driver.onTimer();
    expect(h.sink.intents).toHaveLength(1);
  });

  it('adopts a position it starts with and protects it at the first bar with an ATR', () => {
    const strategy = new TrendEmaRsiStrategy(small);
    const h = harness(strategy, { positions: [{ venue: 1, instrument: 1, qty: 2, avgPrice: 20 }] });
    expect(strategy.currentState).toBe('LONG');
    SERIES.slice(0, 2).forEach((bar) => strategy.onBar(bar, h.driver.context));
    expect(strategy.stopPrice).toBeUndefined();
    strategy.onBar(SERIES[2]!, h.driver.context);
    // ATR(3) after bar 3 = 4/3: stop = 18 − 2 × 4/3 = 15.3333 -> 15.33
    expect(strategy.stopPrice).toBe(15.33);
    expect(h.sink.intents).toEqual([]);
    // Bar 4 (low 16.5) does not touch it, bar 5 (low 15.5) neither; a trade at 15.33 does.
    strategy.onBar(SERIES[3]!, h.driver.context);
    h.driver.onTrade(trade(1, 1, 15.33, SERIES[4]!.startMs + 1));
    expect(h.sink.intents[0]).toMatchObject({ side: Side.SELL, qty: 2, reduceOnly: 1 });
  });

  it('refuses bad parameters naming them', () => {
    expect(() => parseTrendEmaRsiParams({ ...small, emaFast: 21, emaSlow: 9 })).toThrow(/emaFast: must be smaller than emaSlow \(9\)/);
    expect(() => parseTrendEmaRsiParams({ ...small, rsiConfirm: 80, rsiOverbought: 70 })).toThrow(/rsiConfirm: must be smaller than rsiOverbought \(70\)/);
    expect(() => parseTrendEmaRsiParams({ ...small, atrStopMultiple: 0 })).toThrow(/atrStopMultiple: /);
    expect(() => parseTrendEmaRsiParams({ ...small, stopMode: 'loose' })).toThrow(/stopMode: /);
    expect(() => parseTrendEmaRsiParams({ ...small, orderNotional: undefined })).toThrow(/orderNotional: /);
  });
});

const CANDLES = join(packageRoot(), '..', 'shared', 'data', 'market', 'ohlcv', 'binance_BTC_USDT-5m.json');
const haveCandles = existsSync(CANDLES);
if (!haveCandles) console.warn(`trend-ema-rsi real-data test skipped: ${CANDLES} is absent`);

describe.skipIf(!haveCandles)(`trend EMA/RSI over real BTC/USDT 5m candles (${CANDLES})`, () => {
  it('keeps its invariants: entries only on confirmed crosses while flat, every entry with a stop below it, exits reduce-only', () => {
    const rows = JSON.parse(readFileSync(CANDLES, 'utf8')) as Array<[number, number, number, number, number, number]>;
    const params: TrendEmaRsiInput = { venue: 1, instrument: 1, orderNotional: 1_000, stopMode: 'trailing' };
    const p = parseTrendEmaRsiParams(params);
    const strategy = new TrendEmaRsiStrategy(params);
    const h = harness(strategy);
    // Independent signal: the same indicators (tested above), evaluated by the test itself.
    const fast = new Ema(p.emaFast);
    const slow = new Ema(p.emaSlow);
    const rsi = new WilderRsi(p.rsiPeriod);
    let previousDiff: number | undefined;
    let entries = 0;
    let stopExits = 0;
    let crossExits = 0;
    const violations: string[] = [];
    for (const [startMs, open, high, low, close, volume] of rows) {
      const stopBefore = strategy.stopPrice;
      const positionBefore = h.driver.context.position(1, 1);
      const sent = h.sink.intents.length;
      strategy.onBar({ startMs, endMs: startMs + 300_000, open, high, low, close, volume, tradeCount: 1 }, h.driver.context);
      const f = fast.update(close);
      const s = slow.update(close);
      const r = rsi.update(close);
      const diff = f !== undefined && s !== undefined ? f - s : undefined;
      const crossUp = diff !== undefined && previousDiff !== undefined && previousDiff <= 0 && diff > 0;
      const crossDown = diff !== undefined && previousDiff !== undefined && previousDiff >= 0 && diff < 0;
      previousDiff = diff;

      // Plain checks collected as text: 65k bars × expect() would take seconds.
      const at = `bar ${startMs}`;
      const check = (ok: boolean, what: string): void => {
        if (!ok) violations.push(`${at}: ${what}`);
      };
      const confirmed = crossUp && r !== undefined && r > p.rsiConfirm && r <= p.rsiOverbought;
      const newIntents = h.sink.intents.slice(sent);
      check(newIntents.length <= 1, `${newIntents.length} orders at once`);
      const intent = newIntents[0];
      if (intent === undefined) {
        if (positionBefore === 0) check(!confirmed, 'confirmed signal while flat but no entry');
      } else if (intent.reduceOnly === 0) {
        entries++;
        check(positionBefore === 0, 'entry while not flat');
        check(confirmed, 'entry without a confirmed cross');
        check(intent.side === Side.BUY, 'short entry while long-only');
        const stop = strategy.stopPrice;
        check(stop !== undefined && stop > 0 && stop < close, `entry stop ${stop} not in (0, ${close})`);
        fillCompletely(h, 7, intent, close);
        check(strategy.currentState === 'LONG', `state ${strategy.currentState} after the entry filled`);
      } else {
        check(positionBefore > 0, 'exit while flat');
        check(intent.side === Side.SELL && intent.qty === positionBefore && intent.type === OrderType.MARKET, 'exit is not a market sell of the whole position');
        const stopHit = stopBefore !== undefined && low <= stopBefore;
        check(stopHit || crossDown, 'exit without stop or opposite cross');
        if (stopHit) stopExits++;
        else crossExits++;
        fillCompletely(h, 7, intent, stopHit ? Math.min(stopBefore, high) : close);
        check(h.driver.context.position(1, 1) === 0 && strategy.currentState === 'FLAT', 'not flat after the exit filled');
      }
      if (strategy.currentState === 'LONG') {
        check(strategy.stopPrice !== undefined, 'long without a stop');
        if (stopBefore !== undefined && positionBefore > 0) check(strategy.stopPrice! >= stopBefore, 'trailing stop loosened');
      }
    }
    expect(violations.slice(0, 10)).toEqual([]);
    // The run must have exercised every path, or the invariants above prove nothing. (Dec 2020 – Jul 2021
    // with the default parameters: 1476 entries, 1093 stop exits, 383 opposite-cross exits.)
    expect(entries).toBeGreaterThan(1_000);
    expect(stopExits).toBeGreaterThan(500);
    expect(crossExits).toBeGreaterThan(100);
  });
});
