import { describe, expect, it } from 'vitest';
import { TradingState } from '../../src/domain/messages.js';
import { initialLease, stepLease, type LeaseInput, type LeaseSettings, type LeaseState, type StateBeat } from '../../src/cluster/lease.js';

/** The lease decisions as tables: which beats renew, which are refused, when a held trip is released. */
const edge: LeaseSettings = { node: 'edge-a', killSwitchNode: 'core', leaseMs: 1000 };
const core: LeaseSettings = { node: 'core', killSwitchNode: 'core', leaseMs: 1000 };
const beat = (over: Partial<StateBeat> = {}): StateBeat => ({ node: 'core', bootId: 'b1', seq: 1, state: TradingState.ACTIVE, flatten: false, sentAtMs: 10_000, taken: {}, ...over });

function run(settings: LeaseSettings, inputs: LeaseInput[]): { state: LeaseState; effects: string[] } {
  let state = initialLease();
  const effects: string[] = [];
  for (const input of inputs) {
    const next = stepLease(settings, state, input);
    state = next.state;
    effects.push(...next.effects.map((e) => (e.type === 'refused' ? `refused:${e.reason}` : e.type)));
  }
  return { state, effects };
}

describe('cluster lease', () => {
  it.each<[string, LeaseSettings, LeaseInput[], string[]]>([
    ['a fresh beat on the edge renews the lease and mirrors the state', edge, [{ type: 'beat', beat: beat(), nowMs: 10_005 }], ['renew-cluster-lease', 'mirror-state', 'state-changed']],
    ['on the kill switch node a beat only renews the lease (its own kill switch writes the gate)', core, [{ type: 'beat', beat: beat(), nowMs: 10_005 }], ['renew-cluster-lease', 'state-changed']],
    ['a beat older than the lease (flushed after a partition) is refused', edge, [{ type: 'beat', beat: beat(), nowMs: 11_001 }], ['refused:stale']],
    ['a beat not newer than the last of its boot is refused', edge, [{ type: 'beat', beat: beat({ seq: 5 }), nowMs: 10_001 }, { type: 'beat', beat: beat({ seq: 4 }), nowMs: 10_002 }], ['renew-cluster-lease', 'mirror-state', 'state-changed', 'refused:not-newer']],
    ['a new boot of the kill switch node starts its own sequence', edge, [{ type: 'beat', beat: beat({ seq: 5 }), nowMs: 10_001 }, { type: 'beat', beat: beat({ seq: 1, bootId: 'b2' }), nowMs: 10_002 }], ['renew-cluster-lease', 'mirror-state', 'state-changed', 'renew-cluster-lease', 'mirror-state']],
    ['a beat from another node is refused', edge, [{ type: 'beat', beat: beat({ node: 'edge-b' }), nowMs: 10_001 }], ['refused:not-kill-switch-node']],
    ['a local trip holds the gate until a beat names it taken', edge, [
      { type: 'beat', beat: beat({ seq: 1 }), nowMs: 10_001 },
      { type: 'local-trip', id: 't1' },
      { type: 'beat', beat: beat({ seq: 2, state: TradingState.HALTED }), nowMs: 10_002 },
      { type: 'beat', beat: beat({ seq: 3, state: TradingState.HALTED, taken: { 'edge-a': 't1' } }), nowMs: 10_003 },
    ], ['renew-cluster-lease', 'mirror-state', 'state-changed', 'hold-gate', 'renew-cluster-lease', 'mirror-state', 'state-changed', 'renew-cluster-lease', 'mirror-state', 'release-hold']],
    ['a trip taken for another node does not release this node\'s hold', edge, [
      { type: 'local-trip', id: 't1' },
      { type: 'beat', beat: beat({ state: TradingState.HALTED, taken: { 'edge-b': 't1' } }), nowMs: 10_001 },
    ], ['hold-gate', 'renew-cluster-lease', 'mirror-state', 'state-changed']],
    ['a restarted kill switch node showing HALTED releases a hold made under its previous boot', edge, [
      { type: 'beat', beat: beat({ seq: 9 }), nowMs: 10_001 },
      { type: 'local-trip', id: 't1' },
      { type: 'beat', beat: beat({ seq: 1, bootId: 'b2', state: TradingState.HALTED }), nowMs: 10_002 },
    ], ['renew-cluster-lease', 'mirror-state', 'state-changed', 'hold-gate', 'renew-cluster-lease', 'mirror-state', 'state-changed', 'release-hold']],
  ])('%s', (_what, settings, inputs, expected) => {
    expect(run(settings, inputs).effects).toEqual(expected);
  });

  it('the lease runs from the send time (a late beat buys less), never past now + lease', () => {
    const late = stepLease(edge, initialLease(), { type: 'beat', beat: beat({ sentAtMs: 10_000 }), nowMs: 10_400 });
    expect(late.state.leaseUntilMs).toBe(11_000);
    const skewed = stepLease(edge, initialLease(), { type: 'beat', beat: beat({ sentAtMs: 10_500 }), nowMs: 10_000 });
    expect(skewed.state.leaseUntilMs).toBe(11_000);
  });
});
