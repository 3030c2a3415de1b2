/**
 * Risk's ledger against the venue's balances (docs/risk.md, "Ledger versus venue"). Pure: the
 * actor passes what its ledger books per asset and what the venue reported.
 *
 * The ledger models the capital of the config and what our fills did to it, not everything the
 * account held before the bot started; so the first balances of a venue set, per asset, the
 * offset `venue − booked`. From then on a fill books the same change on both sides, and the
 * drift `(venue − booked) − offset` must stay within the asset's tolerance. A drift beyond it
 * for `confirmations` reads in a row (one read may race a fill still on its way to the ledger)
 * is a mismatch that pauses trading: never overwritten, since a balance that moved behind the
 * bot's back (a withdrawal, a manual trade, a fill the bot never saw) means risk's numbers are
 * wrong. Amounts are compared exactly, in integer units of 1e-8 (the venue's precision).
 *
 * Fees: a fill's fee reaches the ledger in the quote currency, while a spot venue takes it
 * from the asset received (the base on a buy). So the quote and each base may drift by up to
 * the fees booked since the baseline (valued at the asset's price); that allowance is added to
 * the tolerance, and named in the reason.
 */
import { UNIT, formatDecimal } from '../venue-sim/decimal.js';

export interface LedgerCheckSettings {
  /** Asset -> largest drift accepted, in the asset's units. */
  tolerance: Readonly<Record<string, number>>;
  /** For assets not named in `tolerance`: this fraction of the venue's amount. */
  defaultFraction: number;
  /** Reads in a row beyond tolerance before a mismatch is declared (>= 1). */
  confirmations: number;
}

interface AssetState {
  /** venue − booked at the first read, in units. */
  offset: bigint;
  /** Fees the ledger had booked on the venue at the first read (quote currency). */
  feesAtBaseline: number;
  /** Reads in a row with the drift beyond tolerance. */
  strikes: number;
}

/** `venue:asset` -> its baseline and strikes. */
export type LedgerCheckState = ReadonlyMap<string, AssetState>;

export interface LedgerDrift {
  venue: number;
  asset: string;
  booked: string;
  venueAmount: string;
  offset: string;
  drift: string;
  tolerance: string;
  /** Part of `tolerance` allowed for fees booked in quote that the venue may have taken in this asset. */
  feeAllowance: string;
  strikes: number;
  /** The whole finding in one sentence, for the panic's log line and event. */
  reason: string;
}

export interface LedgerCheckResult {
  state: LedgerCheckState;
  /** Assets seen for the first time: their offset was set. */
  baselined: string[];
  /** Beyond tolerance on this read (not yet confirmed, or confirmed). */
  drifts: LedgerDrift[];
  /** Beyond tolerance `confirmations` reads in a row: pause trading. */
  mismatches: LedgerDrift[];
  /** Venue assets the ledger keeps no account of (not compared). */
  untracked: string[];
}

/** An amount as integer units of 1e-8, rounded to the nearest unit. Throws on a non-finite amount, naming it. */
export function toUnits(amount: number, what: string): bigint {
  if (!Number.isFinite(amount)) throw new RangeError(`ledger check: ${what} must be a finite number, got ${amount}`);
  const text = Math.abs(amount).toFixed(8);
  const [whole, fraction = ''] = text.split('.');
  const units = BigInt(whole!) * UNIT + BigInt(fraction.padEnd(8, '0'));
  return amount < 0 ? -units : units;
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** What the ledger knows besides the amounts: its fees on the venue and what one unit of an asset is worth in quote. */
export interface LedgerFacts {
  /** Fees booked on this venue so far, quote currency. */
  feesBooked: number;
  /** Quote per unit of the asset (1 for the quote itself); undefined when no price is known (no fee allowance). */
  unitPrice(asset: string): number | undefined;
}

function feeAllowanceUnits(asset: string, feesSinceBaseline: number, facts: LedgerFacts): bigint {
  const price = facts.unitPrice(asset);
  if (!(feesSinceBaseline > 0) || price === undefined || !(price > 0)) return 0n;
  return toUnits(feesSinceBaseline / price, `the fee allowance of ${asset}`);
}

function toleranceUnits(asset: string, venueUnits: bigint, settings: LedgerCheckSettings): bigint {
  const explicit = settings.tolerance[asset];
  if (explicit !== undefined) return toUnits(explicit, `tolerance of ${asset}`);
  const partsPerBillion = BigInt(Math.round(settings.defaultFraction * 1e9));
  return (abs(venueUnits) * partsPerBillion) / 1_000_000_000n;
}

export function checkLedger(
  state: LedgerCheckState,
  venue: number,
  booked: ReadonlyMap<string, number>,
  balances: ReadonlyArray<{ asset: string; total: number }>,
  settings: LedgerCheckSettings,
  facts: LedgerFacts,
): LedgerCheckResult {
  if (!(Number.isInteger(settings.confirmations) && settings.confirmations >= 1)) throw new RangeError(`ledger check: confirmations must be an integer >= 1, got ${settings.confirmations}`);
  const next = new Map(state);
  const result: LedgerCheckResult = { state: next, baselined: [], drifts: [], mismatches: [], untracked: [] };
  for (const { asset, total } of balances) {
    const bookedAmount = booked.get(asset);
    if (bookedAmount === undefined) {
      result.untracked.push(asset);
      continue;
    }
    const key = `${venue}:${asset}`;
    const bookedUnits = toUnits(bookedAmount, `the booked ${asset}`);
    const venueUnits = toUnits(total, `venue ${venue}'s ${asset} balance`);
    const known = next.get(key);
    if (known === undefined) {
      next.set(key, { offset: venueUnits - bookedUnits, feesAtBaseline: facts.feesBooked, strikes: 0 });
      result.baselined.push(asset);
      continue;
    }
    const drift = venueUnits - bookedUnits - known.offset;
    const allowance = feeAllowanceUnits(asset, facts.feesBooked - known.feesAtBaseline, facts);
    const tolerance = toleranceUnits(asset, venueUnits, settings) + allowance;
    if (abs(drift) <= tolerance) {
      next.set(key, { ...known, strikes: 0 });
      continue;
    }
    const strikes = known.strikes + 1;
    next.set(key, { ...known, strikes });
    const finding: LedgerDrift = {
      venue, asset, booked: formatDecimal(bookedUnits), venueAmount: formatDecimal(venueUnits), offset: formatDecimal(known.offset), drift: formatDecimal(drift), tolerance: formatDecimal(tolerance),
      feeAllowance: formatDecimal(allowance), strikes, reason: '',
    };
    const fees = allowance > 0n ? `, ${finding.feeAllowance} of it for fees` : '';
    finding.reason = `venue ${venue} ${asset}: the ledger books ${finding.booked}, the venue holds ${finding.venueAmount} (${finding.offset} apart at the first check); drift ${finding.drift} is beyond the tolerance ${finding.tolerance}${fees} (${strikes} read(s) in a row)`;
    result.drifts.push(finding);
    if (strikes >= settings.confirmations) result.mismatches.push(finding);
  }
  return result;
}
