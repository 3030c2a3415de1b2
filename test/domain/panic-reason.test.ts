import { describe, expect, it } from 'vitest';
import { PanicKind } from '../../src/domain/messages.js';
import { describePanic } from '../../src/domain/panic-reason.js';

// What the operator reads as the HALTED transition's reason: the rule that fired, with its numbers in
// their units (the chaos probe read "5363 breached 10000" for a venue-stale panic with limit 5000 ms).
const cases: Array<[string, { kind: PanicKind; value: number; threshold: number }, string]> = [
  ['drawdown as percentages', { kind: PanicKind.DRAWDOWN, value: 0.1234, threshold: 0.1 }, 'drawdown: equity 12.34% below its peak, limit 10%'],
  ['daily loss in quote currency', { kind: PanicKind.DAILY_LOSS, value: 523.456, threshold: 500 }, 'daily loss: 523.46 lost since 00:00 UTC, limit 500'],
  ['stale quotes, the venue\'s rule', { kind: PanicKind.STALE_QUOTES, value: 5363.4, threshold: 5000 }, 'stale quotes: no market data for 5363 ms, limit 5000 ms'],
  ['stale quotes, the book-age rule', { kind: PanicKind.STALE_QUOTES, value: 10_001, threshold: 10_000 }, 'stale quotes: no market data for 10001 ms, limit 10000 ms'],
  ['stale quotes, a position without a price', { kind: PanicKind.STALE_QUOTES, value: Number.MAX_VALUE, threshold: 0 }, 'stale quotes: an open position has no price to value it'],
  ['stale quotes, a venue notice without numbers', { kind: PanicKind.STALE_QUOTES, value: 12, threshold: 0 }, 'stale quotes: the venue reports its market data stale (silent 12 ms)'],
  ['spread blowout in bps', { kind: PanicKind.SPREAD_BLOWOUT, value: 1000.04, threshold: 500 }, 'spread blowout: spread 1000.04 bps, limit 500 bps'],
  ['spread blowout on a crossed book', { kind: PanicKind.SPREAD_BLOWOUT, value: Number.MAX_VALUE, threshold: 500 }, 'spread blowout: the book is crossed or one-sided, limit 500 bps'],
  ['slippage in bps', { kind: PanicKind.SLIPPAGE, value: 90, threshold: 50 }, 'slippage: a fill 90 bps worse than expected, limit 50 bps'],
  ['api error cascade as counts', { kind: PanicKind.API_ERROR_CASCADE, value: 3, threshold: 3 }, 'api error cascade: 3 venue API errors within the window, limit 3'],
  ['stop loss in bps', { kind: PanicKind.STOP_LOSS, value: 1000, threshold: 500 }, 'stop loss: position 1000 bps against its entry, stop at 500 bps'],
  ['ledger mismatch in asset units', { kind: PanicKind.LEDGER_MISMATCH, value: 0.012, threshold: 0.0002 }, "ledger mismatch: the venue's balance drifted 0.012 from the booked ledger, tolerance 0.0002 (asset and amounts in risk's status)"],
];

describe('a risk panic in words', () => {
  for (const [name, panic, words] of cases) {
    it(name, () => expect(describePanic(panic)).toBe(words));
  }
});
