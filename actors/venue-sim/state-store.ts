/**
 * A venue emulator's state on disk, in its own folder (the `stateDir` option):
 * - `state.json`, a snapshot of the whole state (venue-state.ts), replaced atomically
 *   (temp file, fsync, rename); and
 * - `journal.jsonl`, one line per engine operation since that snapshot, appended with a
 *   synchronous write before the operation is answered or streamed to anyone.
 *
 * Why both: rewriting the whole state on every order is too slow at high rates, while a line
 * per operation is a few microseconds. A write() that has returned is in the kernel, so a
 * SIGKILL of the process (or a crash of its worker thread) cannot lose it: nothing a client
 * was told is lost. The journal is fsynced when it is compacted and at close; a power cut may
 * lose its last lines, like the order manager's journal (docs/venue-emulator.md).
 *
 * Compaction: when the journal has grown past the snapshot's size (at least 1 MiB), the
 * snapshot is rewritten and the journal emptied, so writing stays linear in what changed.
 * Every line carries a sequence number and the snapshot the last one it holds, so a crash
 * between the rename and the truncation replays nothing twice.
 *
 * Loading never starts empty on a bad file: a snapshot or journal line that does not parse or
 * does not fit the schema is a VenueStateError naming the file (and line). A last journal line
 * without its newline is a write the crash cut short; it was never acknowledged, so it is
 * dropped (and reported in `notes`).
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/runtime/atomic-file.js';
import type { Venue } from './venue.js';
import { applyChange, changeOf, emptyVenueState, stateProblems, venueChangeSchema, venueStateSchema, type VenueChange, type VenueState } from './venue-state.js';

export const SNAPSHOT_FILE = 'state.json';
export const JOURNAL_FILE = 'journal.jsonl';
const MIN_COMPACT_BYTES = 1024 * 1024;

export class VenueStateError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`venue state ${file}: ${detail}`);
    this.name = 'VenueStateError';
  }
}

export interface LoadedVenueState {
  readonly dir: string;
  /** undefined: the folder holds no state yet (a first start). */
  readonly state: VenueState | undefined;
  /** Bytes of the journal that hold complete lines (a torn tail is cut off before appending). */
  readonly journalBytes: number;
  readonly snapshotBytes: number;
  /** What loading noticed and repaired, for the log. */
  readonly notes: readonly string[];
}

function parseJson(file: string, text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new VenueStateError(file, `${where}not valid JSON (${(error as Error).message}); the venue will not start empty over it: repair or remove the folder's files`);
  }
}

/** Reads the snapshot and folds the journal into it. Throws VenueStateError for anything it cannot trust. */
export function loadVenueState(dir: string): LoadedVenueState {
  const snapshotFile = join(dir, SNAPSHOT_FILE);
  const journalFile = join(dir, JOURNAL_FILE);
  const notes: string[] = [];
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new VenueStateError(dir, 'exists and is not a folder');
  let state: VenueState | undefined;
  let snapshotBytes = 0;
  if (existsSync(snapshotFile)) {
    const text = readFileSync(snapshotFile, 'utf8');
    snapshotBytes = Buffer.byteLength(text);
    const value = parseJson(snapshotFile, text, '');
    const problems = stateProblems(venueStateSchema, value);
    if (problems.length > 0) throw new VenueStateError(snapshotFile, `not a venue state: ${problems.slice(0, 5).join('; ')}`);
    state = value as VenueState;
  }
  let journalBytes = 0;
  if (existsSync(journalFile)) {
    const text = readFileSync(journalFile, 'utf8');
    const lastNewline = text.lastIndexOf('\n');
    const complete = text.slice(0, lastNewline + 1);
    journalBytes = Buffer.byteLength(complete);
    if (lastNewline + 1 < text.length) notes.push(`${journalFile}: dropped a last line cut short by a crash (${text.length - lastNewline - 1} characters, never acknowledged)`);
    let lineNo = 0;
    let replayed = 0;
    for (const line of complete.split('\n')) {
      lineNo++;
      if (line === '') continue;
      const value = parseJson(journalFile, line, `line ${lineNo}: `);
      const problems = stateProblems(venueChangeSchema, value);
      if (problems.length > 0) throw new VenueStateError(journalFile, `line ${lineNo}: not a venue change: ${problems.slice(0, 5).join('; ')}`);
      const change = value as VenueChange;
      state ??= emptyVenueState();
      if (change.seq <= state.seq) continue; // already in the snapshot (a crash between its rename and the journal's truncation)
      if (change.seq !== state.seq + 1) throw new VenueStateError(journalFile, `line ${lineNo}: sequence ${change.seq} follows ${state.seq}: lines are missing`);
      applyChange(state, change);
      replayed++;
    }
    if (replayed > 0) notes.push(`${journalFile}: replayed ${replayed} change(s) after the snapshot`);
  }
  return { dir, state, journalBytes, snapshotBytes, notes };
}

/** Appends changes to the journal and compacts it into the snapshot; see the file's comment. */
export class VenueStateStore {
  private fd: number;
  private seq: number;
  private journalBytes: number;
  private snapshotBytes: number;
  private readonly snapshotFile: string;
  private readonly dir: string;
  /** Why a journal write failed; nothing is recorded after that. */
  private failure: string | undefined;

  /** `capture(seq)`: the venue's whole state as of journal line `seq` (called to compact and at close). */
  constructor(loaded: LoadedVenueState, private readonly capture: (seq: number) => VenueState) {
    mkdirSync(loaded.dir, { recursive: true });
    this.dir = loaded.dir;
    this.snapshotFile = join(loaded.dir, SNAPSHOT_FILE);
    const journalFile = join(loaded.dir, JOURNAL_FILE);
    this.fd = openSync(journalFile, 'a', 0o600);
    // cut a torn last line off, or the next line would be glued to it
    if (existsSync(journalFile) && statSync(journalFile).size > loaded.journalBytes) ftruncateSync(this.fd, loaded.journalBytes);
    this.seq = loaded.state?.seq ?? 0;
    this.journalBytes = loaded.journalBytes;
    this.snapshotBytes = loaded.snapshotBytes;
  }

  /** The sequence number the next change must carry. */
  get nextSeq(): number {
    return this.seq + 1;
  }

  /** Synchronous: when this returns, the change survives a kill of the process. */
  append(change: VenueChange): void {
    if (this.fd < 0) throw new Error('venue state store is closed');
    if (this.failure) throw new Error(`venue state ${this.dir}: a journal write failed earlier (${this.failure}); restart the venue to continue from what was recorded`);
    if (change.seq !== this.seq + 1) throw new RangeError(`venue state: change ${change.seq} does not follow ${this.seq}`);
    const line = Buffer.from(`${JSON.stringify(change)}\n`);
    let written: number;
    try {
      written = writeSync(this.fd, line);
    } catch (error) {
      // Memory is now ahead of the file: refuse every later change rather than record around a hole.
      this.failure = (error as Error).message;
      throw error;
    }
    if (written !== line.length) {
      // a short write (disk full) leaves a line without its newline, which the next start drops
      this.failure = `short write: ${written} of ${line.length} bytes`;
      throw new Error(`venue state ${this.dir}: journal ${this.failure}`);
    }
    this.seq = change.seq;
    this.journalBytes += line.length;
    if (this.journalBytes > Math.max(MIN_COMPACT_BYTES, this.snapshotBytes)) this.compact();
  }

  /** Writes the snapshot of everything so far and empties the journal. */
  compact(): void {
    const text = JSON.stringify(this.capture(this.seq));
    writeFileAtomic(this.snapshotFile, text);
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
    this.snapshotBytes = Buffer.byteLength(text);
    this.journalBytes = 0;
  }

  /** A last snapshot (so the next start reads one file), then the journal is closed. */
  close(): void {
    if (this.fd < 0) return;
    // after a failed write memory holds a change never recorded (nor acknowledged): keep the files as they are
    if (this.failure === undefined) this.compact();
    closeSync(this.fd);
    this.fd = -1;
  }
}

export interface PersistedVenue {
  readonly dir: string;
  /** false: the folder held no state (a first start). */
  readonly restored: boolean;
  readonly notes: readonly string[];
  readonly store: VenueStateStore;
  /** Writes a last snapshot and closes the journal. */
  close(): void;
}

/**
 * Loads the state kept in `dir` into a venue that has not started, and from then on records
 * every engine operation before anyone hears of it. A state that does not fit the venue's
 * options (an account or symbol it no longer has) is a VenueStateError naming the folder.
 */
export function persistVenue(venue: Venue, dir: string): PersistedVenue {
  const loaded = loadVenueState(dir);
  if (loaded.state) {
    try {
      venue.restore(loaded.state);
    } catch (error) {
      if (error instanceof RangeError) throw new VenueStateError(dir, `does not fit the venue's options: ${error.message}`);
      throw error;
    }
  }
  const store = new VenueStateStore(loaded, (seq) => venue.capture(seq));
  venue.engine.setCommitHook((commit) => store.append(changeOf(store.nextSeq, commit, venue.ledger)));

  let closed = false;
  return {
    dir,
    restored: loaded.state !== undefined,
    notes: loaded.notes,
    store,
    close() {
      if (closed) return;
      closed = true;
      store.close();
    },
  };
}
