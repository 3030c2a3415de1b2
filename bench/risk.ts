/**
 * Risk suite of `bot4 bench`: nanoseconds per pre-trade check of one order
 * (actors/risk/pre-trade-checks.ts runPreTradeChecks, all 16 checks in their fixed order),
 * measured with benny on the path every approved order takes and on two reject paths: a
 * fat-finger price (refused by the 10th check) and a halted gate (refused by the first).
 *
 * Each benny op checks a batch of BATCH different seeded orders (prices on the tick grid
 * around the mid, quantities on the step grid) against one reused context, as the risk
 * actor does; ns per check is the time per op / BATCH. Before timing, every batch is run
 * once and must give its path's expected reason for every order, or the suite refuses to
 * report figures for the wrong path.
 */
import b from 'benny';
import {
  runPreTradeChecks, type PreTradeContext, type PreTradeLimits, type PreTradeOrder,
} from '../actors/risk/pre-trade-checks.js';
import type { InstrumentSpec } from '../src/domain/instrument.js';
import { OrderType, RejectReason, Side, TradingState, rejectReasonName } from '../src/domain/messages.js';
import { seededRandom, type Random } from '../src/domain/random.js';
import { bennyFigures, type MeasuredFigure } from './bench-figures.js';
import { round } from './latency-stats.js';
import type { BenchSize } from './suites.js';

export interface RiskBenchCase {
  name: string;
  expected: string;
  nsPerOp: number;
  medianNsPerOp: number;
  marginPercent: number;
  samples: number;
  messagesPerSample: number;
}

export interface RiskBenchResult {
  suite: 'risk';
  size: BenchSize;
  settings: { batch: number; minSamples: number; maxTimeSeconds: number; checks: number };
  cases: RiskBenchCase[];
  /** The checks' results folded together: a result that is read cannot be optimised away. */
  resultChecksum: number;
}

const BATCH = 256;
const NOW_US = 1_760_000_000_000_000;
const MID = 65_000;

const BTC: InstrumentSpec = {
  id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT',
  tickSize: 0.01, stepSize: 0.00001, minQty: 0.00001, maxQty: 9000,
  minPrice: 0.01, maxPrice: 1_000_000, minNotional: 5, maxNotional: 9_000_000,
};

const LIMITS: PreTradeLimits = {
  maxOrderNotional: 25_000,
  maxPositionNotional: 250_000,
  maxGrossExposure: 1_000_000,
  maxOpenOrders: 50,
  submitRate: { burst: 20, perSecond: 10 },
  priceBandBps: 50,
  maxQuoteAgeUs: 2_000_000,
  maxSpreadBps: 10,
};

/** A live book, a small long position, a few resting orders: what an approve sees in production. */
function context(tradingState: TradingState): PreTradeContext {
  return {
    nowUs: NOW_US,
    tradingState,
    instrument: BTC,
    book: { bidPrice: MID - 0.5, askPrice: MID + 0.5, receiveTsUs: NOW_US - 1_500 },
    position: 0.75,
    openBuyQty: 0.1,
    openSellQty: 0.2,
    grossExposure: 0.75 * MID + 120_000,
    openOrderCount: 6,
    submitBucket: { tokens: 12, updatedUs: NOW_US - 400_000 },
  };
}

/** Limit orders within `maxBps` of the mid (or, with `minBps`, at least that far), on the grids. */
function orders(random: Random, minBps: number, maxBps: number): PreTradeOrder[] {
  return Array.from({ length: BATCH }, () => {
    const bps = minBps + random.next() * (maxBps - minBps);
    const side = random.next() < 0.5 ? Side.BUY : Side.SELL;
    const price = Math.round(MID * (1 + ((side === Side.BUY ? -1 : 1) * bps) / 10_000) * 100) / 100;
    const qty = Math.round((0.001 + random.next() * 0.05) * 1e5) / 1e5;
    return { instrument: BTC.id, side, type: OrderType.LIMIT, reduceOnly: 0, price, qty };
  });
}

export interface RiskPath {
  name: string;
  expected: RejectReason;
  orders: PreTradeOrder[];
  ctx: PreTradeContext;
}

/** The timed paths: an approve and two rejects, each a batch of seeded orders with its context. */
export function riskPaths(random: Random): RiskPath[] {
  return [
    { name: 'approve (all 16 checks pass)', expected: RejectReason.NONE, orders: orders(random, 0, 20), ctx: context(TradingState.ACTIVE) },
    { name: 'reject: fat-finger price band (check 10 of 16)', expected: RejectReason.PRICE_BAND, orders: orders(random, 300, 600), ctx: context(TradingState.ACTIVE) },
    { name: 'reject: trading halted (check 1 of 16)', expected: RejectReason.TRADING_HALTED, orders: orders(random, 0, 20), ctx: context(TradingState.HALTED) },
  ];
}

/** Every order of the path must get the path's reason, or its timings would describe another path. */
export function verifyPath(path: RiskPath, limits: PreTradeLimits = LIMITS): void {
  for (const order of path.orders) {
    const reason = runPreTradeChecks(order, path.ctx, limits);
    if (reason !== path.expected) {
      throw new Error(`bench/risk: "${path.name}" expects ${rejectReasonName(path.expected)} but an order (${JSON.stringify(order)}) got ${rejectReasonName(reason)}`);
    }
  }
}

/** Results land here, and in the report's resultChecksum, so the optimiser cannot drop the checks as unused. */
let reasonSink = 0;

function checkBatch({ orders: batch, ctx }: RiskPath): () => void {
  return () => {
    let sum = 0;
    for (let i = 0; i < BATCH; i++) sum += runPreTradeChecks(batch[i]!, ctx, LIMITS);
    reasonSink ^= sum;
  };
}

function bennySettings(size: BenchSize): { minSamples: number; maxTimeSeconds: number } {
  if (size === 'full') return { minSamples: 30, maxTimeSeconds: 1.5 };
  if (size === 'quick') return { minSamples: 5, maxTimeSeconds: 0.15 };
  return { minSamples: 2, maxTimeSeconds: 0.05 };
}

export async function runRiskBench(opts: { size: BenchSize }): Promise<RiskBenchResult> {
  const settings = { batch: BATCH, ...bennySettings(opts.size), checks: 16 };
  const caseOptions = { minSamples: settings.minSamples, maxTime: settings.maxTimeSeconds };
  const all = riskPaths(seededRandom(8080));
  all.forEach((path) => verifyPath(path));
  const summary = await b.suite('risk', ...all.map((path) => b.add(path.name, checkBatch(path), caseOptions)));
  return {
    suite: 'risk',
    size: opts.size,
    settings,
    resultChecksum: reasonSink,
    cases: summary.results.map((r) => ({
      name: r.name,
      expected: rejectReasonName(all.find((p) => p.name === r.name)!.expected),
      nsPerOp: round(1e9 / (r.ops * BATCH)),
      medianNsPerOp: round((r.details.median * 1e9) / BATCH),
      marginPercent: round(r.margin),
      samples: r.samples,
      messagesPerSample: BATCH,
    })),
  };
}

export function riskFigures(result: Pick<RiskBenchResult, 'cases'>): MeasuredFigure[] {
  return result.cases.flatMap((c) => bennyFigures(c, `orders through runPreTradeChecks (expect ${c.expected})`, 'ns/order'));
}
