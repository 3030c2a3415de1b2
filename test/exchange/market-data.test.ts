import { afterEach, describe, expect, it } from 'vitest';
import { BTC, startExchangeSystem, waitFor, type ExchangeSystem } from './harness.js';

let system: ExchangeSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

describe('exchange actor market data against the emulator (simulated market)', () => {
  it('syncs its book, publishes tops that match the venue, and keeps it right across an injected gap', async () => {
    system = await startExchangeSystem({ venue: { market: { kind: 'simulated', seed: 5, stepMs: 100 } } });
    const s = system;
    await waitFor(() => s.health(), (h) => h.books.BTCUSDT?.live === true && h.books.BTCUSDT.diffsApplied > 5, 'a live BTCUSDT book');
    const frames = await s.received();
    const tops = frames.filter((f) => f.kind === 'BookTop');
    expect(tops.length).toBeGreaterThan(0);
    expect(tops.every((t) => t.message.instrument === BTC && (t.message.bidPrice as number) < (t.message.askPrice as number))).toBe(true);
    expect(frames.some((f) => f.kind === 'L2Delta')).toBe(true);

    s.venue.faults.skipDepthUpdate('BTCUSDT');
    const after = await waitFor(() => s.health(), (h) => h.books.BTCUSDT!.gaps >= 1 && h.books.BTCUSDT!.live && h.books.BTCUSDT!.snapshots >= 2, 'a resync after the gap');
    expect(after.books.BTCUSDT!.gaps).toBe(1);
    // Book correct afterwards: the actor's top equals the emulator's own book at a moment both agree on an update id.
    await waitFor(async () => {
      const h = await s.health();
      const source = s.venue.venue.source('BTCUSDT')!;
      const snap = source.depthSnapshot(1);
      return { h, snap };
    }, ({ h, snap }) => h.books.BTCUSDT!.lastUpdateId === snap.lastUpdateId && h.books.BTCUSDT!.bestBid === Number(snap.bids[0]![0]) && h.books.BTCUSDT!.bestAsk === Number(snap.asks[0]![0]), 'the actor book top to equal the venue book top at the same update id');
  });
});
