/**
 * Money is exact: a million random fills and partial fills booked by risk's ledger, compared
 * after every run with an independent reference written here in plain BigInt arithmetic on
 * tick and step counts (it shares no code with the ledger or src/domain/money.ts).
 *
 * Fills reach the ledger as they do in production: doubles parsed from a venue's decimal text.
 * The reference books the same fills as integers: price = ticks × tick, qty = steps × step,
 * money in units of 10^-M with M = max(8, max tick decimals + step decimals). Average cost: a
 * reduction removes cost × closed / open of the cost basis, rounded half to even to the money unit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Liquidity, Side, type Fill } from '../../src/domain/messages.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';
import { seededRandom, type Random } from '../../src/domain/random.js';
import { Ledger, cashAccount, entryImbalance } from '../../actors/risk/accounting.js';

/** Test instruments: tick = tickUnits × 10^-tickDecimals, step = stepUnits × 10^-stepDecimals. */
interface TestInstrument {
  id: number;
  tickUnits: bigint;
  tickDecimals: number;
  stepUnits: bigint;
  stepDecimals: number;
  /** Prices are drawn between these many ticks. */
  minTicks: number;
  maxTicks: number;
  maxSteps: number;
}

const INSTRUMENTS: TestInstrument[] = [
  { id: 1, tickUnits: 1n, tickDecimals: 2, stepUnits: 1n, stepDecimals: 5, minTicks: 5_000_000, maxTicks: 7_000_000, maxSteps: 300_000 }, // BTCUSDT-like
  { id: 2, tickUnits: 1n, tickDecimals: 2, stepUnits: 1n, stepDecimals: 4, minTicks: 250_000, maxTicks: 350_000, maxSteps: 50_000 }, // ETHUSDT-like
  { id: 3, tickUnits: 1n, tickDecimals: 5, stepUnits: 1n, stepDecimals: 0, minTicks: 5_000, maxTicks: 20_000, maxSteps: 100_000 }, // DOGE-like, whole-coin steps
  { id: 4, tickUnits: 5n, tickDecimals: 2, stepUnits: 5n, stepDecimals: 4, minTicks: 1, maxTicks: 40_000, maxSteps: 4_000 }, // tick 0.05, step 0.0005
  { id: 5, tickUnits: 1n, tickDecimals: 6, stepUnits: 1n, stepDecimals: 3, minTicks: 100, maxTicks: 3_000_000, maxSteps: 90_000 }, // 9 decimals of money
];
const VENUES = [1, 2];
const MONEY_DECIMALS = Math.max(8, ...INSTRUMENTS.map((i) => i.tickDecimals + i.stepDecimals));
const TEN = (n: number): bigint => 10n ** BigInt(n);

/** Integer units at `decimals` as decimal text, the way a venue prints it. */
function text(units: bigint, decimals: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  const cut = digits.length - decimals;
  return `${negative ? '-' : ''}${digits.slice(0, cut)}${decimals > 0 ? '.' : ''}${digits.slice(cut)}`;
}

const specOf = (i: TestInstrument): InstrumentSpec => ({
  id: i.id,
  symbol: `T${i.id}USDT`,
  base: `T${i.id}`,
  quote: 'USDT',
  tickSize: Number(text(i.tickUnits, i.tickDecimals)),
  stepSize: Number(text(i.stepUnits, i.stepDecimals)),
  minQty: 0,
  maxQty: Infinity,
  minPrice: 0,
  maxPrice: Infinity,
  minNotional: 0,
  maxNotional: Infinity,
});

/** n / d rounded to the nearest integer, ties to the even one. */
function nearestEven(n: bigint, d: bigint): bigint {
  if (d < 0n) return nearestEven(-n, -d);
  const floor = n >= 0n ? n / d : -((-n + d - 1n) / d);
  const twiceRest = 2n * (n - floor * d);
  if (twiceRest < d) return floor;
  if (twiceRest > d) return floor + 1n;
  return floor % 2n === 0n ? floor : floor + 1n;
}

/** The reference book of one market, in counts: steps of qty, money units of cost, PnL and fees. */
interface ReferenceMarket {
  steps: bigint;
  cost: bigint;
  realised: bigint;
  fees: bigint;
}

class Reference {
  readonly markets = new Map<string, ReferenceMarket>();
  cash = new Map<number, bigint>();

  deposit(venue: number, money: bigint): void {
    this.cash.set(venue, (this.cash.get(venue) ?? 0n) + money);
  }

  /** One fill of `steps` steps at `ticks` ticks with a fee in money units. */
  book(venue: number, instrument: TestInstrument, buy: boolean, steps: bigint, ticks: bigint, fee: bigint): void {
    const key = `${venue}:${instrument.id}`;
    const m = this.markets.get(key) ?? { steps: 0n, cost: 0n, realised: 0n, fees: 0n };
    this.markets.set(key, m);
    // money units per (tick × step): 10^(M − tickDecimals − stepDecimals) × tickUnits × stepUnits
    const moneyPerTickStep = instrument.tickUnits * instrument.stepUnits * TEN(MONEY_DECIMALS - instrument.tickDecimals - instrument.stepDecimals);
    const value = (n: bigint): bigint => n * ticks * moneyPerTickStep;
    this.cash.set(venue, (this.cash.get(venue) ?? 0n) - (buy ? value(steps) : -value(steps)) - fee);
    m.fees += fee;
    const signed = buy ? steps : -steps;
    const adding = m.steps === 0n || (m.steps > 0n) === buy;
    if (adding) {
      m.cost += buy ? value(steps) : -value(steps);
      m.steps += signed;
      return;
    }
    const open = m.steps > 0n ? m.steps : -m.steps;
    const closing = steps < open ? steps : open;
    const takenCost = closing === open ? m.cost : nearestEven(m.cost * closing, open);
    // A long closes by selling (proceeds in), a short by buying (paid out).
    const proceeds = m.steps > 0n ? value(closing) : -value(closing);
    m.realised += proceeds - takenCost;
    m.cost -= takenCost;
    m.steps += signed;
    const opening = steps - closing;
    if (opening > 0n) m.cost += buy ? value(opening) : -value(opening);
  }
}

const pick = <T>(rng: Random, items: readonly T[]): T => items[rng.int(items.length)]!;

/**
 * Books `orders` random orders (each filled in 1-4 partial fills, now and then one fill delivered
 * twice) into a fresh ledger and the reference, and compares every market and the cash to the unit.
 * Returns the number of fills booked.
 */
function runAndCompare(seed: number, orders: number): number {
  const rng = seededRandom(seed);
  const ledger = new Ledger('USDT', INSTRUMENTS.map(specOf));
  expect(ledger.moneyScale).toBe(MONEY_DECIMALS);
  const reference = new Reference();
  for (const venue of VENUES) {
    const deposit = BigInt(1 + rng.int(1_000_000)) * TEN(MONEY_DECIMALS - 2); // whole cents
    ledger.deposit(venue, Number(text(deposit, MONEY_DECIMALS)), 0);
    reference.deposit(venue, deposit);
  }
  let tradeId = 0;
  let fills = 0;
  const fill: Fill = { orderId: 0, venue: 0, instrument: 0, side: Side.BUY, price: 0, qty: 0, fee: 0, liquidity: Liquidity.TAKER, tradeId: 0, exchangeTsMs: 0, receiveTsUs: 0 };
  for (let order = 1; order <= orders; order++) {
    const instrument = pick(rng, INSTRUMENTS);
    const venue = pick(rng, VENUES);
    const buy = rng.int(2) === 0;
    let remaining = BigInt(1 + rng.int(instrument.maxSteps));
    const pieces = 1 + rng.int(4);
    for (let piece = 0; piece < pieces && remaining > 0n; piece++) {
      const steps = piece === pieces - 1 ? remaining : BigInt(1 + rng.int(Number(remaining)));
      remaining -= steps;
      const ticks = BigInt(instrument.minTicks + rng.int(instrument.maxTicks - instrument.minTicks + 1));
      // Fees in money units: mostly a few units of the last place, sometimes a maker rebate (negative), sometimes none.
      const feeKind = rng.int(10);
      const fee = feeKind === 0 ? 0n : BigInt(rng.int(50_000_000)) * (feeKind === 1 ? -1n : 1n);
      fill.orderId = order;
      fill.venue = venue;
      fill.instrument = instrument.id;
      fill.side = buy ? Side.BUY : Side.SELL;
      fill.price = Number(text(ticks * instrument.tickUnits, instrument.tickDecimals));
      fill.qty = Number(text(steps * instrument.stepUnits, instrument.stepDecimals));
      fill.fee = Number(text(fee, MONEY_DECIMALS));
      fill.tradeId = ++tradeId;
      const entry = ledger.postFill(fill);
      if (entry === null || entryImbalance(entry) !== 0n) throw new Error(`fill ${tradeId}: ${entry === null ? 'not posted' : `entry off balance by ${entryImbalance(entry)}`}`);
      reference.book(venue, instrument, buy, steps, ticks, fee);
      fills++;
      // A fill delivered a second time (REST and stream) books nothing.
      if (rng.int(50) === 0 && ledger.postFill(fill) !== null) throw new Error(`fill ${tradeId} booked twice`);
    }
  }

  let fees = 0n;
  let realised = 0n;
  for (const [key, want] of reference.markets) {
    const [venue, id] = key.split(':').map(Number) as [number, number];
    const instrument = INSTRUMENTS.find((i) => i.id === id)!;
    const got = ledger.booked(venue, id);
    const qtyUnits = want.steps * instrument.stepUnits;
    expect({ market: key, qty: got.qty, cost: got.cost, realised: got.realisedPnl, fees: got.fees }).toEqual({ market: key, qty: qtyUnits, cost: want.cost, realised: want.realised, fees: want.fees });
    // Average entry = cost / qty: to the money unit, and as shown (at the tick's decimals).
    if (want.steps !== 0n) {
      expect(ledger.averagePriceUnits(got)).toBe(nearestEven(want.cost * TEN(instrument.stepDecimals), qtyUnits));
      const shown = ledger.report(() => undefined).positions.find((p) => p.venue === venue && p.instrument === id)!;
      expect(shown.avgPrice).toBe(text(nearestEven(want.cost * TEN(instrument.stepDecimals), qtyUnits * TEN(MONEY_DECIMALS - instrument.tickDecimals)), instrument.tickDecimals));
      expect(shown.qty).toBe(text(qtyUnits, instrument.stepDecimals));
    } else {
      expect(got.cost).toBe(0n);
    }
    fees += want.fees;
    realised += want.realised;
  }
  for (const venue of VENUES) expect(ledger.balance(cashAccount(venue, 'USDT')).units).toBe(reference.cash.get(venue));

  // Valued at marks on the tick grid, qty × mark needs no rounding: equity and unrealised are exact too.
  const marks = new Map(INSTRUMENTS.map((i) => [i.id, BigInt(i.minTicks + rng.int(i.maxTicks - i.minTicks + 1)) * i.tickUnits]));
  const report = ledger.report((_venue, id) => Number(text(marks.get(id)!, INSTRUMENTS.find((i) => i.id === id)!.tickDecimals)));
  let unrealised = 0n;
  let marketValue = 0n;
  for (const [key, want] of reference.markets) {
    const instrument = INSTRUMENTS.find((i) => i.id === Number(key.split(':')[1]))!;
    const value = want.steps * instrument.stepUnits * marks.get(instrument.id)! * TEN(MONEY_DECIMALS - instrument.tickDecimals - instrument.stepDecimals);
    unrealised += value - want.cost;
    marketValue += value;
  }
  const cash = [...reference.cash.values()].reduce((a, b) => a + b, 0n);
  expect(report).toMatchObject({
    realisedPnl: text(realised, MONEY_DECIMALS),
    fees: text(fees, MONEY_DECIMALS),
    cash: text(cash, MONEY_DECIMALS),
    unrealisedPnl: text(unrealised, MONEY_DECIMALS),
    equity: text(cash + marketValue, MONEY_DECIMALS),
  });
  return fills;
}

describe('exact money: the ledger against an independent BigInt reference', () => {
  it('a million random fills and partial fills book to the last unit (positions, cash, fees, realised PnL, average entry)', () => {
    let fills = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        fills += runAndCompare(seed, 5_000);
      }),
      { seed: 113, numRuns: 100 },
    );
    expect(fills).toBeGreaterThanOrEqual(1_000_000);
    // CPU-bound (about 8 s of CPU on the shared 2-core box); the wall time grows with the machine's load.
  }, 180_000);

});
