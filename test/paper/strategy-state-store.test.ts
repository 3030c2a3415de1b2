import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentSession, loadStrategyState, sameSession, saveStrategyState, type StrategyState } from '../../actors/strategy/strategy-state-store.js';

const state = (over: Partial<StrategyState> = {}): StrategyState => ({
  version: 1, strategyId: 2, kind: 'cross-venue-arbitrage', reservedIntentId: 2000,
  positions: [{ venue: 1, instrument: 1, qty: 0.5, avgPrice: 60000 }], quote: [{ venue: 1, balance: 100 }],
  recentFills: ['8589934593:17'], session: { pid: 1, startedAtMs: 1 }, savedAtMs: 5, ...over,
});

describe('strategy state file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bot4-strategy-state-'));

  it('round-trips, and a first start has no file', () => {
    const file = join(dir, 'nested', 'a.json');
    expect(loadStrategyState(file, 2)).toEqual({ kind: 'missing' });
    saveStrategyState(file, state());
    expect(loadStrategyState(file, 2)).toEqual({ kind: 'loaded', state: state() });
  });

  it('refuses a torn, invalid or foreign file, naming it and why (the intent counter would be unknown)', () => {
    const file = join(dir, 'b.json');
    writeFileSync(file, '{"version":1,"strategyId":2,');
    expect(() => loadStrategyState(file, 2)).toThrow(/b\.json is not valid JSON.*refusing to start/);
    saveStrategyState(file, state({ reservedIntentId: -1 }));
    expect(() => loadStrategyState(file, 2)).toThrow(/reservedIntentId/);
    saveStrategyState(file, state());
    expect(() => loadStrategyState(file, 9)).toThrow(/belongs to strategy 2, not 9/);
    expect(JSON.parse(readFileSync(file, 'utf8')).reservedIntentId).toBe(2000);
  });

  it('tells this process from another', () => {
    const now = currentSession(Date.now());
    expect(sameSession(now, currentSession(Date.now()))).toBe(true);
    expect(sameSession(now, { ...now, pid: now.pid + 1 })).toBe(false);
    expect(sameSession(now, { ...now, startedAtMs: now.startedAtMs - 60_000 })).toBe(false);
  });
});
