/**
 * Test harness for strategies: a real StrategyDriver with a recording sink, a clock the test
 * moves, and builders for the hot messages the venue side would send.
 */
import { orderIdFor } from '../../actors/order-manager/client-order-id.js';
import { StrategyDriver, type SeedPosition } from '../../actors/strategy/strategy-driver.js';
import type { CancelRequest, Strategy, StrategySink } from '../../actors/strategy/strategy-api.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import {
  ExecStatus, Liquidity, Side,
  type BookTop, type ExecutionReport, type Fill, type OrderIntent, type Trade, type TradingState,
} from '../../src/domain/messages.js';

export function btcSpec(overrides: Partial<InstrumentSpec> = {}): InstrumentSpec {
  return {
    id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tickSize: 0.01, stepSize: 0.0001,
    minQty: 0.0001, maxQty: 1000, minPrice: 0.01, maxPrice: 1_000_000, minNotional: 5, maxNotional: Infinity,
    ...overrides,
  };
}

export class RecordingSink implements StrategySink {
  readonly intents: OrderIntent[] = [];
  readonly cancels: CancelRequest[] = [];
  submit(intent: Readonly<OrderIntent>): void {
    this.intents.push({ ...intent });
  }
  cancel(request: Readonly<CancelRequest>): void {
    this.cancels.push({ ...request });
  }
}

export interface Harness {
  driver: StrategyDriver;
  sink: RecordingSink;
  clock: { us: number };
}

export interface HarnessOptions {
  strategyId?: number;
  specs?: Map<string, InstrumentSpec>;
  lastIntentId?: number;
  positions?: SeedPosition[];
  quoteBalances?: Array<{ venue: number; balance: number }>;
  leverage?: (venue: number) => number;
  /** The gate as the strategy reads it; ACTIVE where not given. */
  tradingState?: () => TradingState;
  startUs?: number;
  logs?: Array<{ level: string; event: string; data?: Record<string, unknown> }>;
}

export const specKey = (venue: number, instrument: number): string => `${venue}:${instrument}`;

export function harness(strategy: Strategy, options: HarnessOptions = {}): Harness {
  const sink = new RecordingSink();
  const clock = { us: options.startUs ?? 1_700_000_000_000_000 };
  const specs = options.specs ?? new Map(strategy.markets.map((m) => [specKey(m.venue, m.instrument), btcSpec({ id: m.instrument })]));
  const logs = options.logs;
  const driver = new StrategyDriver({
    strategyId: options.strategyId ?? 7,
    strategy,
    sink,
    now: () => clock.us,
    instruments: (venue, instrument) => specs.get(specKey(venue, instrument)),
    lastIntentId: options.lastIntentId ?? 0,
    positions: options.positions ?? [],
    quoteBalances: options.quoteBalances ?? [],
    ...(options.leverage && { leverage: options.leverage }),
    ...(options.tradingState && { tradingState: options.tradingState }),
    log: {
      info: (event, data) => logs?.push({ level: 'info', event, ...(data ? { data } : {}) }),
      warn: (event, data) => logs?.push({ level: 'warn', event, ...(data ? { data } : {}) }),
    },
  });
  driver.start();
  return { driver, sink, clock };
}

export function book(venue: number, instrument: number, bid: number, ask: number, fields: Partial<BookTop> = {}): BookTop {
  return {
    venue, instrument, updateId: 1, bidPrice: bid, bidQty: 5, askPrice: ask, askQty: 5,
    exchangeTsMs: 1_700_000_000_000, receiveTsUs: 1_700_000_000_000_000, ...fields,
  };
}

export function trade(venue: number, instrument: number, price: number, exchangeTsMs: number, fields: Partial<Trade> = {}): Trade {
  return { venue, instrument, tradeId: 1, price, qty: 0.1, aggressor: Side.BUY, exchangeTsMs, receiveTsUs: exchangeTsMs * 1000, ...fields };
}

export function report(strategyId: number, intent: OrderIntent, status: ExecStatus, cumQty: number, fields: Partial<ExecutionReport> = {}): ExecutionReport {
  return {
    orderId: orderIdFor(strategyId, intent.intentId), venueOrderId: intent.intentId, venue: intent.venue, instrument: intent.instrument,
    status, rejectReason: 0, side: intent.side, cumQty, avgPrice: intent.price, leavesQty: Math.max(0, intent.qty - cumQty),
    lastQty: 0, lastPrice: 0, exchangeTsMs: 1_700_000_000_000, receiveTsUs: 1_700_000_000_000_000, ...fields,
  };
}

let tradeIds = 1;
export function fill(strategyId: number, intent: OrderIntent, qty: number, price: number, fields: Partial<Fill> = {}): Fill {
  return {
    orderId: orderIdFor(strategyId, intent.intentId), venue: intent.venue, instrument: intent.instrument, side: intent.side,
    price, qty, fee: 0, liquidity: Liquidity.TAKER, tradeId: tradeIds++, exchangeTsMs: 1_700_000_000_000, receiveTsUs: 1_700_000_000_000_000,
    ...fields,
  };
}

/** The venue fills `intent` completely at `price`: the fill, then the FILLED report. */
export function fillCompletely(h: Harness, strategyId: number, intent: OrderIntent, price: number, fee = 0): void {
  h.driver.onFill(fill(strategyId, intent, intent.qty, price, { fee }));
  h.driver.onExecutionReport(report(strategyId, intent, ExecStatus.FILLED, intent.qty, { avgPrice: price }));
}
