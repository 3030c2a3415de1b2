import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/domain/random.js';
import { backoffDelayMs, initialBackoff, nextBackoff, restartCompleted } from '../../src/runtime/supervision/backoff.js';
import { isAbnormal } from '../../src/runtime/supervision/exit-reason.js';
import { decideFailure, type FailureContext } from '../../src/runtime/supervision/failure-decision.js';
import { emptyRestartWindow, recordRestart } from '../../src/runtime/supervision/restart-intensity.js';
import { affectedChildren, needsRestart, restartsAsBystander } from '../../src/runtime/supervision/restart-strategy.js';

describe('sliding-window restart intensity', () => {
  it('the (intensity+1)-th restart inside the period is the one that exceeds', () => {
    let window = emptyRestartWindow;
    const verdicts = [0, 10, 20, 30].map((t) => {
      const v = recordRestart(window, t, 3, 1000);
      window = v.window;
      return v.exceeded;
    });
    expect(verdicts).toEqual([false, false, false, true]);
  });

  it('restarts older than the period leave the window (exactly period ago has left)', () => {
    let window = recordRestart(emptyRestartWindow, 0, 1, 100).window;
    window = recordRestart(window, 50, 1, 100).window; // 2 > 1: would be exceeded
    const later = recordRestart(window, 150, 1, 100); // 0 and 50 are out (150-50 = 100)
    expect(later).toMatchObject({ exceeded: false, restartsInPeriod: 1 });
  });

  it('intensity 0 gives up on the first restart', () => {
    expect(recordRestart(emptyRestartWindow, 5, 0, 1000).exceeded).toBe(true);
  });

  it('property: exceeded iff more than intensity restarts lie within the period', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 200 }), (gaps, intensity, period) => {
      let window = emptyRestartWindow;
      let t = 0;
      const times: number[] = [];
      for (const gap of gaps) {
        t += gap;
        times.push(t);
        const v = recordRestart(window, t, intensity, period);
        window = v.window;
        const inWindow = times.filter((x) => t - x < period).length;
        expect(v.restartsInPeriod).toBe(inWindow);
        expect(v.exceeded).toBe(inWindow > intensity);
      }
    }));
  });
});

describe('backoff', () => {
  const spec = { minMs: 100, maxMs: 1000, randomFactor: 0, resetAfterMs: 500 };

  it('doubles from min and is capped at max', () => {
    expect([0, 1, 2, 3, 4, 10, 2000].map((n) => backoffDelayMs(spec, n, seededRandom(1)))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('jitter multiplies by 1 + random * factor, from the seeded generator', () => {
    const jittered = { ...spec, randomFactor: 0.5 };
    const random = seededRandom(7);
    const expected = seededRandom(7);
    for (let n = 0; n < 20; n++) {
      const delay = backoffDelayMs(jittered, n % 5, random);
      expect(delay).toBe(Math.round(Math.min(1000, 100 * 2 ** (n % 5)) * (1 + expected.next() * 0.5)));
    }
  });

  it('counts consecutive restarts and resets after resetAfterMs of stable running', () => {
    const random = seededRandom(3);
    let state = initialBackoff;
    const delays: number[] = [];
    for (const now of [0, 10, 20]) {
      const d = nextBackoff(spec, state, now, random);
      delays.push(d.delayMs);
      state = restartCompleted(d.state, now + d.delayMs);
    }
    expect(delays).toEqual([100, 200, 400]);
    // the last restart completed at 420; a failure at 919 is not yet stable, at 920 it is
    expect(nextBackoff(spec, state, 919, random).delayMs).toBe(800);
    expect(nextBackoff(spec, state, 920, random).delayMs).toBe(100);
  });

  it('no backoff spec: restart at once', () => {
    expect(nextBackoff(undefined, initialBackoff, 0, seededRandom(1)).delayMs).toBe(0);
  });
});

describe('restart types and strategies', () => {
  const normal = { kind: 'normal' } as const;
  const crash = { kind: 'error', error: { name: 'Error', message: 'x' } } as const;
  const exit0 = { kind: 'exit-code', code: 0 } as const;
  const killedByOperator = { kind: 'killed', requested: false } as const;
  const terminatedOnRequest = { kind: 'killed', requested: true } as const;

  it('abnormal = not asked for (operator kill and escalation are abnormal, exit code 0 is not)', () => {
    expect([normal, crash, exit0, killedByOperator, terminatedOnRequest].map(isAbnormal)).toEqual([false, true, false, true, false]);
    expect(isAbnormal({ kind: 'escalated', supervisor: 'root/x', cause: 'c' })).toBe(true);
    expect(isAbnormal({ kind: 'hung', silentForMs: 300 })).toBe(true);
  });

  it('permanent always, transient only after an abnormal exit, temporary never', () => {
    expect([normal, crash, killedByOperator].map((r) => needsRestart('permanent', r))).toEqual([true, true, true]);
    expect([normal, exit0, crash, killedByOperator].map((r) => needsRestart('transient', r))).toEqual([false, false, true, true]);
    expect([normal, crash].map((r) => needsRestart('temporary', r))).toEqual([false, false]);
    expect(['permanent', 'transient', 'temporary'].map((t) => restartsAsBystander(t as 'permanent'))).toEqual([true, true, false]);
  });

  it('which children each strategy takes down', () => {
    expect(affectedChildren('one_for_one', 2, 5)).toEqual([2]);
    expect(affectedChildren('one_for_all', 2, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(affectedChildren('rest_for_one', 2, 5)).toEqual([2, 3, 4]);
    expect(affectedChildren('rest_for_one', 4, 5)).toEqual([4]);
    expect(() => affectedChildren('one_for_one', 5, 5)).toThrow('child 5 out of range 0..4');
  });
});

describe('decideFailure', () => {
  const base: FailureContext = {
    strategy: 'rest_for_one',
    intensity: 1,
    periodMs: 1000,
    backoffSpec: { minMs: 10, maxMs: 100, randomFactor: 0, resetAfterMs: 1000 },
    restartTypes: ['permanent', 'transient', 'temporary'],
    window: emptyRestartWindow,
    backoff: initialBackoff,
    nowMs: 0,
    random: seededRandom(1),
  };
  const crash = { kind: 'exit-code', code: 3 } as const;

  it('restarts by strategy with the backoff delay, then gives up past the intensity', () => {
    const first = decideFailure(base, 0, crash);
    expect(first).toMatchObject({ action: 'restart', children: [0, 1, 2], delayMs: 10, restartsInPeriod: 1 });
    if (first.action !== 'restart') throw new Error('unreachable');
    const second = decideFailure({ ...base, window: first.window, backoff: first.backoff, nowMs: 50 }, 1, crash);
    expect(second).toMatchObject({ action: 'give-up', restartsInPeriod: 2 });
  });

  it('leaves down what the restart type does not restart, without counting it', () => {
    expect(decideFailure(base, 1, { kind: 'normal' })).toEqual({ action: 'leave-down' });
    expect(decideFailure(base, 2, crash)).toEqual({ action: 'leave-down' });
  });
});
