import { loadLatch } from '../kill-switch/latch-store.js';
import type { Transition } from '../kill-switch/trading-state-machine.js';

export interface PersistedTransition {
  reason: string;
  /** The transition as the kill switch wrote it, when its state file still holds it. */
  transition?: Transition;
}

/**
 * What the kill switch wrote about transition `seq`. The TradingStateChange frame is fixed-size and
 * carries no text; the kill switch persists every transition in its state file before it broadcasts,
 * so the reason is there by the time the frame arrives.
 */
export function persistedTransition(stateFile: string | undefined, seq: number): PersistedTransition {
  if (stateFile === undefined) return { reason: 'reason not recorded: the recorder was not given the kill switch state file' };
  const loaded = loadLatch(stateFile);
  if (loaded.kind !== 'loaded') {
    return { reason: `reason not recorded: kill switch state file ${stateFile} is ${loaded.kind === 'missing' ? 'missing' : `unusable (${loaded.problem})`}` };
  }
  const { record } = loaded;
  const transition = record.history.find((t) => t.seq === seq) ?? (record.last?.seq === seq ? record.last : undefined);
  if (transition) return { reason: transition.reason, transition };
  if (record.seq === seq) return { reason: `state at start (${record.state})` };
  return { reason: `reason not recorded: transition ${seq} is not in ${stateFile} (it holds up to ${record.seq})` };
}
