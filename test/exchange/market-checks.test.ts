import { describe, expect, it } from 'vitest';
import { parseMarketMessage } from '../../actors/exchange/binance-market-messages.js';
import { MarketValidator } from '../../actors/exchange/market-validation.js';
import { StaleDetector } from '../../actors/exchange/stale-detector.js';
import { Backoff } from '../../actors/exchange/backoff.js';
import { seededRandom } from '../../src/domain/random.js';

const depth = (data: Record<string, unknown>) => JSON.stringify({ stream: 'btcusdt@depth@100ms', data: { e: 'depthUpdate', E: 5, s: 'BTCUSDT', U: 1, u: 2, b: [['10.5', '1']], a: [], ...data } });

describe('parseMarketMessage', () => {
  it('parses depth diffs, trades and subscription replies', () => {
    expect(parseMarketMessage(depth({}))).toEqual({ kind: 'depth', symbol: 'BTCUSDT', firstUpdateId: 1, lastUpdateId: 2, eventTimeMs: 5, bids: [[10.5, 1]], asks: [] });
    expect(parseMarketMessage(JSON.stringify({ e: 'trade', E: 1, s: 'BTCUSDT', t: 9, p: '10', q: '0.5', T: 3, m: true }))).toMatchObject({ kind: 'trade', tradeId: 9, price: 10, qty: 0.5, buyerIsMaker: true });
    expect(parseMarketMessage('{"result":null,"id":1}')).toEqual({ kind: 'reply', id: 1, error: null });
    expect(parseMarketMessage('{"error":{"code":2,"msg":"bad"},"id":3}')).toEqual({ kind: 'reply', id: 3, error: '2: bad' });
    expect(parseMarketMessage(JSON.stringify({ u: 4, s: 'BTCUSDT', b: '1', B: '1', a: '2', A: '1' }))).toEqual({ kind: 'ignored', event: 'bookTicker' });
  });

  it.each([
    ['not json', '{"stream":', 'bad-json'],
    ['an array', '[1,2]', 'bad-shape'],
    ['no event type', '{"x":1}', 'bad-shape'],
    ['ids that are not integers', depth({ U: 'one' }), 'bad-shape'],
    ['U after u', depth({ U: 5, u: 4 }), 'bad-sequence'],
    ['a price that is not a number', depth({ b: [['abc', '1']] }), 'bad-number'],
    ['a level that is not a pair', depth({ a: [['1']] }), 'bad-shape'],
    ['a negative size', depth({ b: [['10', '-1']] }), 'negative-size'],
    ['a trade without a maker flag', JSON.stringify({ e: 'trade', s: 'BTCUSDT', t: 1, p: '1', q: '1', T: 1 }), 'bad-shape'],
  ])('refuses %s, naming why', (_what, text, reason) => {
    const parsed = parseMarketMessage(text);
    expect(parsed).toMatchObject({ kind: 'malformed', reason });
    expect((parsed as { detail: string }).detail.length).toBeGreaterThan(5);
  });
});

describe('MarketValidator', () => {
  it('counts unknown symbols, backwards time, crossed books, jumps and off-book trades', () => {
    const v = new MarketValidator(new Set(['BTCUSDT']), 0.05);
    expect(v.knownSymbol('BTCUSDT')).toBe(true);
    expect(v.knownSymbol('DOGEUSDT')).toBe(false);
    expect(v.inOrder('s', 10)).toBe(true);
    expect(v.inOrder('s', 10)).toBe(true);
    expect(v.inOrder('s', 9)).toBe(false);
    expect(v.checkTop('BTCUSDT', 100, 100)).toBe('crossed');
    expect(v.checkTop('BTCUSDT', 100, 101)).toBe('ok');
    expect(v.checkTop('BTCUSDT', 120, 121)).toBe('jump');
    expect(v.checkTop('BTCUSDT', 121, 122)).toBe('ok'); // the jump became the reference
    expect(v.checkTrade('BTCUSDT', 20, 121.5)).toBe('ok');
    expect(v.checkTrade('BTCUSDT', 21, 200)).toBe('off-book');
    expect(v.checkTrade('BTCUSDT', 19, 121.5)).toBe('backwards');
    expect(v.counters).toEqual({ unknownSymbol: 1, nonMonotonicTime: 2, crossedBook: 1, priceJump: 1, tradeOffBook: 1 });
  });
});

describe('StaleDetector', () => {
  it('goes stale after the configured silence, once, and fresh on data', () => {
    const d = new StaleDetector(1000, 0);
    expect(d.check(999)).toBeNull();
    expect(d.check(1000)).toBe('became-stale');
    expect(d.check(5000)).toBeNull();
    expect(d.isStale).toBe(true);
    expect(d.onData(5001)).toBe('became-fresh');
    expect(d.onData(5002)).toBeNull();
    expect(d.episodes).toBe(1);
    expect(() => new StaleDetector(0, 0)).toThrow(/stale_after_ms must be > 0/);
  });
});

describe('Backoff', () => {
  it('doubles up to the cap, jitters from the seed, and resets', () => {
    const plain = new Backoff({ minMs: 100, maxMs: 500, jitter: 0 }, seededRandom(1));
    expect([plain.next(), plain.next(), plain.next(), plain.next()]).toEqual([100, 200, 400, 500]);
    plain.reset();
    expect(plain.next()).toBe(100);
    const a = new Backoff({ minMs: 100, maxMs: 10_000, jitter: 0.5 }, seededRandom(7));
    const b = new Backoff({ minMs: 100, maxMs: 10_000, jitter: 0.5 }, seededRandom(7));
    const delays = Array.from({ length: 5 }, () => a.next());
    expect(delays).toEqual(Array.from({ length: 5 }, () => b.next()));
    delays.forEach((delay, n) => {
      expect(delay).toBeGreaterThanOrEqual(100 * 2 ** n);
      expect(delay).toBeLessThan(150 * 2 ** n);
    });
    expect(() => new Backoff({ minMs: 10, maxMs: 5, jitter: 0 }, seededRandom(1))).toThrow(/max_ms \(5\) must be >= min_ms/);
  });
});
