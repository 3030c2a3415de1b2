import { describe, expect, it } from 'vitest';
import { checkLedger, toUnits, type LedgerCheckSettings, type LedgerCheckState, type LedgerFacts } from '../../actors/risk/ledger-check.js';

const SETTINGS: LedgerCheckSettings = { tolerance: { BTC: 0.001 }, defaultFraction: 0.002, confirmations: 1 };
/** No fees booked: no fee allowance. */
const NO_FEES: LedgerFacts = { feesBooked: 0, unitPrice: () => undefined };
const booked = (entries: Record<string, number>) => new Map(Object.entries(entries));
const balances = (entries: Record<string, number>) => Object.entries(entries).map(([asset, total]) => ({ asset, total }));

/** Baselines venue 1 at {BTC 1 held, 0 booked} and {USDT 20000 held, 10000 booked}. */
function baselined(settings = SETTINGS): LedgerCheckState {
  const first = checkLedger(new Map(), 1, booked({ BTC: 0, USDT: 10_000 }), balances({ BTC: 1, USDT: 20_000 }), settings, NO_FEES);
  expect(first.baselined).toEqual(['BTC', 'USDT']);
  expect(first.drifts).toEqual([]);
  return first.state;
}

describe('ledger check: the ledger against the venue balances', () => {
  it('toUnits: exact 1e-8 units, sign kept, non-finite refused by name', () => {
    expect(toUnits(0.1 + 0.2, 'x')).toBe(30_000_000n);
    expect(toUnits(-61837.64, 'x')).toBe(-6_183_764_000_000n);
    expect(() => toUnits(Number.NaN, 'the booked BTC')).toThrow(/the booked BTC must be a finite number, got NaN/);
  });

  const cases: { name: string; booked: Record<string, number>; venue: Record<string, number>; drifts: string[]; mismatch: string[] }[] = [
    { name: 'a fill booked on both sides: no drift', booked: { BTC: 0.5, USDT: 5_000 }, venue: { BTC: 1.5, USDT: 15_000 }, drifts: [], mismatch: [] },
    { name: 'float noise of many fills: no drift', booked: { BTC: 0.1 + 0.2, USDT: 10_000 }, venue: { BTC: 1.3, USDT: 20_000 }, drifts: [], mismatch: [] },
    { name: 'BTC moved within its explicit tolerance (0.001)', booked: { BTC: 0, USDT: 10_000 }, venue: { BTC: 1.001, USDT: 20_000 }, drifts: [], mismatch: [] },
    { name: 'BTC moved one unit beyond its tolerance', booked: { BTC: 0, USDT: 10_000 }, venue: { BTC: 1.00100001, USDT: 20_000 }, drifts: ['BTC'], mismatch: ['BTC'] },
    { name: 'USDT within the default fraction (0.2 % of 20000 = 40)', booked: { BTC: 0, USDT: 10_000 }, venue: { BTC: 1, USDT: 20_039 }, drifts: [], mismatch: [] },
    { name: 'USDT withdrawn behind the bot (5000)', booked: { BTC: 0, USDT: 10_000 }, venue: { BTC: 1, USDT: 15_000 }, drifts: ['USDT'], mismatch: ['USDT'] },
    { name: 'a fill the ledger never saw: both assets', booked: { BTC: 0, USDT: 10_000 }, venue: { BTC: 1.5, USDT: 15_000 }, drifts: ['BTC', 'USDT'], mismatch: ['BTC', 'USDT'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = checkLedger(baselined(), 1, booked(c.booked), balances(c.venue), SETTINGS, NO_FEES);
      expect(result.drifts.map((d) => d.asset)).toEqual(c.drifts);
      expect(result.mismatches.map((d) => d.asset)).toEqual(c.mismatch);
    });
  }

  it('the reason names the venue, the asset, the booked and venue amounts and the tolerance', () => {
    const result = checkLedger(baselined(), 1, booked({ BTC: 0, USDT: 10_000 }), balances({ BTC: 1, USDT: 15_000 }), SETTINGS, NO_FEES);
    expect(result.mismatches[0]).toMatchObject({ venue: 1, asset: 'USDT', booked: '10000.00000000', venueAmount: '15000.00000000', drift: '-5000.00000000', tolerance: '30.00000000' });
    expect(result.mismatches[0]!.reason).toBe('venue 1 USDT: the ledger books 10000.00000000, the venue holds 15000.00000000 (10000.00000000 apart at the first check); drift -5000.00000000 is beyond the tolerance 30.00000000 (1 read(s) in a row)');
  });

  it('confirmations: a drift must be seen on consecutive reads; one back within tolerance starts over', () => {
    const settings = { ...SETTINGS, confirmations: 2 };
    const drifted = balances({ BTC: 1.5, USDT: 20_000 });
    const one = checkLedger(baselined(settings), 1, booked({ BTC: 0, USDT: 10_000 }), drifted, settings, NO_FEES);
    expect(one.drifts.map((d) => d.strikes)).toEqual([1]);
    expect(one.mismatches).toEqual([]);
    const healed = checkLedger(one.state, 1, booked({ BTC: 0.5, USDT: 10_000 }), drifted, settings, NO_FEES);
    expect(healed.drifts).toEqual([]);
    const again = checkLedger(healed.state, 1, booked({ BTC: 0.5, USDT: 10_000 }), balances({ BTC: 2, USDT: 20_000 }), settings, NO_FEES);
    expect(again.mismatches).toEqual([]);
    const twice = checkLedger(again.state, 1, booked({ BTC: 0.5, USDT: 10_000 }), balances({ BTC: 2, USDT: 20_000 }), settings, NO_FEES);
    expect(twice.mismatches.map((d) => [d.asset, d.strikes])).toEqual([['BTC', 2]]);
  });

  it('venues are baselined apart; assets the ledger keeps no account of are not compared', () => {
    const state = baselined();
    const other = checkLedger(state, 2, booked({ BTC: 0, USDT: 10_000 }), balances({ BTC: 7, USDT: 3, BNB: 1 }), SETTINGS, NO_FEES);
    expect(other.baselined).toEqual(['BTC', 'USDT']);
    expect(other.untracked).toEqual(['BNB']);
    expect(other.drifts).toEqual([]);
    expect(state.size).toBe(2);
    expect(other.state.size).toBe(4);
  });

  it('fees booked in quote that the venue took in the asset received drift both assets, within the fee allowance', () => {
    const strict = { tolerance: { BTC: 0, USDT: 0 }, defaultFraction: 0, confirmations: 1 };
    const start = checkLedger(new Map(), 1, booked({ BTC: 0, USDT: 10_000 }), balances({ BTC: 1, USDT: 20_000 }), strict, NO_FEES).state;
    // Bought 0.1 BTC at 30000: the venue kept 0.001 BTC as the fee, the ledger booked it as 30 USDT.
    const afterBuy = { booked: booked({ BTC: 0.1, USDT: 10_000 - 3000 - 30 }), venue: balances({ BTC: 1.099, USDT: 17_000 }) };
    const withFees: LedgerFacts = { feesBooked: 30, unitPrice: (asset) => (asset === 'USDT' ? 1 : asset === 'BTC' ? 30_000 : undefined) };
    expect(checkLedger(start, 1, afterBuy.booked, afterBuy.venue, strict, withFees).drifts).toEqual([]);
    const unexplained = checkLedger(start, 1, afterBuy.booked, afterBuy.venue, strict, NO_FEES);
    expect(unexplained.drifts.map((d) => [d.asset, d.drift])).toEqual([['BTC', '-0.00100000'], ['USDT', '30.00000000']]);
    // Beyond what the fees explain: found, and the reason says how much of the tolerance was for fees.
    const beyond = checkLedger(start, 1, afterBuy.booked, balances({ BTC: 1.09, USDT: 17_000 }), strict, withFees);
    expect(beyond.mismatches.map((d) => d.asset)).toEqual(['BTC']);
    expect(beyond.mismatches[0]!.reason).toContain('drift -0.01000000 is beyond the tolerance 0.00100000, 0.00100000 of it for fees');
  });

  it('refuses confirmations below 1 by name', () => {
    expect(() => checkLedger(new Map(), 1, booked({}), [], { ...SETTINGS, confirmations: 0 }, NO_FEES)).toThrow(/confirmations must be an integer >= 1, got 0/);
  });
});
