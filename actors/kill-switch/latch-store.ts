import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../src/runtime/atomic-file.js';
import type { Transition } from './trading-state-machine.js';

/**
 * The kill switch's persisted state: the trading state, the transition that led to it and
 * recent history. Written atomically (writeFileAtomic) on every transition, so a crash at any moment leaves either the old or the new state.
 * A HALTED state read back at start keeps the runtime halted until an operator resets it.
 */
export interface LatchRecord {
  version: 1;
  state: 'ACTIVE' | 'REDUCING' | 'PAUSED' | 'HALTED';
  seq: number;
  last: Transition | undefined;
  history: Transition[];
}

export type LatchLoad =
  | { kind: 'missing' }
  | { kind: 'loaded'; record: LatchRecord }
  /** Unreadable or invalid: the caller must start HALTED (fail safe) and say why. */
  | { kind: 'corrupt'; problem: string };

const STATES = new Set(['ACTIVE', 'REDUCING', 'PAUSED', 'HALTED']);

export function loadLatch(file: string): LatchLoad {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'corrupt', problem: `cannot read ${file}: ${(error as Error).message}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: 'corrupt', problem: `${file} is not valid JSON: ${(error as Error).message}` };
  }
  const record = parsed as Partial<LatchRecord>;
  if (record?.version !== 1) return { kind: 'corrupt', problem: `${file}: unknown format version ${JSON.stringify(record?.version)}` };
  if (typeof record.state !== 'string' || !STATES.has(record.state)) {
    return { kind: 'corrupt', problem: `${file}: "state" must be one of ${[...STATES].join(', ')}, got ${JSON.stringify(record.state)}` };
  }
  if (!Number.isSafeInteger(record.seq) || record.seq! < 0) return { kind: 'corrupt', problem: `${file}: "seq" must be a non-negative integer` };
  if (!Array.isArray(record.history)) return { kind: 'corrupt', problem: `${file}: "history" must be an array` };
  return { kind: 'loaded', record: record as LatchRecord };
}

export function saveLatch(file: string, record: LatchRecord): void {
  writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Latches HALTED from outside the kill-switch actor (the supervisor, when the actor is
 * down and an operator or a GPIO line trips): the actor reads it when it comes back.
 */
export function latchHaltedExternally(file: string, source: Transition['source'], reason: string, atMs: number): LatchRecord {
  const loaded = loadLatch(file);
  const previous = loaded.kind === 'loaded' ? loaded.record : undefined;
  const seq = (previous?.seq ?? 0) + 1;
  const transition: Transition = { seq, from: previous?.state ?? 'UNKNOWN', to: 'HALTED', source, reason, atMs };
  const record: LatchRecord = {
    version: 1,
    state: 'HALTED',
    seq,
    last: transition,
    history: [...(previous?.history ?? []).slice(-199), transition],
  };
  saveLatch(file, record);
  return record;
}
