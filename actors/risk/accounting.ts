/**
 * Positions and PnL by double-entry accounting, exact to the last unit.
 *
 * Every fill posts a balanced journal entry (Σ value of postings = 0 exactly, values in the
 * quote currency, debit positive). Accounts, per venue:
 *
 *   cash:<venue>:<quote>          units = value = quote currency held
 *   inventory:<venue>:<instrument> units = signed base qty, value = signed cost basis
 *   realised:<venue>:<instrument>  income, credit balance: realised PnL = −balance
 *   fees:<venue>                   expense, debit balance
 *   capital:<venue>                equity contributed by deposits, credit balance
 *
 * Amounts are scaled integers (src/domain/money.ts): an instrument's quantities in units of its
 * step's decimals, its prices in units of `moneyScale − qty decimals` (so that price × qty is
 * exactly a money unit count), and all money (cash, cost, fees, PnL) in units of 10^-moneyScale,
 * where moneyScale = max(8, max over instruments of tick decimals + step decimals). Fills arrive as
 * message doubles and are turned back into the decimals they were parsed from; a price or quantity
 * finer than the ledger books is refused, a fee (often computed, e.g. base-asset fee × price) is
 * rounded half to even to the money unit.
 *
 * Positions use the average-cost method on the exact cost basis: adding to a position adds
 * qty × price to the cost; reducing removes the closed share of the cost, cost × closed / qty,
 * rounded half to even to the money unit (the one rounding the ledger makes), and realises the
 * proceeds minus that; a fill larger than the position closes it (removing all of the cost) and
 * opens the remainder on the other side at the fill price. The average entry price is cost / qty.
 *
 * From Σ balances = 0 follows the identity the tests check, exactly:
 *   equity = cash + Σ qty × mark = deposits + realised + unrealised − fees.
 *
 * One reporting currency per ledger: fills of instruments quoted in another currency are refused
 * (cross-currency conversion is not modelled). Models (pre-trade limits, drawdown, VaR) read the
 * double view (`position`, `cash`, `equity`, ...); reports read the exact one (`report`).
 */
import { Side, type Fill } from '../../src/domain/messages.js';
import { incrementCount, multipleOf, type InstrumentSpec } from '../../src/domain/instrument.js';
import { absUnits, decimalsOf, divideRounded, formatUnits, minUnits, pow10, unitsFromNumber, unitsToNumber } from '../../src/domain/money.js';

/** Money is booked with at least this many decimals (the precision venues print quote balances and fees with). */
export const MIN_MONEY_DECIMALS = 8;

export interface Posting {
  account: string;
  /** Change in the account's own unit: base qty units for inventory, money units otherwise. */
  units: bigint;
  /** Change in value, money units of the quote currency, debit positive. */
  value: bigint;
}

export interface JournalEntry {
  /** `fill:<venue>:<instrument>:<tradeId>` (a fill's identity, whatever path it came by) or `deposit:<venue>:<seq>`. */
  id: string;
  tsUs: number;
  postings: Posting[];
}

// ---- the double view of average cost, for models -------------------------------------------------
// A strategy keeps its own estimate of its positions (actors/strategy/strategy-driver.ts) and the
// stop-loss check measures adverse moves from an average (breaches.ts): both are models that read
// doubles and book nothing. The ledger below does not use these.

export interface PositionState {
  /** Signed base quantity, long > 0. */
  qty: number;
  /** Average entry price of the open quantity (0 when flat). */
  avgPrice: number;
}

export const FLAT: PositionState = { qty: 0, avgPrice: 0 };

export interface FillEffect {
  position: PositionState;
  /** Realised PnL of the part of the fill that closed existing quantity. */
  realisedPnl: number;
  /** Quantity of the existing position this fill closed (>= 0). */
  closedQty: number;
}

/**
 * Average-cost update of one position by one fill. `stepSize` keeps the quantity on the
 * instrument's grid (so a full close lands on exactly 0).
 */
export function applyFillToPosition(pos: PositionState, side: Side, qty: number, price: number, stepSize: number): FillEffect {
  const posSteps = incrementCount(pos.qty, stepSize);
  const fillSteps = incrementCount(qty, stepSize) * (side === Side.BUY ? 1 : -1);
  const nextSteps = posSteps + fillSteps;
  const nextQty = multipleOf(nextSteps, stepSize);
  const sameDirection = posSteps === 0 || Math.sign(posSteps) === Math.sign(fillSteps);
  if (sameDirection) {
    const avgPrice = (pos.qty * pos.avgPrice + multipleOf(fillSteps, stepSize) * price) / nextQty;
    return { position: { qty: nextQty, avgPrice }, realisedPnl: 0, closedQty: 0 };
  }
  const closedSteps = Math.min(Math.abs(posSteps), Math.abs(fillSteps));
  const closedQty = multipleOf(closedSteps, stepSize);
  const realisedPnl = closedQty * (price - pos.avgPrice) * Math.sign(posSteps);
  if (nextSteps === 0) return { position: FLAT, realisedPnl, closedQty };
  const flipped = Math.sign(nextSteps) !== Math.sign(posSteps);
  return { position: { qty: nextQty, avgPrice: flipped ? price : pos.avgPrice }, realisedPnl, closedQty };
}

export const unrealisedPnl = (pos: PositionState, mark: number): number => (pos.qty === 0 ? 0 : pos.qty * (mark - pos.avgPrice));

/** The booked state of one market, exact. */
export interface BookedPosition {
  readonly venue: number;
  readonly instrument: number;
  /** Signed base quantity in the instrument's qty units, long > 0. */
  readonly qty: bigint;
  /** Signed cost basis of the open quantity in money units (same sign as qty, 0 when flat). */
  readonly cost: bigint;
  readonly realisedPnl: bigint;
  readonly fees: bigint;
}

/** The double view of a position, for limits and models (never booked). */
export interface Position extends PositionState {
  venue: number;
  instrument: number;
  realisedPnl: number;
  fees: number;
}

/** How the ledger books one instrument. */
export interface MarketScales {
  readonly spec: InstrumentSpec;
  /** Decimals of quantities (the step's). */
  readonly qty: number;
  /** Decimals prices are booked with: moneyScale − qty, so price × qty is a whole count of money units. */
  readonly price: number;
  /** Decimals prices are shown with (the tick's). */
  readonly tick: number;
}

/**
 * What the ledger books of a fill: a live report, a fill the order manager replays, a row of the
 * database's `fills` all carry it (liquidity and venue time do not move money).
 */
export type BookableFill = Pick<Fill, 'venue' | 'instrument' | 'side' | 'qty' | 'price' | 'fee' | 'tradeId' | 'receiveTsUs'>;

/** What a position snapshot keeps, as decimal text: qty at the step's decimals, average and realised PnL at the money's. */
export interface PositionSnapshot {
  qty: string;
  avgPrice: string;
  realisedPnl: string;
}

/** One position as text at its instrument's precision (quantities at the step's decimals, prices at the tick's, money at the ledger's). */
export interface PositionReport {
  venue: number;
  instrument: number;
  symbol: string;
  qty: string;
  /** null when flat. */
  avgPrice: string | null;
  mark: string | null;
  realisedPnl: string;
  unrealisedPnl: string | null;
  fees: string;
}

/** The ledger as text: what `bot4 ctl status` shows. Totals that need a mark are null while a position has none. */
export interface LedgerReport {
  positions: PositionReport[];
  realisedPnl: string;
  unrealisedPnl: string | null;
  fees: string;
  cash: string;
  equity: string | null;
  deposits: string;
}

export const cashAccount = (venue: number, asset: string): string => `cash:${venue}:${asset}`;
export const inventoryAccount = (venue: number, instrument: number): string => `inventory:${venue}:${instrument}`;
export const realisedAccount = (venue: number, instrument: number): string => `realised:${venue}:${instrument}`;
export const feesAccount = (venue: number): string => `fees:${venue}`;
export const capitalAccount = (venue: number): string => `capital:${venue}`;

export type MarkPrice = (venue: number, instrument: number) => number | undefined;

interface MarketAccounts {
  cash: string;
  inventory: string;
  realised: string;
  fees: string;
}

interface Balance {
  units: bigint;
  value: bigint;
}

const flatBooked = (venue: number, instrument: number): BookedPosition => ({ venue, instrument, qty: 0n, cost: 0n, realisedPnl: 0n, fees: 0n });

/**
 * The ledger of one portfolio. It owns its journal and balances (no I/O, no clock: times come
 * in with the postings). Fills are idempotent by (venue, instrument, tradeId): a fill delivered
 * twice (REST and stream, or replay after reconciliation) posts once.
 */
export class Ledger {
  readonly quoteAsset: string;
  /** Decimals of every money amount (cash, cost, fees, PnL). */
  readonly moneyScale: number;
  private readonly markets: ReadonlyMap<number, MarketScales>;
  private readonly balances = new Map<string, Balance>();
  private readonly positionsByKey = new Map<string, BookedPosition>();
  /** Account names per market, built once (a fill posts to four of them). */
  private readonly accountsByKey = new Map<string, MarketAccounts>();
  private readonly postedFills = new Set<string>();
  private readonly entries: JournalEntry[] = [];
  private deposits = 0n;
  private depositSeq = 0;

  constructor(quoteAsset: string, instruments: readonly InstrumentSpec[]) {
    if (!quoteAsset) throw new RangeError('Ledger: quoteAsset must be a non-empty string');
    this.quoteAsset = quoteAsset;
    const decimals = instruments.map((spec) => {
      try {
        return { spec, qty: decimalsOf(spec.stepSize), tick: decimalsOf(spec.tickSize) };
      } catch (error) {
        throw new RangeError(`Ledger: instrument ${spec.symbol}: ${(error as Error).message}`, { cause: error });
      }
    });
    this.moneyScale = Math.max(MIN_MONEY_DECIMALS, ...decimals.map((d) => d.qty + d.tick));
    this.markets = new Map(decimals.map((d) => [d.spec.id, { ...d, price: this.moneyScale - d.qty }]));
  }

  get journal(): readonly JournalEntry[] {
    return this.entries;
  }

  balance(account: string): Balance {
    const b = this.balances.get(account);
    return b === undefined ? { units: 0n, value: 0n } : { ...b };
  }

  /** The scales of one instrument; throws naming an instrument the ledger was not given. */
  scales(instrument: number): MarketScales {
    const market = this.markets.get(instrument);
    if (!market) throw new RangeError(`Ledger: unknown instrument ${instrument}`);
    return market;
  }

  /** Cash put into a venue account (the equity the portfolio starts from). */
  deposit(venue: number, amount: number, tsUs: number): JournalEntry {
    if (!(Number.isFinite(amount) && amount > 0)) throw new RangeError(`Ledger.deposit: amount must be a finite number > 0, got ${amount}`);
    const units = this.moneyUnits(amount, `Ledger.deposit: amount ${amount}`);
    const entry: JournalEntry = {
      id: `deposit:${venue}:${++this.depositSeq}`,
      tsUs,
      postings: [
        { account: cashAccount(venue, this.quoteAsset), units, value: units },
        { account: capitalAccount(venue), units: -units, value: -units },
      ],
    };
    this.deposits += units;
    this.record(entry);
    return entry;
  }

  /** Posts one fill; returns null when this fill was already posted. */
  postFill(fill: BookableFill): JournalEntry | null {
    const market = this.markets.get(fill.instrument);
    if (!market) throw new RangeError(`Ledger.postFill: unknown instrument ${fill.instrument} (trade ${fill.tradeId})`);
    const { spec } = market;
    if (spec.quote !== this.quoteAsset) {
      throw new RangeError(`Ledger.postFill: instrument ${spec.symbol} is quoted in ${spec.quote}, the ledger reports in ${this.quoteAsset}`);
    }
    if (fill.side !== Side.BUY && fill.side !== Side.SELL) throw new RangeError(`Ledger.postFill: side must be BUY or SELL, got ${fill.side}`);
    if (!(fill.qty > 0 && Number.isFinite(fill.qty)) || !(fill.price > 0 && Number.isFinite(fill.price)) || !Number.isFinite(fill.fee)) {
      throw new RangeError(`Ledger.postFill: trade ${fill.tradeId} needs qty > 0, price > 0 and a finite fee, got qty=${fill.qty} price=${fill.price} fee=${fill.fee}`);
    }
    const qty = bookedUnits(fill.qty, market.qty, () => `Ledger.postFill: trade ${fill.tradeId} qty ${fill.qty} of ${spec.symbol} has more than ${market.qty} decimals (step ${spec.stepSize})`);
    const price = bookedUnits(fill.price, market.price, () => `Ledger.postFill: trade ${fill.tradeId} price ${fill.price} of ${spec.symbol} has more than the ${market.price} decimals the ledger books`);
    const fee = unitsFromNumber(fill.fee, this.moneyScale, 'half-even');
    const id = `fill:${fill.venue}:${fill.instrument}:${fill.tradeId}`;
    if (this.postedFills.has(id)) return null;

    const key = `${fill.venue}:${fill.instrument}`;
    const before = this.positionsByKey.get(key) ?? flatBooked(fill.venue, fill.instrument);
    const buy = fill.side === Side.BUY;
    // price units × qty units are money units: moneyScale = price decimals + qty decimals.
    const notional = price * qty;
    let closed = 0n;
    let removedCost = 0n;
    let realised = 0n;
    if (before.qty !== 0n && before.qty > 0n !== buy) {
      const open = absUnits(before.qty);
      closed = minUnits(open, qty);
      // The closed share of the cost basis; a full close takes all of it, so flat means cost 0.
      removedCost = closed === open ? before.cost : divideRounded(before.cost * closed, open);
      // A long closes by selling (proceeds in), a short by buying (paid out).
      const closedValue = closed * price;
      realised = (buy ? -closedValue : closedValue) - removedCost;
    }
    const openedValue = closed === 0n ? notional : (qty - closed) * price;
    const after: BookedPosition = {
      venue: fill.venue,
      instrument: fill.instrument,
      qty: buy ? before.qty + qty : before.qty - qty,
      cost: before.cost - removedCost + (buy ? openedValue : -openedValue),
      realisedPnl: before.realisedPnl + realised,
      fees: before.fees + fee,
    };
    const accounts = this.accountsOf(fill.venue, fill.instrument, key);
    const cashMove = buy ? -notional : notional;
    // Inventory value moves by the cost basis; the difference against cash is realised PnL.
    const postings: Posting[] = [
      { account: accounts.inventory, units: buy ? qty : -qty, value: after.cost - before.cost },
      { account: accounts.cash, units: cashMove, value: cashMove },
    ];
    if (closed > 0n) postings.push({ account: accounts.realised, units: -realised, value: -realised });
    if (fee !== 0n) {
      postings.push({ account: accounts.fees, units: fee, value: fee });
      postings.push({ account: accounts.cash, units: -fee, value: -fee });
    }
    const entry: JournalEntry = { id, tsUs: fill.receiveTsUs, postings };
    this.record(entry);
    this.postedFills.add(id);
    this.positionsByKey.set(key, after);
    return entry;
  }

  /** The exact booked state of one market (flat when nothing was booked). */
  booked(venue: number, instrument: number): BookedPosition {
    return this.positionsByKey.get(`${venue}:${instrument}`) ?? flatBooked(venue, instrument);
  }

  bookedPositions(): BookedPosition[] {
    return [...this.positionsByKey.values()];
  }

  /** One market as decimal text for a database snapshot (the history of risk's positions). */
  snapshot(venue: number, instrument: number): PositionSnapshot & { venue: number; instrument: number } {
    const p = this.booked(venue, instrument);
    const market = this.scales(instrument);
    return {
      venue,
      instrument,
      qty: formatUnits(p.qty, market.qty),
      avgPrice: formatUnits(this.averagePriceUnits(p), this.moneyScale),
      realisedPnl: formatUnits(p.realisedPnl, this.moneyScale),
    };
  }

  /** Average entry price as money-scale units (cost / qty, half to even); 0 when flat. */
  averagePriceUnits(p: BookedPosition): bigint {
    return p.qty === 0n ? 0n : divideRounded(p.cost * pow10(this.scales(p.instrument).qty), p.qty);
  }

  // ---- the double view, for limits and models ----------------------------------------------------

  position(venue: number, instrument: number): Position {
    return this.view(this.booked(venue, instrument));
  }

  positions(): Position[] {
    return this.bookedPositions().map((p) => this.view(p));
  }

  get totalDeposits(): number {
    return unitsToNumber(this.deposits, this.moneyScale);
  }

  realisedPnl(): number {
    return unitsToNumber(this.sumOverPositions((p) => p.realisedPnl), this.moneyScale);
  }

  fees(): number {
    return unitsToNumber(this.sumOverPositions((p) => p.fees), this.moneyScale);
  }

  cash(): number {
    return unitsToNumber(this.cashUnits(), this.moneyScale);
  }

  unrealisedPnl(mark: MarkPrice): number {
    return unitsToNumber(this.sumOverPositions((p) => this.marketValue(p, mark) - p.cost), this.moneyScale);
  }

  /** Cash plus every open position at its mark. */
  equity(mark: MarkPrice): number {
    return unitsToNumber(this.equityUnits(mark), this.moneyScale);
  }

  /** Σ |qty × mark| over open positions. */
  grossExposure(mark: MarkPrice): number {
    return unitsToNumber(this.sumOverPositions((p) => absUnits(this.marketValue(p, mark))), this.moneyScale);
  }

  // ---- the exact view, as text -------------------------------------------------------------------

  /** Every position and total as decimal text at its precision; marks that are missing leave the totals that need them null. */
  report(mark: MarkPrice): LedgerReport {
    const money = (units: bigint): string => formatUnits(units, this.moneyScale);
    let valued = true;
    let unrealised = 0n;
    const positions = this.bookedPositions().map((p): PositionReport => {
      const market = this.scales(p.instrument);
      const m = mark(p.venue, p.instrument);
      const usable = m !== undefined && Number.isFinite(m) && m > 0;
      const pnl = usable ? this.marketValue(p, mark) - p.cost : null;
      if (pnl === null) valued &&= p.qty === 0n;
      else unrealised += pnl;
      return {
        venue: p.venue,
        instrument: p.instrument,
        symbol: market.spec.symbol,
        qty: formatUnits(p.qty, market.qty),
        // cost / qty at the tick's decimals in one division (no double rounding).
        avgPrice: p.qty === 0n ? null : formatUnits(divideRounded(p.cost * pow10(market.qty), p.qty * pow10(this.moneyScale - market.tick)), market.tick),
        mark: usable ? formatUnits(unitsFromNumber(m, market.tick, 'half-even'), market.tick) : null,
        realisedPnl: money(p.realisedPnl),
        unrealisedPnl: pnl === null ? null : money(pnl),
        fees: money(p.fees),
      };
    });
    return {
      positions,
      realisedPnl: money(this.sumOverPositions((p) => p.realisedPnl)),
      unrealisedPnl: valued ? money(unrealised) : null,
      fees: money(this.sumOverPositions((p) => p.fees)),
      cash: money(this.cashUnits()),
      equity: valued ? money(this.equityUnits(mark)) : null,
      deposits: money(this.deposits),
    };
  }

  private view(p: BookedPosition): Position {
    const market = this.scales(p.instrument);
    return {
      venue: p.venue,
      instrument: p.instrument,
      qty: unitsToNumber(p.qty, market.qty),
      avgPrice: unitsToNumber(this.averagePriceUnits(p), this.moneyScale),
      realisedPnl: unitsToNumber(p.realisedPnl, this.moneyScale),
      fees: unitsToNumber(p.fees, this.moneyScale),
    };
  }

  private accountsOf(venue: number, instrument: number, key: string): MarketAccounts {
    let accounts = this.accountsByKey.get(key);
    if (accounts === undefined) {
      accounts = { cash: cashAccount(venue, this.quoteAsset), inventory: inventoryAccount(venue, instrument), realised: realisedAccount(venue, instrument), fees: feesAccount(venue) };
      this.accountsByKey.set(key, accounts);
    }
    return accounts;
  }

  private cashUnits(): bigint {
    let sum = 0n;
    for (const [account, b] of this.balances) if (account.startsWith('cash:')) sum += b.units;
    return sum;
  }

  private equityUnits(mark: MarkPrice): bigint {
    return this.cashUnits() + this.sumOverPositions((p) => this.marketValue(p, mark));
  }

  /** qty × mark in money units, half to even (0 when flat, without asking for a mark). */
  private marketValue(p: BookedPosition, mark: MarkPrice): bigint {
    if (p.qty === 0n) return 0n;
    const markUnits = unitsFromNumber(requireMark(mark, p, this.scales(p.instrument).qty), this.moneyScale, 'half-even');
    return divideRounded(p.qty * markUnits, pow10(this.scales(p.instrument).qty));
  }

  private sumOverPositions(amount: (p: BookedPosition) => bigint): bigint {
    let sum = 0n;
    for (const p of this.positionsByKey.values()) sum += amount(p);
    return sum;
  }

  private moneyUnits(amount: number, what: string): bigint {
    return bookedUnits(amount, this.moneyScale, () => `${what} has more than ${this.moneyScale} decimals`);
  }

  private record(entry: JournalEntry): void {
    for (const p of entry.postings) {
      const b = this.balances.get(p.account);
      if (b === undefined) this.balances.set(p.account, { units: p.units, value: p.value });
      else {
        b.units += p.units;
        b.value += p.value;
      }
    }
    this.entries.push(entry);
  }
}

/** A message double as exact units, or a RangeError with `why()` when it has more decimals than `scale`. */
function bookedUnits(value: number, scale: number, why: () => string): bigint {
  try {
    return unitsFromNumber(value, scale, 'exact');
  } catch (error) {
    throw new RangeError(why(), { cause: error });
  }
}

function requireMark(mark: MarkPrice, p: BookedPosition, qtyScale: number): number {
  const m = mark(p.venue, p.instrument);
  if (m === undefined || !(Number.isFinite(m) && m > 0)) {
    throw new RangeError(`no usable mark price for venue ${p.venue} instrument ${p.instrument} (position ${formatUnits(p.qty, qtyScale)}), got ${m}`);
  }
  return m;
}

/** Σ value of an entry's postings: exactly 0n for every balanced entry. */
export const entryImbalance = (entry: JournalEntry): bigint => entry.postings.reduce((s, p) => s + p.value, 0n);
