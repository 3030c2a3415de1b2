/**
 * Positions and PnL by double-entry accounting.
 *
 * Every fill posts a balanced journal entry (Σ value of postings = 0, values in the quote
 * currency, debit positive). Accounts, per venue:
 *
 *   cash:<venue>:<quote>          units = value = quote currency held
 *   inventory:<venue>:<instrument> units = signed base qty, value = signed cost basis (qty × avg)
 *   realised:<venue>:<instrument>  income, credit balance: realised PnL = −balance
 *   fees:<venue>                   expense, debit balance
 *   capital:<venue>                equity contributed by deposits, credit balance
 *
 * Positions use the average-cost method: adding to a position moves the average entry price;
 * reducing realises (price − average) × closed qty × direction; a fill larger than the position
 * closes it and opens the remainder on the other side at the fill price.
 *
 * From Σ balances = 0 follows the identity the tests check:
 *   equity = cash + Σ qty × mark = deposits + realised + unrealised − fees.
 *
 * Quantities are kept on each instrument's step grid (integer steps) so that closing a position
 * returns it to exactly zero. One reporting currency per ledger: fills of instruments quoted in
 * another currency are refused (cross-currency conversion is not modelled).
 */
import { Side, type Fill } from '../../src/domain/messages.js';
import { incrementCount, multipleOf, type InstrumentSpec } from '../../src/domain/instrument.js';

export interface Posting {
  account: string;
  /** Change in the account's own unit (base qty for inventory, quote currency otherwise). */
  units: number;
  /** Change in value, quote currency, debit positive. */
  value: number;
}

export interface JournalEntry {
  /** `fill:<venue>:<instrument>:<tradeId>` or `deposit:<venue>:<seq>`. */
  id: string;
  tsUs: number;
  postings: Posting[];
}

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

export interface Position extends PositionState {
  venue: number;
  instrument: number;
  realisedPnl: number;
  fees: number;
}

export const cashAccount = (venue: number, asset: string): string => `cash:${venue}:${asset}`;
export const inventoryAccount = (venue: number, instrument: number): string => `inventory:${venue}:${instrument}`;
export const realisedAccount = (venue: number, instrument: number): string => `realised:${venue}:${instrument}`;
export const feesAccount = (venue: number): string => `fees:${venue}`;
export const capitalAccount = (venue: number): string => `capital:${venue}`;

export type MarkPrice = (venue: number, instrument: number) => number | undefined;

interface Balance {
  units: number;
  value: number;
}

/**
 * The ledger of one portfolio. It owns its journal and balances (no I/O, no clock: times come
 * in with the postings). Fills are idempotent by (venue, instrument, tradeId): a fill delivered
 * twice (REST and stream, or replay after reconciliation) posts once.
 */
export class Ledger {
  readonly quoteAsset: string;
  private readonly instruments: ReadonlyMap<number, InstrumentSpec>;
  private readonly balances = new Map<string, Balance>();
  private readonly positionsByKey = new Map<string, Position>();
  private readonly postedFills = new Set<string>();
  private readonly entries: JournalEntry[] = [];
  private deposits = 0;
  private depositSeq = 0;

  constructor(quoteAsset: string, instruments: readonly InstrumentSpec[]) {
    if (!quoteAsset) throw new RangeError('Ledger: quoteAsset must be a non-empty string');
    this.quoteAsset = quoteAsset;
    this.instruments = new Map(instruments.map((i) => [i.id, i]));
  }

  get journal(): readonly JournalEntry[] {
    return this.entries;
  }

  balance(account: string): Balance {
    return this.balances.get(account) ?? { units: 0, value: 0 };
  }

  /** Cash put into a venue account (the equity the portfolio starts from). */
  deposit(venue: number, amount: number, tsUs: number): JournalEntry {
    if (!(Number.isFinite(amount) && amount > 0)) throw new RangeError(`Ledger.deposit: amount must be a finite number > 0, got ${amount}`);
    const entry: JournalEntry = {
      id: `deposit:${venue}:${++this.depositSeq}`,
      tsUs,
      postings: [
        { account: cashAccount(venue, this.quoteAsset), units: amount, value: amount },
        { account: capitalAccount(venue), units: -amount, value: -amount },
      ],
    };
    this.deposits += amount;
    this.record(entry);
    return entry;
  }

  /** Posts one fill; returns null when this fill was already posted. */
  postFill(fill: Fill): JournalEntry | null {
    const spec = this.instruments.get(fill.instrument);
    if (!spec) throw new RangeError(`Ledger.postFill: unknown instrument ${fill.instrument} (trade ${fill.tradeId})`);
    if (spec.quote !== this.quoteAsset) {
      throw new RangeError(`Ledger.postFill: instrument ${spec.symbol} is quoted in ${spec.quote}, the ledger reports in ${this.quoteAsset}`);
    }
    if (fill.side !== Side.BUY && fill.side !== Side.SELL) throw new RangeError(`Ledger.postFill: side must be BUY or SELL, got ${fill.side}`);
    if (!(fill.qty > 0 && Number.isFinite(fill.qty)) || !(fill.price > 0 && Number.isFinite(fill.price)) || !Number.isFinite(fill.fee)) {
      throw new RangeError(`Ledger.postFill: trade ${fill.tradeId} needs qty > 0, price > 0 and a finite fee, got qty=${fill.qty} price=${fill.price} fee=${fill.fee}`);
    }
    const id = `fill:${fill.venue}:${fill.instrument}:${fill.tradeId}`;
    if (this.postedFills.has(id)) return null;

    const key = `${fill.venue}:${fill.instrument}`;
    const before = this.positionsByKey.get(key) ?? { venue: fill.venue, instrument: fill.instrument, qty: 0, avgPrice: 0, realisedPnl: 0, fees: 0 };
    const effect = applyFillToPosition(before, fill.side, fill.qty, fill.price, spec.stepSize);
    const direction = fill.side === Side.BUY ? 1 : -1;
    const cash = cashAccount(fill.venue, this.quoteAsset);
    const inventory = inventoryAccount(fill.venue, fill.instrument);

    // Inventory value moves by the cost basis: the closed part leaves at the old average, the
    // opened part enters at the fill price; the difference against cash is realised PnL.
    const openedQty = fill.qty - effect.closedQty;
    const inventoryValue = direction * (effect.closedQty * before.avgPrice + openedQty * fill.price);
    const postings: Posting[] = [
      { account: inventory, units: direction * fill.qty, value: inventoryValue },
      { account: cash, units: -direction * fill.qty * fill.price, value: -direction * fill.qty * fill.price },
    ];
    if (effect.closedQty > 0) postings.push({ account: realisedAccount(fill.venue, fill.instrument), units: -effect.realisedPnl, value: -effect.realisedPnl });
    if (fill.fee !== 0) {
      postings.push({ account: feesAccount(fill.venue), units: fill.fee, value: fill.fee });
      postings.push({ account: cash, units: -fill.fee, value: -fill.fee });
    }
    const entry: JournalEntry = { id, tsUs: fill.receiveTsUs, postings };
    this.record(entry);
    this.postedFills.add(id);
    this.positionsByKey.set(key, {
      venue: fill.venue,
      instrument: fill.instrument,
      ...effect.position,
      realisedPnl: before.realisedPnl + effect.realisedPnl,
      fees: before.fees + fill.fee,
    });
    // Inventory units are the position on the step grid; pin them there so float sums of many
    // fills cannot drift off it (the posting itself already moved them by exactly this amount).
    const inv = this.balance(inventory);
    this.balances.set(inventory, { units: effect.position.qty, value: inv.value });
    return entry;
  }

  /**
   * A position known from before a restart (a database snapshot): inventory at its cost basis, the
   * realised PnL it had, and cash the difference, so that equity = deposits + realised + unrealised
   * holds as before. Only into a market the ledger has not booked anything in yet.
   */
  restorePosition(venue: number, instrument: number, restored: { qty: number; avgPrice: number; realisedPnl: number }, tsUs: number): JournalEntry {
    const spec = this.instruments.get(instrument);
    if (!spec) throw new RangeError(`Ledger.restorePosition: unknown instrument ${instrument}`);
    const key = `${venue}:${instrument}`;
    if (this.positionsByKey.has(key)) throw new RangeError(`Ledger.restorePosition: venue ${venue} instrument ${instrument} already has a position here`);
    const { avgPrice, realisedPnl } = restored;
    if (![restored.qty, avgPrice, realisedPnl].every(Number.isFinite) || avgPrice < 0) {
      throw new RangeError(`Ledger.restorePosition: qty, realisedPnl finite and avgPrice >= 0 needed, got ${JSON.stringify(restored)}`);
    }
    const qty = multipleOf(incrementCount(restored.qty, spec.stepSize), spec.stepSize);
    const cost = qty * avgPrice;
    const postings: Posting[] = [
      { account: inventoryAccount(venue, instrument), units: qty, value: cost },
      { account: realisedAccount(venue, instrument), units: -realisedPnl, value: -realisedPnl },
      { account: cashAccount(venue, this.quoteAsset), units: realisedPnl - cost, value: realisedPnl - cost },
    ];
    const entry: JournalEntry = { id: `restore:${venue}:${instrument}`, tsUs, postings };
    this.record(entry);
    this.positionsByKey.set(key, { venue, instrument, qty, avgPrice: qty === 0 ? 0 : avgPrice, realisedPnl, fees: 0 });
    return entry;
  }

  /** A fill already contained in a restored position: posting it again (a venue replay) does nothing. */
  markFillPosted(venue: number, instrument: number, tradeId: number): void {
    this.postedFills.add(`fill:${venue}:${instrument}:${tradeId}`);
  }

  position(venue: number, instrument: number): Position {
    return this.positionsByKey.get(`${venue}:${instrument}`) ?? { venue, instrument, qty: 0, avgPrice: 0, realisedPnl: 0, fees: 0 };
  }

  positions(): Position[] {
    return [...this.positionsByKey.values()];
  }

  get totalDeposits(): number {
    return this.deposits;
  }

  realisedPnl(): number {
    let sum = 0;
    for (const p of this.positionsByKey.values()) sum += p.realisedPnl;
    return sum;
  }

  fees(): number {
    let sum = 0;
    for (const p of this.positionsByKey.values()) sum += p.fees;
    return sum;
  }

  cash(): number {
    let sum = 0;
    for (const [account, b] of this.balances) if (account.startsWith('cash:')) sum += b.units;
    return sum;
  }

  unrealisedPnl(mark: MarkPrice): number {
    let sum = 0;
    for (const p of this.positionsByKey.values()) if (p.qty !== 0) sum += unrealisedPnl(p, requireMark(mark, p));
    return sum;
  }

  /** Cash plus every open position at its mark. */
  equity(mark: MarkPrice): number {
    let sum = this.cash();
    for (const p of this.positionsByKey.values()) if (p.qty !== 0) sum += p.qty * requireMark(mark, p);
    return sum;
  }

  /** Σ |qty × mark| over open positions. */
  grossExposure(mark: MarkPrice): number {
    let sum = 0;
    for (const p of this.positionsByKey.values()) if (p.qty !== 0) sum += Math.abs(p.qty * requireMark(mark, p));
    return sum;
  }

  private record(entry: JournalEntry): void {
    for (const p of entry.postings) {
      const b = this.balance(p.account);
      this.balances.set(p.account, { units: b.units + p.units, value: b.value + p.value });
    }
    this.entries.push(entry);
  }
}

function requireMark(mark: MarkPrice, p: Position): number {
  const m = mark(p.venue, p.instrument);
  if (m === undefined || !(Number.isFinite(m) && m > 0)) {
    throw new RangeError(`no usable mark price for venue ${p.venue} instrument ${p.instrument} (position ${p.qty}), got ${m}`);
  }
  return m;
}

/** Σ value of an entry's postings: zero for every balanced entry. */
export const entryImbalance = (entry: JournalEntry): number => entry.postings.reduce((s, p) => s + p.value, 0);
