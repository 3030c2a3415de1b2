import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/domain/random.js';
import { MidPriceProcess } from '../../actors/venue-sim/price-process.js';
import { resolveVenueOptions, VenueOptionsError } from '../../actors/venue-sim/options.js';
import { SimulatedMarket, type SimulatedMarketConfig } from '../../actors/venue-sim/simulated-market.js';
import { DEFAULT_SYMBOLS, symbolSpecFrom } from '../../actors/venue-sim/symbols.js';

const BTC = symbolSpecFrom(DEFAULT_SYMBOLS[0]!);

function simulatedConfig(overrides: Partial<SimulatedMarketConfig> = {}): SimulatedMarketConfig {
  const plan = resolveVenueOptions({ market: { kind: 'simulated' } }).market;
  if (plan.kind !== 'simulated') throw new Error('expected a simulated plan');
  return { ...plan.config, ...overrides };
}

function correlation(a: number[], b: number[]): number {
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(a);
  const mb = mean(b);
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < a.length; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}

describe('simulated market', () => {
  it('is reproducible: the same seed gives the same events', () => {
    const run = (seed: number) => {
      const market = new SimulatedMarket(BTC, simulatedConfig({ seed }), () => 1_700_000_000_000);
      return Array.from({ length: 50 }, () => market.step());
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it('publishes gapless depth diffs that rebuild its book, and never a crossed book', () => {
    const market = new SimulatedMarket(BTC, simulatedConfig({ seed: 7 }), () => 1_700_000_000_000);
    let lastId = market.depthSnapshot(1000).lastUpdateId;
    let trades = 0;
    for (let i = 0; i < 300; i++) {
      for (const event of market.step()) {
        if (event.kind === 'depth') {
          expect(event.payload.U).toBe(lastId + 1);
          lastId = event.payload.u;
        }
        if (event.kind === 'trade') trades++;
      }
      expect(market.bestBid()!.price < market.bestAsk()!.price).toBe(true);
    }
    expect(market.depthSnapshot(1000).lastUpdateId).toBe(lastId);
    expect(trades).toBeGreaterThan(100);
  });

  it('two venues sharing a common factor move together but not identically', () => {
    const params = { startPrice: 60000, stepVolatility: 0.0005, commonWeight: 0.8, meanReversion: 0.1, noiseVolatility: 0.0001, basisBps: 0 };
    const a = new MidPriceProcess(params, seededRandom(1), seededRandom(99));
    const b = new MidPriceProcess({ ...params, basisBps: 5 }, seededRandom(2), seededRandom(99));
    const returnsA: number[] = [];
    const returnsB: number[] = [];
    let pa = a.mid, pb = b.mid;
    for (let i = 0; i < 5000; i++) {
      const na = a.step(), nb = b.step();
      returnsA.push(Math.log(na / pa));
      returnsB.push(Math.log(nb / pb));
      pa = na;
      pb = nb;
    }
    const rho = correlation(returnsA, returnsB);
    expect(rho).toBeGreaterThan(0.6);
    expect(rho).toBeLessThan(0.95);
    expect(pa).not.toBe(pb);
  });

  it('rejects bad options with messages that name the field', () => {
    expect(() => resolveVenueOptions({ port: -1 })).toThrow(VenueOptionsError);
    expect(() => resolveVenueOptions({ fees: { maker: 'x', taker: '0.001' } })).toThrow(/options\.fees\.maker/);
    expect(() => resolveVenueOptions({ accounts: [{ apiKey: 'no spaces allowed', secret: 'secret123', balances: {} }] })).toThrow(/options\.accounts\.0\.apiKey/);
    expect(() => resolveVenueOptions({ market: { kind: 'replay', files: [] } })).toThrow(/options\.market\.files/);
    expect(() =>
      resolveVenueOptions({ symbols: [{ ...DEFAULT_SYMBOLS[0]!, symbol: 'SOLUSDT', baseAsset: 'SOL' }] }),
    ).toThrow(/options\.market\.symbols\.SOLUSDT/);
    expect(resolveVenueOptions().host).toBe('127.0.0.1');
  });
});
