import { describe, expect, it } from 'vitest';
import { RejectReason } from '../../src/domain/messages.js';
import { DEFAULT_RETRY_POLICY, classifyVenueError, venueErrorKindFromCcxt, type VenueErrorKind, type VenueOperation } from '../../actors/order-manager/venue-errors.js';

describe('which venue errors are safe to retry', () => {
  it.each<[VenueErrorKind, VenueOperation, string, RejectReason]>([
    ['TIMEOUT', 'submit', 'QUERY_THEN_DECIDE', RejectReason.VENUE_UNAVAILABLE],
    ['NETWORK', 'submit', 'QUERY_THEN_DECIDE', RejectReason.VENUE_UNAVAILABLE],
    ['TIMEOUT', 'cancel', 'RETRY_AFTER_BACKOFF', RejectReason.VENUE_UNAVAILABLE],
    ['TIMEOUT', 'query', 'RETRY_AFTER_BACKOFF', RejectReason.VENUE_UNAVAILABLE],
    ['RATE_LIMITED', 'submit', 'RETRY_AFTER_BACKOFF', RejectReason.RATE_LIMITED],
    ['UNAVAILABLE', 'submit', 'RETRY_AFTER_BACKOFF', RejectReason.VENUE_UNAVAILABLE],
    ['CLOCK_SKEW', 'submit', 'RETRY_AFTER_BACKOFF', RejectReason.VENUE_UNAVAILABLE],
    ['INSUFFICIENT_FUNDS', 'submit', 'FINAL', RejectReason.INSUFFICIENT_FUNDS],
    ['INVALID_ORDER', 'submit', 'FINAL', RejectReason.VENUE_REJECTED],
    ['AUTH_FAILED', 'cancel', 'FINAL', RejectReason.AUTH_FAILED],
    ['DUPLICATE_ORDER', 'submit', 'QUERY_THEN_DECIDE', RejectReason.DUPLICATE_ORDER],
    ['UNKNOWN_ORDER', 'cancel', 'QUERY_THEN_DECIDE', RejectReason.UNKNOWN_ORDER],
    ['UNKNOWN_ORDER', 'query', 'FINAL', RejectReason.UNKNOWN_ORDER],
    ['UNKNOWN', 'submit', 'QUERY_THEN_DECIDE', RejectReason.VENUE_REJECTED],
    ['UNKNOWN', 'cancel', 'FINAL', RejectReason.VENUE_REJECTED],
  ])('%s on %s -> %s', (kind, op, action, reason) => {
    const d = classifyVenueError(kind, op, 1);
    expect(d.action).toBe(action);
    expect(d.reason).toBe(reason);
  });

  it('backs off exponentially, honours the venue Retry-After, and gives up after maxAttempts', () => {
    expect(classifyVenueError('RATE_LIMITED', 'submit', 1).retryAfterMs).toBe(250);
    expect(classifyVenueError('RATE_LIMITED', 'submit', 3).retryAfterMs).toBe(1000);
    expect(classifyVenueError('RATE_LIMITED', 'submit', 1, 60_000).retryAfterMs).toBe(60_000);
    expect(classifyVenueError('RATE_LIMITED', 'submit', 4, 0, { ...DEFAULT_RETRY_POLICY, maxBackoffMs: 1500 }).retryAfterMs).toBe(1500);
    expect(classifyVenueError('RATE_LIMITED', 'submit', DEFAULT_RETRY_POLICY.maxAttempts).action).toBe('FINAL');
    expect(() => classifyVenueError('TIMEOUT', 'submit', 0)).toThrow(/attempt must be an integer >= 1/);
  });

  it('maps ccxt error classes by the most specific known name in the chain', () => {
    expect(venueErrorKindFromCcxt(['RequestTimeout', 'NetworkError', 'OperationFailed', 'BaseError'])).toBe('TIMEOUT');
    expect(venueErrorKindFromCcxt(['RateLimitExceeded', 'NetworkError'])).toBe('RATE_LIMITED');
    expect(venueErrorKindFromCcxt(['OrderNotFound', 'InvalidOrder', 'ExchangeError'])).toBe('UNKNOWN_ORDER');
    expect(venueErrorKindFromCcxt(['OrderImmediatelyFillable', 'InvalidOrder', 'ExchangeError'])).toBe('INVALID_ORDER');
    expect(venueErrorKindFromCcxt(['InsufficientFunds', 'ExchangeError'])).toBe('INSUFFICIENT_FUNDS');
    expect(venueErrorKindFromCcxt(['TypeError', 'Error'])).toBe('UNKNOWN');
  });
});
