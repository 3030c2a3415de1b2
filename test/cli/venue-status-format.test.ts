import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../src/cli/tree-format.js';
import { venueStatus } from '../../src/runtime/venue-status.js';

/** An exchange actor's health answer -> the typed venue entry of `status` -> the line `bot4 ctl status` prints. */
const answer = {
  path: 'root/venues/venue-a/exchange-a',
  venue: 1,
  target: 'emulator',
  market: { connected: true, stale: false, reconnects: 2, silentForMs: 35 },
  userStream: { up: false, disabled: true },
  latency: { rest: { count: 40, p50Ms: 1.25, p99Ms: 9.5, maxMs: 12 }, ws: { count: 0, p50Ms: null, p99Ms: null, maxMs: null } },
  errors: { gap: 1, 'market-connection': 2 },
  orders: { open: 3 },
  lastError: null,
  gate: 'ACTIVE',
};

describe('venue health in status', () => {
  it('keeps latency, reconnects, last message age, staleness and errors as typed fields', () => {
    expect(venueStatus(answer)).toEqual({
      name: 'root/venues/venue-a/exchange-a (venue 1)',
      status: 'market live, user stream off (REST polling)',
      latency: { rest: { count: 40, p50Ms: 1.25, p99Ms: 9.5 }, ws: { count: 0, p50Ms: null, p99Ms: null } },
      reconnects: 2,
      lastMessageAgeMs: 35,
      stale: false,
      errors: { gap: 1, 'market-connection': 2 },
      detail: '{"target":"emulator","openOrders":3,"lastError":null,"gate":"ACTIVE"}',
    });
  });

  it('says unknown rather than inventing numbers for an answer without them', () => {
    expect(venueStatus({ path: 'p', venue: 2 })).toMatchObject({ status: 'market unknown, user stream down', reconnects: 0, lastMessageAgeMs: null, stale: false, latency: { rest: { count: 0, p50Ms: null } } });
  });

  it('prints them on the venue line', () => {
    const text = formatStatus(
      { trading: { state: 'ACTIVE', reason: 'start', since: '2025-01-01T00:00:00.000Z' }, venues: [venueStatus(answer)], positions: [], openOrders: [], pnl: null, safety: null, standbys: [], unavailable: [] },
      false,
    );
    expect(text).toContain('root/venues/venue-a/exchange-a (venue 1) market live, user stream off (REST polling)');
    expect(text).toContain('rest p50 1.3ms p99 9.5ms · ws p50 - p99 - · reconnects 2 · last message 35ms ago · errors gap 1, market-connection 2');
  });
});
