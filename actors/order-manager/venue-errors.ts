/**
 * Which venue errors may be retried, and how.
 *
 * The danger is a submit whose outcome is unknown (timeout, dropped connection after the
 * request left): the venue may have opened the order. Retrying blindly opens a second one if
 * the venue ever accepts a reused client id (after the first closed). So an unknown outcome is
 * resolved by querying the order by its client id first; only "not found" allows a resubmit.
 */
import { RejectReason } from '../../src/domain/messages.js';

export const VenueErrorKind = {
  /** No reply in time: the request may or may not have reached the venue. */
  TIMEOUT: 'TIMEOUT',
  /** Connection failed or dropped; whether the request was processed is unknown. */
  NETWORK: 'NETWORK',
  RATE_LIMITED: 'RATE_LIMITED',
  /** Maintenance, 5xx, overloaded: the request was not processed. */
  UNAVAILABLE: 'UNAVAILABLE',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  /** The venue refused the order's parameters (filters, precision, market closed...). */
  INVALID_ORDER: 'INVALID_ORDER',
  /** The client id is already in use: an earlier attempt of this same order got through. */
  DUPLICATE_ORDER: 'DUPLICATE_ORDER',
  UNKNOWN_ORDER: 'UNKNOWN_ORDER',
  AUTH_FAILED: 'AUTH_FAILED',
  /** Timestamp outside recvWindow / bad nonce: the request was refused unprocessed. */
  CLOCK_SKEW: 'CLOCK_SKEW',
  UNKNOWN: 'UNKNOWN',
} as const;
export type VenueErrorKind = (typeof VenueErrorKind)[keyof typeof VenueErrorKind];

export type VenueOperation = 'submit' | 'cancel' | 'query';

export type RetryAction =
  /** Outcome unknown: query by client id, resubmit only if the venue has never seen it. */
  | 'QUERY_THEN_DECIDE'
  /** Not processed: the same request may be sent again after the delay. */
  | 'RETRY_AFTER_BACKOFF'
  /** Retrying cannot help: report the reason. */
  | 'FINAL';

export interface RetryDecision {
  action: RetryAction;
  reason: RejectReason;
  /** Minimum wait before the next attempt (venue's Retry-After when known). */
  retryAfterMs: number;
}

export interface RetryPolicy {
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Attempts after which a retryable error becomes final. */
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseBackoffMs: 250, maxBackoffMs: 30_000, maxAttempts: 5 };

function backoffMs(policy: RetryPolicy, attempt: number, venueRetryAfterMs: number): number {
  const exponential = Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(exponential, venueRetryAfterMs);
}

/**
 * @param attempt 1 for the first failure of this request.
 * @param venueRetryAfterMs the venue's Retry-After (0 when not given).
 */
export function classifyVenueError(
  kind: VenueErrorKind,
  operation: VenueOperation,
  attempt: number,
  venueRetryAfterMs = 0,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): RetryDecision {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`classifyVenueError: attempt must be an integer >= 1, got ${attempt}`);
  const retry = (reason: RejectReason): RetryDecision =>
    attempt >= policy.maxAttempts
      ? { action: 'FINAL', reason, retryAfterMs: 0 }
      : { action: 'RETRY_AFTER_BACKOFF', reason, retryAfterMs: backoffMs(policy, attempt, venueRetryAfterMs) };
  const final = (reason: RejectReason): RetryDecision => ({ action: 'FINAL', reason, retryAfterMs: 0 });
  const query = (reason: RejectReason): RetryDecision => ({ action: 'QUERY_THEN_DECIDE', reason, retryAfterMs: backoffMs(policy, 1, venueRetryAfterMs) });

  switch (kind) {
    case 'TIMEOUT':
    case 'NETWORK':
      // Cancels and queries are idempotent (a second cancel gets UNKNOWN_ORDER); submits are not.
      return operation === 'submit' ? query(RejectReason.VENUE_UNAVAILABLE) : retry(RejectReason.VENUE_UNAVAILABLE);
    case 'RATE_LIMITED':
      return retry(RejectReason.RATE_LIMITED);
    case 'UNAVAILABLE':
    case 'CLOCK_SKEW':
      return retry(RejectReason.VENUE_UNAVAILABLE);
    case 'INSUFFICIENT_FUNDS':
      return final(RejectReason.INSUFFICIENT_FUNDS);
    case 'INVALID_ORDER':
      return final(RejectReason.VENUE_REJECTED);
    case 'AUTH_FAILED':
      return final(RejectReason.AUTH_FAILED);
    case 'DUPLICATE_ORDER':
      // Our own earlier attempt landed: find it rather than fail the order.
      return operation === 'submit' ? query(RejectReason.DUPLICATE_ORDER) : final(RejectReason.DUPLICATE_ORDER);
    case 'UNKNOWN_ORDER':
      // A cancel or query of an order the venue does not know: it filled, expired, or never arrived.
      return operation === 'query' ? final(RejectReason.UNKNOWN_ORDER) : query(RejectReason.UNKNOWN_ORDER);
    case 'UNKNOWN':
      // Unknown failure of a submit is an unknown outcome; of anything else, final.
      return operation === 'submit' ? query(RejectReason.VENUE_REJECTED) : final(RejectReason.VENUE_REJECTED);
  }
}

/**
 * ccxt error class names (most specific first, as the exchange actor walks the prototype chain)
 * to a kind. Only names are used, so this module does not load ccxt.
 */
const CCXT_KINDS: Readonly<Record<string, VenueErrorKind>> = {
  RequestTimeout: 'TIMEOUT',
  RateLimitExceeded: 'RATE_LIMITED',
  DDoSProtection: 'RATE_LIMITED',
  OnMaintenance: 'UNAVAILABLE',
  ExchangeNotAvailable: 'UNAVAILABLE',
  InvalidNonce: 'CLOCK_SKEW',
  NetworkError: 'NETWORK',
  InsufficientFunds: 'INSUFFICIENT_FUNDS',
  DuplicateOrderId: 'DUPLICATE_ORDER',
  OrderNotFound: 'UNKNOWN_ORDER',
  InvalidOrder: 'INVALID_ORDER',
  BadSymbol: 'INVALID_ORDER',
  BadRequest: 'INVALID_ORDER',
  OperationRejected: 'INVALID_ORDER',
  AuthenticationError: 'AUTH_FAILED',
  PermissionDenied: 'AUTH_FAILED',
  AccountSuspended: 'AUTH_FAILED',
};

export function venueErrorKindFromCcxt(classNames: readonly string[]): VenueErrorKind {
  for (const name of classNames) {
    const kind = CCXT_KINDS[name];
    if (kind !== undefined) return kind;
  }
  return 'UNKNOWN';
}
