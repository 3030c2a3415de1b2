/**
 * Crash recovery of the HALTED latch: the kill switch keeps its state in a file, the database keeps
 * every transition (through the recorder). Before the tree starts, the runtime makes the file agree
 * with the database where the database knows more, so that the kill switch comes back HALTED even
 * when its state file was lost, and numbers its next transition after the database's newest one
 * (kill_switch_events.seq is a unique key: a reused number would be dropped as a duplicate).
 *
 * Rules, HALTED always winning:
 * - database has no row, or says the same as the file: nothing to do;
 * - database says HALTED, file missing or older (lower seq): the file takes the database's transition;
 * - database says HALTED, file not HALTED but newer: a new HALTED transition after the file's (fail safe:
 *   the database may lag behind a reset, but trading on a latch nobody can confirm is worse);
 * - file missing, database not HALTED: the file takes the database's state and numbering;
 * - file unreadable: left alone (the kill switch starts HALTED by itself), renumbering is reported;
 * - otherwise, file behind the database's numbering: the file keeps its state, its counter moves up.
 */
import { loadLatch, saveLatch, type LatchRecord } from '../../actors/kill-switch/latch-store.js';
import type { Transition, TransitionSource } from '../../actors/kill-switch/trading-state-machine.js';
import type { KillSwitchLatch } from '../persistence/recovery.js';

export type LatchRecovery =
  | { action: 'none'; why: string }
  | { action: 'restored-halted' | 'halted' | 'restored' | 'renumbered'; why: string; record: LatchRecord };

const SOURCES: ReadonlySet<string> = new Set<TransitionSource>(['admin', 'gpio-button', 'gpio-tamper', 'risk-panic', 'dead-man', 'startup-latch', 'shutdown', 'supervisor']);

export function reconcileLatchWithDatabase(stateFile: string, latest: KillSwitchLatch | null, nowMs: number): LatchRecovery {
  if (latest === null) return { action: 'none', why: 'the database holds no kill switch transition' };
  const loaded = loadLatch(stateFile);
  if (loaded.kind === 'corrupt') {
    return { action: 'none', why: `state file unusable (${loaded.problem}): the kill switch starts HALTED by itself; its numbering restarts below the database's ${latest.seq}` };
  }
  const file = loaded.kind === 'loaded' ? loaded.record : undefined;
  const fileSeq = file?.seq ?? 0;

  if (latest.state === 'HALTED' && file?.state !== 'HALTED') {
    if (fileSeq < latest.seq) {
      const transition = transitionOf(latest);
      const record = write(stateFile, file, 'HALTED', latest.seq, transition);
      return { action: 'restored-halted', why: `the database's newest transition (${latest.seq}) is HALTED and ${file ? `${stateFile} is older (${file.state}, ${fileSeq})` : `${stateFile} is missing`}`, record };
    }
    const transition: Transition = {
      seq: fileSeq + 1,
      from: file?.state ?? 'UNKNOWN',
      to: 'HALTED',
      source: 'startup-latch',
      reason: `the database's latch is HALTED (transition ${latest.seq}: ${latest.reason}) but ${stateFile} says ${file?.state ?? 'nothing'}; halting until an operator resets`,
      atMs: nowMs,
    };
    const record = write(stateFile, file, 'HALTED', transition.seq, transition);
    return { action: 'halted', why: transition.reason, record };
  }
  if (!file) {
    const record = write(stateFile, undefined, latest.state, latest.seq, transitionOf(latest));
    return { action: 'restored', why: `${stateFile} is missing: restored ${latest.state} (transition ${latest.seq}) from the database`, record };
  }
  if (fileSeq < latest.seq) {
    const record = write(stateFile, file, file.state, latest.seq, file.last);
    return { action: 'renumbered', why: `${stateFile} counts ${fileSeq} transitions, the database ${latest.seq}: continuing from ${latest.seq}`, record };
  }
  return { action: 'none', why: `${stateFile} (${file?.state ?? 'missing'}, ${fileSeq}) is not behind the database (${latest.state}, ${latest.seq})` };
}

function transitionOf(latest: KillSwitchLatch): Transition {
  return {
    seq: latest.seq,
    from: latest.previous,
    to: latest.state,
    source: SOURCES.has(latest.source) ? (latest.source as TransitionSource) : 'startup-latch',
    reason: latest.reason,
    atMs: Math.floor(latest.tsUs / 1000),
  };
}

function write(stateFile: string, file: LatchRecord | undefined, state: LatchRecord['state'], seq: number, last: Transition | undefined): LatchRecord {
  const history = file?.history ?? [];
  const record: LatchRecord = {
    version: 1,
    state,
    seq,
    last,
    history: last && !history.some((t) => t.seq === last.seq) ? [...history.slice(-199), last] : history,
  };
  saveLatch(stateFile, record);
  return record;
}
