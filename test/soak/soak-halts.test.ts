import { describe, expect, it } from 'vitest';
import { haltWindows, mergeHalts } from '../../src/cli/soak.js';

describe('HALTED stretches the no-order-after-trip check uses', () => {
  it.each([
    ['no transition', [], []],
    ['tripped and reset', [{ state: 'HALTED', atMs: 10 }, { state: 'ACTIVE', atMs: 20 }], [{ fromMs: 10, toMs: 20 }]],
    ['tripped, re-announced after a restart, reset to paused', [{ state: 'HALTED', atMs: 10 }, { state: 'HALTED', atMs: 15 }, { state: 'PAUSED', atMs: 20 }], [{ fromMs: 10, toMs: 20 }]],
    ['still HALTED at the end', [{ state: 'PAUSED', atMs: 5 }, { state: 'HALTED', atMs: 30 }], [{ fromMs: 30, toMs: null }]],
    ['out of order rows', [{ state: 'ACTIVE', atMs: 20 }, { state: 'HALTED', atMs: 10 }], [{ fromMs: 10, toMs: 20 }]],
  ])('%s', (_what, transitions, windows) => {
    expect(haltWindows(transitions)).toEqual(windows);
  });

  it("the soak's trip counts from its acknowledgement; a halt the bot made counts from its transition", () => {
    const soakTrip = { requestedMs: 100, fromMs: 180, toMs: 300 };
    const recorded = [
      { fromMs: 120, toMs: 300 }, // the kill switch's transition for the soak's trip, before the ack
      { fromMs: 500, toMs: 700 }, // a risk panic
    ];
    expect(mergeHalts([soakTrip], recorded, [300, 690])).toEqual([{ fromMs: 180, toMs: 300 }, { fromMs: 500, toMs: 690 }]);
  });

  it("a halt the bot made ends at the soak's reset request, not later when the kill switch stamped it", () => {
    expect(mergeHalts([], [{ fromMs: 500, toMs: 760 }, { fromMs: 900, toMs: null }], [100, 740, 950])).toEqual([{ fromMs: 500, toMs: 740 }, { fromMs: 900, toMs: 950 }]);
    expect(mergeHalts([], [{ fromMs: 500, toMs: 700 }], [])).toEqual([{ fromMs: 500, toMs: 700 }]);
  });
});
