import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRecordedStream } from '../../actors/venue-sim/recorded-stream.js';
import { packageRoot } from '../../src/runtime/package-root.js';
import { startExchangeSystem, waitFor, type ExchangeSystem } from './harness.js';

/**
 * The recorded Binance BTCUSDT stream, replayed by the emulator, read by unmodified ccxt
 * (snapshot) and the actor's own diff stream: at every update id where the actor published
 * a book top and Binance recorded a bookTicker, the two best bid/ask pairs must be equal.
 */
const shared = join(packageRoot(), '..', 'shared');
const recording = join(shared, 'data', 'market', 'binance_spot_btcusdt_stream', 'btcusdt_20240808.gz');
const present = existsSync(recording);
if (!present) console.warn(`replay test skipped: ${recording} is absent (../shared is not on this machine)`);

let system: ExchangeSystem | undefined;
afterAll(async () => {
  await system?.close();
});

async function recordedBookTickers(): Promise<Map<number, { bid: number; ask: number }>> {
  const tickers = new Map<number, { bid: number; ask: number }>();
  for await (const record of readRecordedStream([recording])) {
    if (record.kind === 'message' && record.stream.endsWith('@bookTicker')) {
      const data = record.data as { u: number; b: string; a: string };
      tickers.set(data.u, { bid: Number(data.b), ask: Number(data.a) });
    }
  }
  return tickers;
}

describe.skipIf(!present)('recorded BTCUSDT stream through emulator -> ccxt -> exchange actor', () => {
  it('the actor\'s best bid/ask equals the recorded bookTicker at every update id the two share', async () => {
    const tickers = await recordedBookTickers();
    expect(tickers.size).toBeGreaterThan(1000);
    system = await startExchangeSystem({ venue: { market: { kind: 'replay', files: [recording], speed: 10 } }, config: { stale_after_ms: 30_000 } });
    const s = system;
    type Top = { updateId: number; bidPrice: number; askPrice: number };
    const sharedTops = (frames: { kind: string; message: Record<string, unknown> }[]): Top[] =>
      frames.filter((f) => f.kind === 'BookTop' && tickers.has(f.message.updateId as number)).map((f) => f.message as unknown as Top);
    const frames = await waitFor(() => s.received(), (all) => sharedTops(all).length >= 40, '40 update ids shared with the recording', 40_000);
    const compared = sharedTops(frames);
    const mismatches = compared.filter((top) => {
      const recorded = tickers.get(top.updateId)!;
      return recorded.bid !== top.bidPrice || recorded.ask !== top.askPrice;
    });
    expect(mismatches).toEqual([]);
    const health = await s.health();
    expect(health.books.BTCUSDT!.gaps).toBe(0);
    expect(compared.length).toBeGreaterThanOrEqual(40);
  });
});
