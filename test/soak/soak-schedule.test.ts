import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, SoakScheduleError, episodeMs, planSoak, type SoakTarget } from '../../src/cli/soak-schedule.js';

const target: SoakTarget = {
  actors: new Map([
    ['kill-switch', ['root/safety/kill-switch']],
    ['risk', ['root/safety/risk']],
    ['exchange', ['root/venues/venue-a/exchange-a', 'root/venues/venue-b/exchange-b']],
    ['order-manager', ['root/execution/order-manager']],
    ['recorder', ['root/execution/recorder']],
    ['strategy', ['root/strategies/market-maker', 'root/strategies/arbitrage', 'root/strategies/trend']],
  ]),
  venues: ['venue-sim-a', 'venue-sim-b'],
  databaseOutage: true,
};

describe('the soak fault schedule: a pure function of seed, length and target', () => {
  it.each([1, 7, 42, 4_294_967_295])('seed %i: the same inputs give the same schedule, in order, within the run', (seed) => {
    const a = planSoak(seed, 90_000, target);
    expect(planSoak(seed, 90_000, target)).toEqual(a);
    expect(a.length).toBeGreaterThan(0);
    for (const [i, s] of a.entries()) {
      expect(s.atMs).toBeGreaterThan(0);
      expect(s.atMs).toBeLessThan(90_000);
      // episodes never overlap: each starts after the one before has ended
      if (i > 0) expect(s.atMs).toBeGreaterThan(a[i - 1]!.atMs + episodeMs(a[i - 1]!.fault));
    }
  });

  it('different seeds give different schedules', () => {
    expect(JSON.stringify(planSoak(1, 90_000, target))).not.toBe(JSON.stringify(planSoak(2, 90_000, target)));
  });

  it.each([1, 2, 3, 7, 11, 42, 1000])('seed %i, 90 s: every fault kind, every actor kind killed, and one restart while HALTED', (seed) => {
    const schedule = planSoak(seed, 90_000, target);
    const kinds = new Set(schedule.map((s) => s.fault.kind));
    expect([...kinds].sort()).toEqual([...FAULT_KINDS].sort());
    const killed = new Set(schedule.flatMap((s) => (s.fault.kind === 'kill-actor' ? [s.fault.actorKind] : [])));
    expect([...killed].sort()).toEqual([...target.actors.keys()].sort());
    const kills = schedule.flatMap((s) => (s.fault.kind === 'kill-actor' ? [s.fault] : []));
    for (const k of kills) expect(target.actors.get(k.actorKind)).toContain(k.path);
    expect(schedule.some((s) => s.fault.kind === 'trip-reset' && s.fault.restartWhileHalted)).toBe(true);
  });

  it('a longer run keeps drawing faults after the first round', () => {
    expect(planSoak(7, 600_000, target).length).toBeGreaterThan(planSoak(7, 90_000, target).length * 4);
  });

  it('without a database that can be taken away there is no outage', () => {
    const schedule = planSoak(7, 600_000, { ...target, databaseOutage: false });
    expect(schedule.some((s) => s.fault.kind === 'db-outage')).toBe(false);
    expect(schedule.some((s) => s.fault.kind === 'sigkill')).toBe(true);
  });

  it.each([
    [-1, 90_000, target, 'seed: must be an integer'],
    [1.5, 90_000, target, 'seed: must be an integer'],
    [2 ** 32, 90_000, target, 'seed: must be an integer'],
    [1, 0, target, 'duration: must be a positive'],
    [1, Number.NaN, target, 'duration: must be a positive'],
    [1, 90_000, { ...target, venues: [] }, 'venues: the soak needs at least one venue'],
    [1, 90_000, { ...target, actors: new Map() }, 'actors: the soak needs at least one actor'],
  ] as const)('seed %s, duration %s: refused, naming what is wrong', (seed, duration, t, message) => {
    expect(() => planSoak(seed, duration, t)).toThrow(SoakScheduleError);
    expect(() => planSoak(seed, duration, t)).toThrow(message);
  });
});
