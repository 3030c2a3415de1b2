import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOLS, symbolSpecFrom } from '../../actors/venue-sim/symbols.js';
import type { MarketEvent } from '../../actors/venue-sim/market-source.js';
import { readRecordedStream } from '../../actors/venue-sim/recorded-stream.js';
import { ReplayMarket } from '../../actors/venue-sim/replay-market.js';
import { startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/server.js';
import { packageRoot } from '../../src/runtime/package-root.js';
import { CcxtClients } from './ccxt-clients.js';

const dataDir = join(packageRoot(), '..', 'shared', 'data', 'market', 'binance_spot_btcusdt_stream');
const firstFile = join(dataDir, 'btcusdt_20240808.gz');
const haveData = existsSync(firstFile);
if (!haveData) console.warn(`venue replay tests skipped: recorded stream ${firstFile} is absent (../shared is not checked out)`);

const ignoreCcxtRejection = (): void => undefined;
beforeAll(() => {
  process.on('unhandledRejection', ignoreCcxtRejection);
});
afterAll(() => {
  process.off('unhandledRejection', ignoreCcxtRejection);
});

describe.skipIf(!haveData)('replay of the recorded BTCUSDT stream', () => {
  const clients = new CcxtClients();
  let venue: RunningVenue | undefined;
  afterEach(async () => {
    await clients.closeAll();
    await venue?.close();
    venue = undefined;
  });

  it('starts from the recording snapshot and re-emits diffs exactly as recorded, gapless', async () => {
    const market = new ReplayMarket(symbolSpecFrom(DEFAULT_SYMBOLS[0]!), { files: [firstFile], speed: 'max' });
    const depth: MarketEvent[] = [];
    await market.start((event) => {
      if (event.kind === 'depth' && depth.length < 200) depth.push(event);
      if (depth.length >= 200) market.stop();
    });
    expect(market.depthSnapshot(1000).lastUpdateId).toBe(50093239218);
    expect(market.depthSnapshot(1000).bids).toHaveLength(1000);
    await market.finished;
    const recorded: unknown[] = [];
    for await (const line of readRecordedStream([firstFile])) {
      if (line.kind === 'message' && line.stream.endsWith('@depth@100ms') && (line.data.u as number) > 50093239218) recorded.push(line.data);
      if (recorded.length >= 200) break;
    }
    expect(depth.map((event) => event.payload)).toEqual(recorded);
    const first = depth[0]!.payload as { U: number; u: number };
    expect(first.U).toBe(50093239208); // straddles the snapshot, as the README says
    for (let i = 1; i < depth.length; i++) {
      expect((depth[i]!.payload as { U: number }).U).toBe((depth[i - 1]!.payload as { u: number }).u + 1);
    }
  });

  it("ccxt.pro watchOrderBook's best bid/ask equals the recorded bookTicker at shared update ids", async () => {
    const tops = new Map<number, { b: string; B: string; a: string; A: string }>();
    for await (const line of readRecordedStream([firstFile])) {
      if (line.kind === 'message' && line.stream.endsWith('@bookTicker')) tops.set(line.data.u as number, line.data as { b: string; B: string; a: string; A: string });
    }
    venue = await startVenueEmulator({ symbols: [DEFAULT_SYMBOLS[0]!], market: { kind: 'replay', files: [firstFile], speed: 10 } });
    const exchange = clients.ws(venue);
    await exchange.loadMarkets();
    let compared = 0;
    const deadline = Date.now() + 40_000;
    while (compared < 25 && Date.now() < deadline) {
      const book = await exchange.watchOrderBook('BTC/USDT');
      const top = tops.get(book.nonce as number);
      if (!top) continue;
      expect([book.bids[0], book.asks[0]]).toEqual([
        [Number(top.b), Number(top.B)],
        [Number(top.a), Number(top.A)],
      ]);
      compared++;
    }
    expect(compared).toBe(25);
  });
});
