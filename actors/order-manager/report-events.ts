/**
 * What a venue's execution report means for one of our orders: a lifecycle event, or a
 * venue error to classify with venue-errors.ts. Fills move quantities only through Fill
 * frames (each carries a trade id, so it is counted once); a report's status moves the state.
 */
import { ExecStatus, RejectReason, type ExecutionReport } from '../../src/domain/messages.js';
import type { OrderEvent, OrderStatus } from './order-lifecycle.js';
import { VenueErrorKind } from './venue-errors.js';

export type ReportMeaning = { kind: 'event'; event: OrderEvent } | { kind: 'error'; reason: RejectReason; errorKind: VenueErrorKind } | { kind: 'none' };

/**
 * A report with a reject reason is the venue refusing something we asked (submit, cancel or
 * query); which one is known from what was in flight. A REJECTED status without a reason is
 * a refusal too (VENUE_REJECTED).
 */
export function meaningOfReport(report: Readonly<ExecutionReport>): ReportMeaning {
  if (report.rejectReason !== RejectReason.NONE || report.status === ExecStatus.REJECTED) {
    const reason = (report.rejectReason || RejectReason.VENUE_REJECTED) as RejectReason;
    return { kind: 'error', reason, errorKind: venueErrorKindOfReason(reason) };
  }
  switch (report.status) {
    case ExecStatus.ACCEPTED:
    case ExecStatus.PARTIALLY_FILLED:
    case ExecStatus.FILLED:
      return { kind: 'event', event: { type: 'ACCEPT', venueOrderId: report.venueOrderId } };
    case ExecStatus.CANCELED:
      return { kind: 'event', event: { type: 'CANCELED' } };
    case ExecStatus.EXPIRED:
      return { kind: 'event', event: { type: 'EXPIRE' } };
    default:
      return { kind: 'none' };
  }
}

/**
 * The exchange actor reports VENUE_UNAVAILABLE for network failures whose outcome it could not
 * settle, so it counts as NETWORK (outcome unknown: query before deciding). Refusals by a
 * gate or by the venue's filters cannot be helped by retrying.
 */
export function venueErrorKindOfReason(reason: RejectReason): VenueErrorKind {
  switch (reason) {
    case RejectReason.RATE_LIMITED:
      return VenueErrorKind.RATE_LIMITED;
    case RejectReason.VENUE_UNAVAILABLE:
      return VenueErrorKind.NETWORK;
    case RejectReason.DUPLICATE_ORDER:
      return VenueErrorKind.DUPLICATE_ORDER;
    case RejectReason.UNKNOWN_ORDER:
      return VenueErrorKind.UNKNOWN_ORDER;
    case RejectReason.INSUFFICIENT_FUNDS:
      return VenueErrorKind.INSUFFICIENT_FUNDS;
    case RejectReason.AUTH_FAILED:
      return VenueErrorKind.AUTH_FAILED;
    default:
      return VenueErrorKind.INVALID_ORDER;
  }
}

/** The ExecStatus a strategy should see for a lifecycle status (SUBMITTED/INITIALIZED have none yet). */
export function execStatusOfLifecycle(status: OrderStatus, cumQty: number): ExecStatus | undefined {
  switch (status) {
    case 'ACCEPTED':
      return ExecStatus.ACCEPTED;
    case 'PARTIALLY_FILLED':
      return ExecStatus.PARTIALLY_FILLED;
    case 'PENDING_CANCEL':
      return cumQty > 0 ? ExecStatus.PARTIALLY_FILLED : ExecStatus.ACCEPTED;
    case 'FILLED':
      return ExecStatus.FILLED;
    case 'CANCELED':
      return ExecStatus.CANCELED;
    case 'REJECTED':
    case 'DENIED':
      return ExecStatus.REJECTED;
    case 'EXPIRED':
      return ExecStatus.EXPIRED;
    default:
      return undefined;
  }
}
