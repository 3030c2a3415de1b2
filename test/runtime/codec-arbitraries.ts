import fc from 'fast-check';
import {
  ExecStatus, L2_MAX_LEVELS, Liquidity, OrderAction, OrderType, PanicKind, RejectReason, Side, TimeInForce,
  TradingState, TripSource,
  type BookTop, type ExecutionReport, type Fill, type L2Delta, type OrderCommand, type OrderIntent, type RiskPanic,
  type Trade, type TradingStateChange,
} from '../../src/domain/messages.js';

/** fast-check generators of valid hot messages, shared by the codec's tests. */

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.maxSafeNat();
const nonNegative = fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const oneOf = <T extends number>(values: Record<string, T>) => fc.constantFrom(...Object.values(values));

export const bookTopArb: fc.Arbitrary<BookTop> = fc.record({
  venue: u16, instrument: u32, updateId: u64,
  bidPrice: nonNegative, bidQty: nonNegative, askPrice: nonNegative, askQty: nonNegative,
  exchangeTsMs: nonNegative, receiveTsUs: nonNegative,
});

export const l2DeltaArb: fc.Arbitrary<L2Delta> = fc
  .record({
    venue: u16, instrument: u32, ids: fc.tuple(u64, u64),
    exchangeTsMs: nonNegative, receiveTsUs: nonNegative,
    levels: fc.array(fc.record({ side: oneOf(Side), price: nonNegative, qty: nonNegative }), { maxLength: L2_MAX_LEVELS }),
  })
  .map(({ ids, levels, ...rest }) => {
    const message: L2Delta = {
      ...rest,
      firstUpdateId: Math.min(...ids),
      lastUpdateId: Math.max(...ids),
      levelCount: levels.length,
      sides: new Uint8Array(L2_MAX_LEVELS),
      prices: new Float64Array(L2_MAX_LEVELS),
      quantities: new Float64Array(L2_MAX_LEVELS),
    };
    levels.forEach((level, i) => {
      message.sides[i] = level.side;
      message.prices[i] = level.price;
      message.quantities[i] = level.qty;
    });
    return message;
  });

export const tradeArb: fc.Arbitrary<Trade> = fc.record({
  venue: u16, instrument: u32, tradeId: u64, price: nonNegative, qty: nonNegative,
  aggressor: oneOf(Side), exchangeTsMs: nonNegative, receiveTsUs: nonNegative,
});

export const orderIntentArb: fc.Arbitrary<OrderIntent> = fc.record({
  strategy: u16, intentId: u64, venue: u16, instrument: u32,
  side: oneOf(Side), type: oneOf(OrderType), timeInForce: oneOf(TimeInForce), reduceOnly: fc.constantFrom(0, 1),
  price: nonNegative, qty: nonNegative, expectedPrice: nonNegative, createdTsUs: nonNegative,
});

export const orderCommandArb: fc.Arbitrary<OrderCommand> = fc.oneof(
  fc.record({
    action: fc.constant(OrderAction.SUBMIT), orderId: u64, venue: u16, instrument: u32,
    side: oneOf(Side), type: oneOf(OrderType), timeInForce: oneOf(TimeInForce), reduceOnly: fc.constantFrom(0, 1),
    price: nonNegative, qty: nonNegative, createdTsUs: nonNegative,
  }),
  // Cancels and queries may leave the order's shape at 0 ("does not apply").
  fc.record({
    action: fc.constantFrom(OrderAction.CANCEL, OrderAction.CANCEL_ALL, OrderAction.QUERY), orderId: u64, venue: u16, instrument: u32,
    side: fc.constantFrom(0 as Side, ...Object.values(Side)),
    type: fc.constantFrom(0 as OrderType, ...Object.values(OrderType)),
    timeInForce: fc.constantFrom(0 as TimeInForce, ...Object.values(TimeInForce)),
    reduceOnly: fc.constantFrom(0, 1),
    price: nonNegative, qty: nonNegative, createdTsUs: nonNegative,
  }),
);

export const executionReportArb: fc.Arbitrary<ExecutionReport> = fc.record({
  orderId: u64, venueOrderId: u64, venue: u16, instrument: u32,
  status: oneOf(ExecStatus), rejectReason: oneOf(RejectReason), side: oneOf(Side),
  cumQty: nonNegative, avgPrice: nonNegative, leavesQty: nonNegative, lastQty: nonNegative, lastPrice: nonNegative,
  exchangeTsMs: nonNegative, receiveTsUs: nonNegative,
});

export const fillArb: fc.Arbitrary<Fill> = fc.record({
  orderId: u64, venue: u16, instrument: u32, side: oneOf(Side), price: nonNegative, qty: nonNegative,
  fee: finite, liquidity: oneOf(Liquidity), tradeId: u64, exchangeTsMs: nonNegative, receiveTsUs: nonNegative,
});

export const tradingStateChangeArb: fc.Arbitrary<TradingStateChange> = fc.record({
  state: oneOf(TradingState), previous: oneOf(TradingState), source: oneOf(TripSource), seq: u64, tsUs: nonNegative,
});

export const riskPanicArb: fc.Arbitrary<RiskPanic> = fc.record({
  kind: oneOf(PanicKind), venue: u16, instrument: u32, value: finite, threshold: finite, tsUs: nonNegative,
});
