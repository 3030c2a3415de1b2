/**
 * Backfill of the `orders` table from the order manager's journal (docs/persistence.md, "Orders the
 * recorder missed"). The order manager's copy of a SUBMIT reaches the database only through the
 * recorder's memory: a copy dropped because the ring was full, or taken from the ring and queued but
 * not yet written when the recorder was killed, is gone. The journal is written before the SUBMIT
 * leaves, so at each start the recorder rebuilds the SUBMIT of every journalled order the database
 * lacks; the later reports of those orders then match it instead of going to the unmatched file.
 */
import { OrderAction, type OrderCommand, type TimeInForce } from '../../src/domain/messages.js';
import type { JournalLine } from '../order-manager/order-journal.js';

/** The SUBMIT command a journalled order was sent with: the fields the `orders` row is made from. */
export function submitOfJournalLine(line: JournalLine): OrderCommand {
  const o = line.order;
  return {
    action: OrderAction.SUBMIT,
    orderId: o.orderId,
    venue: o.venue,
    instrument: o.instrument,
    side: o.side,
    type: o.type,
    // the journal keeps the enum's number, written by the order manager from the command it sent
    timeInForce: line.timeInForce as TimeInForce,
    reduceOnly: line.reduceOnly,
    price: o.price,
    qty: o.qty,
    createdTsUs: o.submittedTsUs,
  };
}

/**
 * The SUBMITs to rebuild: journalled orders with a submit attempt (a SUBMIT left, or was about to) whose
 * id the database does not hold, lowest order id first. Orders denied before any attempt never reached a
 * venue and are not recorded (recorder-copy.ts), so they are not rebuilt either.
 */
export function missingSubmits(journal: ReadonlyMap<number, JournalLine>, inDatabase: ReadonlySet<number>): OrderCommand[] {
  return [...journal.values()]
    .filter((line) => line.attempts > 0 && !inDatabase.has(line.order.orderId))
    .sort((a, b) => a.order.orderId - b.order.orderId)
    .map(submitOfJournalLine);
}
