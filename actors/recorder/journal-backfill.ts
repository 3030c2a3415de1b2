/**
 * Backfill of the `orders` and `fills` tables from the order manager's journal (docs/persistence.md,
 * "Orders and fills the recorder missed"). The order manager's copies of a SUBMIT and of a fill reach
 * the database only through the recorder's memory: a copy dropped because the ring was full, or taken
 * from the ring and queued but not yet written when the recorder was killed, is gone. The journal is
 * written before the SUBMIT leaves and before the fill is passed on, so at each start the recorder
 * rebuilds the SUBMIT of every journalled order and the row of every journalled fill the database
 * lacks; the later reports of those orders then match it instead of going to the unmatched file.
 */
import { OrderAction, type OrderCommand, type TimeInForce } from '../../src/domain/messages.js';
import type { RecordOf } from '../../src/persistence/records.js';
import type { JournalLine } from '../order-manager/order-journal.js';
import { instrumentName, liquidityName, sideName, venueName, type NameTables } from './record-mapping.js';

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

/** A fill's key in `fills`: what the venue makes unique (sql/006_fills_per_symbol_key.sql). */
export const fillKey = (row: Pick<RecordOf<'fill'>, 'venue' | 'instrument' | 'tradeId'>): string => `${row.venue}/${row.instrument}/${row.tradeId}`;

/** The journal's fills as `fills` rows, the same row the recorder writes from the Fill frame (record-mapping.ts's fillRecord). */
export interface JournalledFills {
  /** Every fill of the journal that can be described, by `fillKey` (the table's key: venue, instrument, trade id). */
  rows: Map<string, RecordOf<'fill'>>;
  /** Fills that cannot become a row, and why (a journal line written before fills kept liquidity and venue time). */
  notRebuildable: string[];
}

export function journalledFills(journal: ReadonlyMap<number, JournalLine>, tables: NameTables): JournalledFills {
  const rows = new Map<string, RecordOf<'fill'>>();
  const notRebuildable: string[] = [];
  for (const line of journal.values()) {
    const o = line.order;
    for (const f of o.fills) {
      const what = `fill ${f.tradeId} of order ${o.orderId}`;
      if (f.liquidity === undefined || f.exchangeTsMs === undefined) {
        notRebuildable.push(`${what}: the journal line lacks its liquidity or venue time (written before they were journalled)`);
        continue;
      }
      try {
        const row: RecordOf<'fill'> = {
          kind: 'fill',
          venue: venueName(tables, o.venue, 'the journal'),
          tradeId: String(f.tradeId),
          orderId: o.orderId,
          instrument: instrumentName(tables, o.instrument, 'the journal'),
          side: sideName(o.side),
          price: f.price,
          qty: f.qty,
          fee: f.fee,
          liquidity: liquidityName(f.liquidity),
          tsUs: f.exchangeTsMs * 1000,
        };
        rows.set(fillKey(row), row);
      } catch (error) {
        // an id the recorder's config does not name, or a code it does not know: reported to the caller, who logs it
        notRebuildable.push(`${what}: ${(error as Error).message}`);
      }
    }
  }
  return { rows, notRebuildable };
}

/** The journalled fill rows whose `fillKey` the database does not hold, oldest venue time first (then trade id). */
export function missingFills(journalled: ReadonlyMap<string, RecordOf<'fill'>>, inDatabase: ReadonlySet<string>): Array<RecordOf<'fill'>> {
  return [...journalled.entries()]
    .filter(([key]) => !inDatabase.has(key))
    .map(([, row]) => row)
    .sort((a, b) => a.tsUs - b.tsUs || Number(a.tradeId) - Number(b.tradeId));
}
