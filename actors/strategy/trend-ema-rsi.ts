/**
 * Trend following: EMA crossover filtered by RSI, stops from Wilder's ATR.
 *
 * On every closed bar (bars are built from trades by TimeBarBuilder, or fed directly with
 * `onBar` in a backtest):
 * - Entry, long: the fast EMA crosses above the slow one (fast − slow ≤ 0 on the previous bar,
 *   > 0 now) and rsiConfirm < RSI ≤ rsiOverbought: momentum agrees with the cross and the move
 *   is not already stretched. Short (only with allowShort) is the mirror image: a cross below
 *   with 100 − rsiOverbought ≤ RSI < 100 − rsiConfirm.
 * - The stop is set at the decision: close − atrStopMultiple × ATR for a long (rounded down to
 *   the tick, away from the price), close + multiple × ATR for a short (rounded up). No entry
 *   without a usable stop: ATR must be > 0 and the long stop > 0.
 * - Stop modes: 'fixed' keeps the entry stop; 'trailing' ratchets it at each bar close to
 *   close ∓ multiple × ATR when that is tighter, and never loosens it.
 * - Exit on the opposite cross, or when price touches the stop: checked on every trade, and
 *   on each bar's low (long) / high (short) for bar-fed runs.
 * Orders are MARKET (IOC): entries sized by orderNotional at the bar close (qtyForNotional,
 * rounded down to the step), exits reduce-only for the whole position. One order at a time:
 * signals are ignored while an entry or exit is in flight. An exit that fills only partly is
 * sent again for the rest on the next trade or bar.
 *
 * Restart: a strategy that starts with a position (seeded by the actor from its books) adopts
 * it as LONG or SHORT. Its stop is gone with the old process, so the first bar with an ATR
 * sets a new one at close ∓ multiple × ATR; until then the risk monitor's mandatory stop loss
 * is the only protection.
 */
import { z } from 'zod';
import { roundPrice } from '../../src/domain/instrument.js';
import { OrderType, Side, TradingState, tradingStateName, type Trade } from '../../src/domain/messages.js';
import { qtyForNotional } from '../risk/sizing.js';
import { TimeBarBuilder, type Bar } from './bar-builder.js';
import { Ema, WilderAtr, WilderRsi } from './indicators.js';
import type { MarketRef, OrderView, Strategy, StrategyContext } from './strategy-api.js';
import { marketId, parseStrategyParams, positive, positiveInt } from './strategy-params.js';

export const TREND_EMA_RSI = 'trend-ema-rsi';

const paramsSchema = z
  .strictObject({
    venue: marketId(),
    instrument: marketId(),
    barIntervalMs: positiveInt().default(300_000),
    /** How long after a bar's end the timer closes it (trades of that bar may still be in flight). */
    barCloseDelayMs: z.int().nonnegative().default(2_000),
    emaFast: positiveInt().default(9),
    emaSlow: positiveInt().default(21),
    rsiPeriod: positiveInt().default(14),
    rsiConfirm: z.number().min(0).max(100).default(50),
    rsiOverbought: z.number().min(0).max(100).default(70),
    atrPeriod: positiveInt().default(14),
    atrStopMultiple: positive().default(2),
    stopMode: z.enum(['fixed', 'trailing']).default('trailing'),
    /** Quote currency per entry (the most an entry may be when volTarget sizes it). */
    orderNotional: positive(),
    /**
     * Size entries by volatility targeting (ctx.sizing.volTargetNotional over the last
     * `lookbackBars` bar returns), never above orderNotional. Without it every entry is orderNotional.
     */
    volTarget: z.strictObject({ annualVol: positive(), lookbackBars: positiveInt().min(2) }).optional(),
    allowShort: z.boolean().default(false),
  })
  .check((ctx) => {
    const p = ctx.value;
    if (p.emaFast >= p.emaSlow) ctx.issues.push({ code: 'custom', input: p.emaFast, path: ['emaFast'], message: `must be smaller than emaSlow (${p.emaSlow})` });
    if (p.rsiConfirm >= p.rsiOverbought) ctx.issues.push({ code: 'custom', input: p.rsiConfirm, path: ['rsiConfirm'], message: `must be smaller than rsiOverbought (${p.rsiOverbought})` });
  });

export type TrendEmaRsiParams = z.output<typeof paramsSchema>;
export type TrendEmaRsiInput = z.input<typeof paramsSchema>;

export function parseTrendEmaRsiParams(raw: unknown): TrendEmaRsiParams {
  return parseStrategyParams(TREND_EMA_RSI, paramsSchema, raw);
}

export type TrendState = 'FLAT' | 'ENTERING' | 'LONG' | 'SHORT' | 'EXITING';
export type ExitReason = 'opposite-cross' | 'stop';

export class TrendEmaRsiStrategy implements Strategy {
  readonly kind = TREND_EMA_RSI;
  readonly markets: readonly MarketRef[];
  readonly params: TrendEmaRsiParams;
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly rsi: WilderRsi;
  private readonly atr: WilderAtr;
  private readonly bars: TimeBarBuilder;
  private readonly closedBars: Bar[] = [];
  private previousDiff: number | undefined;
  private state: TrendState = 'FLAT';
  private stop: number | undefined;
  private pendingIntent: number | undefined;
  private exitReason: ExitReason | undefined;
  private barCount = 0;
  /** Closes of the last volTarget.lookbackBars + 1 bars (volTarget sizing only). */
  private readonly recentCloses: number[] = [];

  constructor(params: TrendEmaRsiInput) {
    this.params = parseTrendEmaRsiParams(params);
    const p = this.params;
    this.markets = [{ venue: p.venue, instrument: p.instrument }];
    this.fast = new Ema(p.emaFast);
    this.slow = new Ema(p.emaSlow);
    this.rsi = new WilderRsi(p.rsiPeriod);
    this.atr = new WilderAtr(p.atrPeriod);
    this.bars = new TimeBarBuilder(p.barIntervalMs, (bar) => this.closedBars.push(bar));
  }

  onStart(ctx: StrategyContext): void {
    const position = ctx.position(this.params.venue, this.params.instrument);
    if (position === 0) return;
    this.state = position > 0 ? 'LONG' : 'SHORT';
    ctx.log.warn('trend.adoptedPosition', { position, note: 'no stop until the ATR is warm' });
  }

  onTrade(trade: Readonly<Trade>, ctx: StrategyContext): void {
    this.bars.addTrade(trade);
    this.drainBars(ctx);
    this.checkStop(trade.price, trade.price, ctx);
    this.retryExit(ctx);
  }

  onTimer(ctx: StrategyContext): void {
    this.bars.advanceTo(ctx.now() / 1000 - this.params.barCloseDelayMs);
    this.drainBars(ctx);
  }

  /** One closed bar: indicators, stop, exits, entries. Public so a backtest can feed candles. */
  onBar(bar: Readonly<Bar>, ctx: StrategyContext): void {
    this.barCount++;
    this.rememberClose(bar.close);
    const fast = this.fast.update(bar.close);
    const slow = this.slow.update(bar.close);
    const rsi = this.rsi.update(bar.close);
    const atr = this.atr.update(bar.high, bar.low, bar.close);
    const diff = fast !== undefined && slow !== undefined ? fast - slow : undefined;
    const previous = this.previousDiff;
    this.previousDiff = diff;
    const crossUp = diff !== undefined && previous !== undefined && previous <= 0 && diff > 0;
    const crossDown = diff !== undefined && previous !== undefined && previous >= 0 && diff < 0;

    // The stop that was live during this bar decides first.
    this.checkStop(bar.low, bar.high, ctx);
    if (this.state === 'LONG' && crossDown) this.exit('opposite-cross', ctx);
    else if (this.state === 'SHORT' && crossUp) this.exit('opposite-cross', ctx);
    this.retryExit(ctx);
    if (this.state === 'LONG' || this.state === 'SHORT') {
      if (this.stop === undefined) this.protectAdopted(bar.close, atr, ctx);
      else this.trail(bar.close, atr, ctx);
    }

    if (this.state !== 'FLAT' || rsi === undefined || atr === undefined) return;
    const p = this.params;
    if (crossUp && rsi > p.rsiConfirm && rsi <= p.rsiOverbought) this.enter(Side.BUY, bar.close, atr, ctx);
    else if (p.allowShort && crossDown && rsi < 100 - p.rsiConfirm && rsi >= 100 - p.rsiOverbought) this.enter(Side.SELL, bar.close, atr, ctx);
  }

  onOrderUpdate(_report: unknown, order: Readonly<OrderView>, ctx: StrategyContext): void {
    this.settle(order, ctx);
  }

  onFill(_fill: unknown, order: Readonly<OrderView>, ctx: StrategyContext): void {
    this.settle(order, ctx);
  }

  describe(): Record<string, unknown> {
    return {
      state: this.state,
      stop: this.stop,
      exitReason: this.exitReason,
      pendingIntent: this.pendingIntent,
      bars: this.barCount,
      lateTrades: this.bars.lateTrades,
      emaFast: this.fast.value,
      emaSlow: this.slow.value,
      rsi: this.rsi.value,
      atr: this.atr.value,
    };
  }

  /** The protective stop of the open position (undefined while flat). */
  get stopPrice(): number | undefined {
    return this.stop;
  }

  get currentState(): TrendState {
    return this.state;
  }

  /** orderNotional, or less when volatility targeting says so (not enough bars yet: nothing). */
  private entryNotional(ctx: StrategyContext): number {
    const p = this.params;
    if (p.volTarget === undefined) return p.orderNotional;
    if (this.recentCloses.length < p.volTarget.lookbackBars + 1) return 0;
    const returns = this.recentCloses.slice(1).map((c, i) => c / this.recentCloses[i]! - 1);
    // Bars that never moved say nothing about risk: no size can be derived from them.
    if (returns.every((r) => r === 0)) return 0;
    const periodsPerYear = (365 * 24 * 3600 * 1000) / p.barIntervalMs;
    const target = ctx.sizing.volTargetNotional(p.venue, { returns, periodsPerYear, targetAnnualVol: p.volTarget.annualVol });
    return Math.min(p.orderNotional, target);
  }

  private rememberClose(close: number): void {
    const lookback = this.params.volTarget?.lookbackBars;
    if (lookback === undefined) return;
    this.recentCloses.push(close);
    if (this.recentCloses.length > lookback + 1) this.recentCloses.shift();
  }

  private drainBars(ctx: StrategyContext): void {
    // onBar may not add bars, so a plain index walk over the queue is safe.
    for (let i = 0; i < this.closedBars.length; i++) this.onBar(this.closedBars[i]!, ctx);
    this.closedBars.length = 0;
  }

  private enter(side: Side, close: number, atr: number, ctx: StrategyContext): void {
    const p = this.params;
    if (ctx.tradingState() !== TradingState.ACTIVE) {
      ctx.log.info('trend.entrySkipped', { reason: `trading is ${tradingStateName(ctx.tradingState())}`, close });
      return;
    }
    const spec = ctx.instrument(p.venue, p.instrument);
    const distance = p.atrStopMultiple * atr;
    const stop = side === Side.BUY ? roundPrice(spec, close - distance, 'down') : roundPrice(spec, close + distance, 'up');
    if (!(distance > 0) || !(stop > 0) || (side === Side.BUY ? stop >= close : stop <= close)) {
      ctx.log.info('trend.entrySkipped', { reason: 'no usable ATR stop', close, atr, stop });
      return;
    }
    const qty = qtyForNotional(spec, this.entryNotional(ctx), close);
    if (qty <= 0 || qty < spec.minQty || qty * close < spec.minNotional) {
      ctx.log.info('trend.entrySkipped', { reason: 'entry notional below the instrument minimum (or volTarget not warm)', qty, close });
      return;
    }
    this.stop = stop;
    this.state = 'ENTERING';
    this.exitReason = undefined;
    this.pendingIntent = ctx.submit({ venue: p.venue, instrument: p.instrument, side, type: OrderType.MARKET, qty, expectedPrice: close });
    ctx.log.info('trend.entry', { side, qty, close, atr, stop, intentId: this.pendingIntent });
  }

  private checkStop(low: number, high: number, ctx: StrategyContext): void {
    if (this.stop === undefined) return;
    if ((this.state === 'LONG' && low <= this.stop) || (this.state === 'SHORT' && high >= this.stop)) this.exit('stop', ctx);
  }

  private trail(close: number, atr: number | undefined, ctx: StrategyContext): void {
    if (this.params.stopMode !== 'trailing' || atr === undefined || atr <= 0 || this.stop === undefined) return;
    const spec = ctx.instrument(this.params.venue, this.params.instrument);
    const distance = this.params.atrStopMultiple * atr;
    if (this.state === 'LONG') this.stop = Math.max(this.stop, roundPrice(spec, close - distance, 'down'));
    else this.stop = Math.min(this.stop, roundPrice(spec, close + distance, 'up'));
  }

  private protectAdopted(close: number, atr: number | undefined, ctx: StrategyContext): void {
    if (atr === undefined || atr <= 0) return;
    const spec = ctx.instrument(this.params.venue, this.params.instrument);
    const distance = this.params.atrStopMultiple * atr;
    this.stop = this.state === 'LONG' ? roundPrice(spec, close - distance, 'down') : roundPrice(spec, close + distance, 'up');
    ctx.log.info('trend.adoptedStop', { stop: this.stop, close, atr });
  }

  private exit(reason: ExitReason, ctx: StrategyContext): void {
    this.exitReason = reason;
    this.sendExit(ctx);
  }

  /** An exit that was wanted but left a position (partial fill, reject) is sent again. */
  private retryExit(ctx: StrategyContext): void {
    if (this.exitReason !== undefined && (this.state === 'LONG' || this.state === 'SHORT')) this.sendExit(ctx);
  }

  private sendExit(ctx: StrategyContext): void {
    const p = this.params;
    const position = ctx.position(p.venue, p.instrument);
    if (position === 0) {
      this.flat();
      return;
    }
    this.state = 'EXITING';
    this.pendingIntent = ctx.submit({
      venue: p.venue, instrument: p.instrument, side: position > 0 ? Side.SELL : Side.BUY, type: OrderType.MARKET,
      qty: Math.abs(position), reduceOnly: true,
    });
    ctx.log.info('trend.exit', { reason: this.exitReason, qty: Math.abs(position), stop: this.stop, intentId: this.pendingIntent });
  }

  private settle(order: Readonly<OrderView>, ctx: StrategyContext): void {
    if (order.intentId !== this.pendingIntent || !order.settled) return;
    this.pendingIntent = undefined;
    const position = ctx.position(this.params.venue, this.params.instrument);
    if (position === 0) {
      if (this.state === 'ENTERING') ctx.log.info('trend.entryUnfilled', { intentId: order.intentId, status: order.status });
      this.flat();
      return;
    }
    this.state = position > 0 ? 'LONG' : 'SHORT';
  }

  private flat(): void {
    this.state = 'FLAT';
    this.stop = undefined;
    this.exitReason = undefined;
  }
}
