import { ExecStatus, type ExecutionReport, type OrderIntent, type RejectReason } from './messages.js';

/**
 * The execution report that tells a strategy its intent was refused before any venue saw
 * it (by risk or by the order manager): nothing filled, nothing left. Fills `out` (a
 * reused report) and returns it.
 */
export function intentRejection(out: ExecutionReport, intent: OrderIntent, orderId: number, reason: RejectReason, receiveTsUs: number, status: ExecStatus = ExecStatus.REJECTED): ExecutionReport {
  out.orderId = orderId;
  out.venueOrderId = 0;
  out.venue = intent.venue;
  out.instrument = intent.instrument;
  out.status = status;
  out.rejectReason = reason;
  out.side = intent.side;
  out.cumQty = 0;
  out.avgPrice = 0;
  out.leavesQty = 0;
  out.lastQty = 0;
  out.lastPrice = 0;
  out.exchangeTsMs = 0;
  out.receiveTsUs = receiveTsUs;
  return out;
}
