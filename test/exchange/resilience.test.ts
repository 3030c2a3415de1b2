import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExchangeSystem, waitFor, type ExchangeSystem } from './harness.js';

/**
 * One exchange actor against one emulator (simulated market) through a counting tap, taken
 * through the venue's failure modes in turn. Each step ends with the book live again, so the
 * next starts from a healthy actor.
 */
let s: ExchangeSystem;
const STALE_AFTER_MS = 600;

beforeAll(async () => {
  s = await startExchangeSystem({
    venue: { market: { kind: 'simulated', seed: 11, stepMs: 50 } },
    config: { stale_after_ms: STALE_AFTER_MS, reconnect: { min_ms: 100, max_ms: 2000, jitter: 0.2 }, rate_limit_backoff: { min_ms: 500, max_ms: 4000, jitter: 0.2 }, ws_ping_ms: 200 },
  });
  await waitFor(() => s.health(), (h) => h.books.BTCUSDT?.live === true && h.books.BTCUSDT.diffsApplied > 3, 'a live book');
});
afterAll(async () => {
  await s?.close();
});

const live = (what: string, after = 0) => waitFor(() => s.health(), (h) => h.books.BTCUSDT!.live && h.books.BTCUSDT!.diffsApplied > after, what);

describe('exchange actor resilience against the emulator', () => {
  it('publishes book tops, L2 deltas and trades on its ring with venue and receive timestamps', async () => {
    const frames = await waitFor(() => s.received(), (all) => ['BookTop', 'L2Delta', 'Trade'].every((kind) => all.some((f) => f.kind === kind)), 'all three market-data frame kinds');
    const tops = frames.filter((f) => f.kind === 'BookTop').map((f) => f.message as { venue: number; instrument: number; bidPrice: number; askPrice: number; updateId: number; exchangeTsMs: number; receiveTsUs: number });
    for (const top of tops) {
      expect(top).toMatchObject({ venue: 3, instrument: 7 });
      expect(top.bidPrice).toBeLessThan(top.askPrice);
      expect(top.exchangeTsMs).toBeGreaterThan(1.6e12);
      expect(top.receiveTsUs).toBeGreaterThan(1.6e15);
    }
    expect(tops.map((t) => t.updateId)).toEqual([...tops.map((t) => t.updateId)].sort((a, b) => a - b));
    expect(frames.some((f) => f.kind === 'Control' && f.message.type === 'book.reset')).toBe(true);
  });

  it('counts and drops a malformed venue message and keeps running', async () => {
    const before = await s.health();
    expect(s.tap.injectMarketText('{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","s":"BTCUSDT","U":"x"')).toBe(1);
    expect(s.tap.injectMarketText(JSON.stringify({ stream: 'btcusdt@depth@100ms', data: { e: 'depthUpdate', E: 1, s: 'BTCUSDT', U: 1, u: 2, b: [['100', '-3']], a: [] } }))).toBe(1);
    expect(s.tap.injectMarketText(JSON.stringify({ stream: 'dogeusdt@trade', data: { e: 'trade', E: 1, s: 'DOGEUSDT', t: 1, p: '0.1', q: '5', T: 1, m: false } }))).toBe(1);
    const after = await waitFor(() => s.health(), (h) => h.market.malformed['bad-json'] === 1 && h.market.malformed['negative-size'] === 1 && h.validation.unknownSymbol === 1, 'malformed messages and the stranger symbol counted');
    expect(after.market.connects).toBe(before.market.connects); // no reconnect needed
    await live('diffs applied after the garbage', after.books.BTCUSDT!.diffsApplied + 3);
    expect(s.exchange.isAlive()).toBe(true);
  });

  it('resyncs after an injected sequence gap', async () => {
    const before = await s.health();
    s.venue.faults.skipDepthUpdate('BTCUSDT');
    const after = await waitFor(() => s.health(), (h) => h.books.BTCUSDT!.gaps === before.books.BTCUSDT!.gaps + 1 && h.books.BTCUSDT!.live && h.books.BTCUSDT!.snapshots > before.books.BTCUSDT!.snapshots, 'a gap and a new snapshot');
    // The book is right afterwards: at a moment both name the same update id, the tops agree.
    await waitFor(async () => ({ h: await s.health(), top: s.venue.venue.source('BTCUSDT')!.depthSnapshot(1) }),
      ({ h, top }) => h.books.BTCUSDT!.lastUpdateId === top.lastUpdateId && h.books.BTCUSDT!.bestBid === Number(top.bids[0]![0]) && h.books.BTCUSDT!.bestAsk === Number(top.asks[0]![0]),
      'the actor top to equal the venue top at one update id');
    expect(after.books.BTCUSDT!.gaps).toBe(before.books.BTCUSDT!.gaps + 1);
  });

  it('reconnects and resubscribes after the venue drops the connection', async () => {
    const before = await s.health();
    expect(s.venue.faults.dropConnections('market')).toBeGreaterThan(0);
    const after = await waitFor(() => s.health(), (h) => h.market.reconnects > before.market.reconnects && h.books.BTCUSDT!.live && h.books.BTCUSDT!.snapshots > before.books.BTCUSDT!.snapshots, 'a reconnect and a resync');
    await live('diffs flowing on the new connection', after.books.BTCUSDT!.diffsApplied + 3);
    expect(s.venue.connectionCount('market')).toBe(1);
  });

  it('marks the venue stale when the feed goes silent with the socket open, and fresh when it resumes', async () => {
    // A loaded machine can have declared the feed stale during the reconnect test already: only
    // what happens after this silence counts.
    const earlierEvents = s.events.length;
    s.venue.faults.silenceFeed();
    const silencedAt = Date.now();
    const event = await waitFor(async () => s.events.slice(earlierEvents).find((e) => e.topic === 'venue.stale'), (e) => e !== undefined, 'a venue.stale event', 10_000);
    expect(event!.data).toMatchObject({ type: 'venue.stale', venue: 3, staleAfterMs: STALE_AFTER_MS });
    expect(event!.data.silentForMs as number).toBeGreaterThanOrEqual(STALE_AFTER_MS);
    expect(Date.now() - silencedAt).toBeGreaterThanOrEqual(STALE_AFTER_MS - 100);
    const control = (await s.received()).find((f) => f.kind === 'Control' && f.message.type === 'venue.stale');
    expect(control?.message).toMatchObject({ venue: 3, exchange: 'binance' });
    // A thread descheduled for longer than the stale threshold wakes to its staleness timer before
    // it reads the frames the venue sent just before the silence: it can flip back to fresh once,
    // then stale again for good. What must hold is that the silence ends stale.
    await waitFor(() => s.health(), (h) => h.market.stale, 'the venue stale while the feed stays silent', 10_000);
    s.venue.faults.resumeFeed();
    await waitFor(() => s.health(), (h) => !h.market.stale && h.books.BTCUSDT!.live, 'fresh again');
    expect(s.events.slice(earlierEvents).some((e) => e.topic === 'venue.fresh')).toBe(true);
  });

  it('backs off on HTTP 429 instead of storming the venue, and recovers', async () => {
    const before = await s.health();
    const requestsBefore = s.tap.count();
    s.venue.faults.rejectRequests(429);
    s.venue.faults.skipDepthUpdate('BTCUSDT'); // forces a snapshot request, which meets the 429s
    await waitFor(() => s.health(), (h) => h.rateLimit.hits >= 2, 'two rate-limit hits', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const during = s.tap.count() - requestsBefore;
    const health = await s.health();
    // Backoff 500 ms doubling (+ up to 20 % jitter): about 4 attempts in this window, never a storm.
    expect(during).toBeLessThanOrEqual(8);
    expect(health.rateLimit.hits).toBeGreaterThanOrEqual(2);
    s.venue.faults.clear();
    await waitFor(() => s.health(), (h) => h.books.BTCUSDT!.live && h.books.BTCUSDT!.snapshots > before.books.BTCUSDT!.snapshots, 'a resync once the venue answers again', 40_000);
    const after = await s.health();
    expect(after.latency.rest.count).toBeGreaterThan(0);
    expect(after.latency.ws.count).toBeGreaterThan(0);
  });
});
