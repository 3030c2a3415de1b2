import ccxt, { type Exchange } from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { asRiskReducing, hookThrottle, throttleStep, tokensAfterIdle, type ThrottledClient } from '../../actors/exchange/throttle-hooks.js';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, ccxtBinanceOptions, startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/index.js';

let venue: RunningVenue | undefined;
let client: Exchange | undefined;
afterEach(async () => {
  await client?.close();
  await venue?.close();
  client = venue = undefined;
});

describe('tokensAfterIdle', () => {
  const bucket = (tokens: number) => ({ tokens, capacity: 1, refillRate: 1 / 50 });
  it.each([
    ['a debt of 4 tokens, idle 1 s: full again, never above capacity', -4, 1000, 1],
    ['a debt of 4 tokens, idle 100 ms: 2 tokens repaid', -4, 100, -2],
    ['a debt of 0.2 tokens, idle 10 ms: repaid exactly', -0.2, 10, 0],
    ['already full: unchanged', 1, 5000, 1],
    ['no idle time: unchanged', -3, 0, -3],
    ['a clock that went backwards: unchanged', -3, -20, -3],
  ])('%s', (_what, tokens, idleMs, expected) => {
    expect(tokensAfterIdle(bucket(tokens), idleMs)).toBeCloseTo(expected, 12);
  });
});

describe('throttleStep', () => {
  const bucket = { tokens: -4, capacity: 1, refillRate: 1 / 50 };
  it.each([
    ['queued request, idle loop: credited, queued in ccxt', 1, 1000, false, false, { tokens: 1, passNow: false }],
    ['queued request, loop running: not credited (the loop refills), queued', 1, 1000, true, false, { tokens: -4, passNow: false }],
    ['cancel-all, idle loop: credited, passes now, charged', 1, 1000, false, true, { tokens: 0, passNow: true }],
    ['cancel-all in debt: passes now, the debt grows by its cost', 2, 0, false, true, { tokens: -6, passNow: true }],
    ['cancel-all while the loop runs: passes now, charged', 1, 500, true, true, { tokens: -5, passNow: true }],
  ])('%s', (_what, cost, idleMs, loopRunning, riskReducing, expected) => {
    expect(throttleStep(bucket, cost, idleMs, loopRunning, riskReducing)).toEqual(expected);
  });
});

/** Whether a throttle grant comes without ccxt's loop sleeping: a sleep is a timer, setImmediate runs first. */
const grantedAtOnce = (throttled: Promise<unknown>): Promise<boolean> =>
  Promise.race([throttled.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);

describe("idle credit for ccxt's rate limiter (the fixed wait before the first cancel-all after start-up)", () => {
  async function debtAfterLoadMarkets(): Promise<{ throttled: ThrottledClient; advance: (ms: number) => void }> {
    venue = await startVenueEmulator({ market: { kind: 'none' } });
    client = new ccxt.pro.binance({ ...ccxtBinanceOptions(venue, { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET }), enableRateLimit: true });
    let clockMs = 1_000_000;
    const throttled = client as unknown as ThrottledClient;
    hookThrottle(throttled, () => clockMs);
    await client.loadMarkets();
    // binance's exchangeInfo costs 4 tokens of a bucket that holds 1: the limiter is in debt.
    expect(throttled.throttler.config.tokens).toBeLessThan(0);
    return { throttled, advance: (ms) => (clockMs += ms) };
  }

  it('a request after an idle second is granted at once, not after the debt of the last one', async () => {
    const { throttled, advance } = await debtAfterLoadMarkets();
    advance(1000);
    expect(await grantedAtOnce(throttled.throttle(1))).toBe(true);
  });

  it('credits no more than the capacity: a burst after a long idle spell still waits for its tokens', async () => {
    const { throttled, advance } = await debtAfterLoadMarkets();
    advance(3_600_000);
    // ccxt grants while tokens >= 0: a bucket of capacity 1 lets two through, the third waits.
    expect(await grantedAtOnce(throttled.throttle(1))).toBe(true);
    expect(await grantedAtOnce(throttled.throttle(1))).toBe(true);
    expect(await grantedAtOnce(throttled.throttle(1))).toBe(false);
  });

  it('credits only idle time: without it, the debt is still owed', async () => {
    const { throttled } = await debtAfterLoadMarkets();
    expect(await grantedAtOnce(throttled.throttle(1))).toBe(false);
  });

  it('a cancel-all is not queued behind the debt of a depth snapshot; the request after it pays', async () => {
    const { throttled } = await debtAfterLoadMarkets();
    await client!.fetchOrderBook('BTC/USDT', 1000); // 10 tokens: ~450 ms of debt
    const before = throttled.throttler.config.tokens;
    expect(await grantedAtOnce(asRiskReducing(() => throttled.throttle(1)))).toBe(true);
    expect(throttled.throttler.config.tokens).toBeCloseTo(before - 1, 9);
    expect(await grantedAtOnce(throttled.throttle(1))).toBe(false);
  });

  it('a real cancelAllOrders in the lane reaches the venue although the limiter is in debt', async () => {
    const { throttled } = await debtAfterLoadMarkets();
    await client!.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 20_000);
    await client!.fetchOrderBook('BTC/USDT', 1000);
    expect(throttled.throttler.config.tokens).toBeLessThan(-5);
    const cancelled = await asRiskReducing(() => client!.cancelAllOrders('BTC/USDT'));
    expect(cancelled).toHaveLength(1);
    // Charged, not waited for: had it queued, ccxt's loop would have repaid the debt first.
    expect(throttled.throttler.config.tokens).toBeLessThan(-5);
  });
});
