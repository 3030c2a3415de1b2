import { RejectReason } from '../../src/domain/messages.js';

/**
 * ccxt error -> typed reject reason. ccxt's errors form a class hierarchy
 * (OrderNotFound < InvalidOrder < ExchangeError; RateLimitExceeded and DDoSProtection <
 * NetworkError), so the error's prototype chain is walked from the most specific class and
 * the first known name wins. Only names are compared, so this file does not load ccxt.
 */
const REASON_BY_CLASS: Readonly<Record<string, RejectReason>> = {
  OrderNotFound: RejectReason.UNKNOWN_ORDER,
  DuplicateOrderId: RejectReason.DUPLICATE_ORDER,
  InsufficientFunds: RejectReason.INSUFFICIENT_FUNDS,
  InvalidOrder: RejectReason.VENUE_REJECTED,
  BadSymbol: RejectReason.UNKNOWN_INSTRUMENT,
  BadRequest: RejectReason.VENUE_REJECTED,
  RateLimitExceeded: RejectReason.RATE_LIMITED,
  DDoSProtection: RejectReason.RATE_LIMITED,
  AuthenticationError: RejectReason.AUTH_FAILED,
  PermissionDenied: RejectReason.AUTH_FAILED,
  AccountSuspended: RejectReason.AUTH_FAILED,
  NetworkError: RejectReason.VENUE_UNAVAILABLE,
  ExchangeError: RejectReason.VENUE_REJECTED,
};

/** Class names from the error's own class up to Error, most specific first. */
export function errorClassChain(error: unknown): string[] {
  const names: string[] = [];
  let proto: unknown = typeof error === 'object' && error !== null ? Object.getPrototypeOf(error) : null;
  while (proto && proto !== Object.prototype) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === 'string' && name !== '') names.push(name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

/** The reject reason for a failed venue call; anything unrecognised is VENUE_REJECTED. */
export function rejectReasonForError(error: unknown): RejectReason {
  for (const name of errorClassChain(error)) {
    const reason = REASON_BY_CLASS[name];
    if (reason !== undefined) return reason;
  }
  return RejectReason.VENUE_REJECTED;
}

/** A 429/418 or a ccxt rate-limit error: every REST call must pause, not just this one. */
export function isRateLimitError(error: unknown): boolean {
  const chain = errorClassChain(error);
  return chain.includes('RateLimitExceeded') || chain.includes('DDoSProtection');
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
