/**
 * A risk panic in words, with the rule that fired and its numbers in their units: the kill switch
 * makes this the reason of its HALTED transition (what the operator reads before resetting), and the
 * risk monitor logs the same words. A RiskPanic frame carries kind, value and threshold only; each
 * kind fixes the unit (see actors/risk/breaches.ts).
 */
import { PanicKind, type RiskPanic } from './messages.js';

/** Frames carry an infinite value (no price at all, a crossed book) as the largest finite double. */
const unbounded = (value: number): boolean => !Number.isFinite(value) || value >= Number.MAX_VALUE;

/** Up to `digits` decimals, no trailing zeros: 5363.25, 0.1234, 12. */
const num = (value: number, digits = 2): string => String(Number(value.toFixed(digits)));
const percent = (fraction: number): string => `${num(fraction * 100)}%`;

export function describePanic(p: Pick<RiskPanic, 'kind' | 'value' | 'threshold'>): string {
  switch (p.kind) {
    case PanicKind.DRAWDOWN:
      return `drawdown: equity ${percent(p.value)} below its peak, limit ${percent(p.threshold)}`;
    case PanicKind.DAILY_LOSS:
      return `daily loss: ${num(p.value)} lost since 00:00 UTC, limit ${num(p.threshold)}`;
    case PanicKind.STALE_QUOTES:
      if (unbounded(p.value)) return 'stale quotes: an open position has no price to value it';
      if (p.threshold === 0) return `stale quotes: the venue reports its market data stale (silent ${num(p.value, 0)} ms)`;
      return `stale quotes: no market data for ${num(p.value, 0)} ms, limit ${num(p.threshold, 0)} ms`;
    case PanicKind.SPREAD_BLOWOUT:
      if (unbounded(p.value)) return `spread blowout: the book is crossed or one-sided, limit ${num(p.threshold)} bps`;
      return `spread blowout: spread ${num(p.value)} bps, limit ${num(p.threshold)} bps`;
    case PanicKind.SLIPPAGE:
      return `slippage: a fill ${num(p.value)} bps worse than expected, limit ${num(p.threshold)} bps`;
    case PanicKind.API_ERROR_CASCADE:
      return `api error cascade: ${num(p.value, 0)} venue API errors within the window, limit ${num(p.threshold, 0)}`;
    case PanicKind.STOP_LOSS:
      return `stop loss: position ${num(p.value)} bps against its entry, stop at ${num(p.threshold)} bps`;
    case PanicKind.LEDGER_MISMATCH:
      return `ledger mismatch: the venue's balance drifted ${num(p.value, 8)} from the booked ledger, tolerance ${num(p.threshold, 8)} (asset and amounts in risk's status)`;
    default:
      return `panic kind ${String(p.kind)}: ${p.value} against ${p.threshold}`;
  }
}
