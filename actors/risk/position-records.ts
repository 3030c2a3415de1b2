/**
 * Risk's position snapshots for the recorder (`{type:'record', record:{kind:'position', …}}` control
 * frames, src/persistence/records.ts): one each time a fill moves a position, the history of risk's
 * positions (`position_snapshots`). A restart does not read them back: it rebuilds from the fills
 * (position-recovery.ts says why). Sent without waiting (src/runtime/non-blocking-send.ts): a full
 * recorder ring drops the snapshot and counts it, the next fill's snapshot supersedes it.
 */
import type { RecordOf } from '../../src/persistence/records.js';
import type { Outbox } from '../../src/runtime/actor-definition.js';
import { newSendStats, sendControlWithoutWaiting, type NonBlockingSendStats } from '../../src/runtime/non-blocking-send.js';
import type { PositionSnapshot } from './accounting.js';

/** A market's snapshot as the ledger gives it (Ledger.snapshot). */
export type MarketSnapshot = PositionSnapshot & { venue: number; instrument: number };

export interface PositionNames {
  venueNames: ReadonlyMap<number, string>;
  instrumentNames: ReadonlyMap<number, string>;
}

/** The record of one position, or a string saying why it cannot be named. `tsUs` must grow per market (it is the row's key). */
export function positionRecord(p: MarketSnapshot, tsUs: number, names: PositionNames): RecordOf<'position'> | string {
  const venue = names.venueNames.get(p.venue);
  if (venue === undefined) return `venue ${p.venue} has no name in venue_names`;
  const instrument = names.instrumentNames.get(p.instrument);
  if (instrument === undefined) return `instrument ${p.instrument} is not in the instruments list`;
  return { kind: 'position', venue, instrument, tsUs, qty: p.qty, avgPrice: p.avgPrice, realizedPnl: p.realisedPnl };
}

export class PositionRecorder {
  readonly stats: NonBlockingSendStats & { unnamed: number } = { ...newSendStats(), unnamed: 0 };
  private readonly lastTsUs = new Map<string, number>();

  constructor(private readonly outbox: Outbox | null, private readonly names: PositionNames) {}

  /** Sends the position's snapshot; the timestamp is made strictly increasing per market so no snapshot overwrites another. */
  send(p: MarketSnapshot, nowUs: number): void {
    if (!this.outbox) return;
    const key = `${p.venue}:${p.instrument}`;
    const tsUs = Math.max(Math.floor(nowUs), (this.lastTsUs.get(key) ?? 0) + 1);
    const record = positionRecord(p, tsUs, this.names);
    if (typeof record === 'string') {
      this.stats.unnamed++;
      this.stats.lastError = record;
      return;
    }
    this.lastTsUs.set(key, tsUs);
    sendControlWithoutWaiting(this.outbox, { type: 'record', record }, this.stats);
  }

  status() {
    return { peer: this.outbox?.peer ?? null, ...this.stats };
  }
}
