/**
 * The cluster's trading state, as one node sees it (docs/cluster.md, "The kill switch across
 * nodes"): a pure decision module, state + input -> new state + effects, driven by the link.
 *
 * The kill switch's node publishes its gate (state, flatten flag) every heartbeat, with a
 * boot id and a sequence. Every node, the kill switch's own included, hears it back through
 * the server: each beat heard in time renews the node's cluster lease (now + lease_ms), and
 * on the other nodes it also becomes the local gate's state. A node that hears no beat for
 * lease_ms reads HALTED (the gate checks the lease itself: no timer has to fire).
 *
 * A beat is refused when it is older than the lease on arrival (a client flushing what it
 * buffered during a partition must not reopen a gate with a stale ACTIVE), when it is not
 * newer than the last beat of the same boot, or when it does not come from the kill switch's node.
 *
 * A trip on a node without the kill switch closes that node's gate at once (a held trip) and
 * goes to the kill switch's node on a JetStream stream, with an id. The kill switch's node
 * names in its beats the last trip it has taken from each node; the hold is released when a
 * beat names this node's last trip (the kill switch has latched it: the gate follows its state
 * from then on), or when a kill switch node booted since shows HALTED (it restarted; its latch
 * comes from its state file).
 */
import { TradingState } from '../domain/messages.js';

export interface StateBeat {
  readonly node: string;
  readonly bootId: string;
  readonly seq: number;
  readonly state: TradingState;
  readonly flatten: boolean;
  /** Wall clock of the kill switch's node when it sent the beat. */
  readonly sentAtMs: number;
  /** Per node, the id of the last trip from it that the kill switch has taken. */
  readonly taken: Readonly<Record<string, string>>;
}

export interface LeaseSettings {
  readonly node: string;
  readonly killSwitchNode: string;
  readonly leaseMs: number;
}

export interface LeaseState {
  readonly last: { readonly bootId: string; readonly seq: number } | null;
  readonly leaseUntilMs: number;
  /** The last state heard (null before the first beat). */
  readonly heard: TradingState | null;
  /** The last trip made here while the kill switch's node has not yet been seen to take it, and the boot it was made under. */
  readonly heldTrip: { readonly id: string; readonly bootId: string | null } | null;
  readonly refused: Readonly<Record<BeatRefusal, number>>;
}

export type BeatRefusal = 'stale' | 'not-newer' | 'not-kill-switch-node';

export type LeaseInput =
  | { readonly type: 'beat'; readonly beat: StateBeat; readonly nowMs: number }
  | { readonly type: 'local-trip'; readonly id: string };

export type LeaseEffect =
  | { readonly type: 'renew-cluster-lease'; readonly untilMs: number }
  /** Only on a node without the kill switch: the mirrored state becomes the local gate's. */
  | { readonly type: 'mirror-state'; readonly state: TradingState; readonly flatten: boolean; readonly leaseMs: number }
  | { readonly type: 'hold-gate' }
  | { readonly type: 'release-hold' }
  | { readonly type: 'refused'; readonly reason: BeatRefusal; readonly detail: string }
  | { readonly type: 'state-changed'; readonly from: TradingState | null; readonly to: TradingState };

export function initialLease(): LeaseState {
  return { last: null, leaseUntilMs: 0, heard: null, heldTrip: null, refused: { stale: 0, 'not-newer': 0, 'not-kill-switch-node': 0 } };
}

export function stepLease(settings: LeaseSettings, state: LeaseState, input: LeaseInput): { state: LeaseState; effects: LeaseEffect[] } {
  switch (input.type) {
    case 'local-trip':
      return { state: { ...state, heldTrip: { id: input.id, bootId: state.last?.bootId ?? null } }, effects: [{ type: 'hold-gate' }] };
    case 'beat':
      return onBeat(settings, state, input.beat, input.nowMs);
  }
}

function refuse(state: LeaseState, reason: BeatRefusal, detail: string): { state: LeaseState; effects: LeaseEffect[] } {
  return { state: { ...state, refused: { ...state.refused, [reason]: state.refused[reason] + 1 } }, effects: [{ type: 'refused', reason, detail }] };
}

function onBeat(settings: LeaseSettings, state: LeaseState, beat: StateBeat, nowMs: number): { state: LeaseState; effects: LeaseEffect[] } {
  if (beat.node !== settings.killSwitchNode) return refuse(state, 'not-kill-switch-node', `a trading-state beat from node "${beat.node}"; only ${settings.killSwitchNode} publishes it`);
  const ageMs = nowMs - beat.sentAtMs;
  if (ageMs > settings.leaseMs) return refuse(state, 'stale', `beat #${beat.seq} is ${Math.round(ageMs)} ms old, longer than the ${settings.leaseMs} ms lease`);
  if (state.last !== null && state.last.bootId === beat.bootId && beat.seq <= state.last.seq) {
    return refuse(state, 'not-newer', `beat #${beat.seq} arrived after #${state.last.seq}`);
  }
  const untilMs = nowMs + settings.leaseMs - Math.max(0, ageMs);
  const effects: LeaseEffect[] = [{ type: 'renew-cluster-lease', untilMs }];
  if (settings.node !== settings.killSwitchNode) effects.push({ type: 'mirror-state', state: beat.state, flatten: beat.flatten, leaseMs: untilMs - nowMs });
  if (state.heard !== beat.state) effects.push({ type: 'state-changed', from: state.heard, to: beat.state });
  let heldTrip = state.heldTrip;
  const takenHere = heldTrip !== null && beat.taken[settings.node] === heldTrip.id;
  const restartedHalted = heldTrip !== null && heldTrip.bootId !== null && heldTrip.bootId !== beat.bootId && beat.state === TradingState.HALTED;
  if (takenHere || restartedHalted) {
    heldTrip = null;
    effects.push({ type: 'release-hold' });
  }
  return { state: { ...state, last: { bootId: beat.bootId, seq: beat.seq }, leaseUntilMs: untilMs, heard: beat.state, heldTrip }, effects };
}
