import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Two hooks on ccxt's leaky-bucket rate limiter (enableRateLimit), which every REST request
 * passes through `client.throttle(cost)`:
 *
 * 1. Idle credit. ccxt refills the bucket only while its loop runs, that is while requests
 *    are queued. A request that drives the bucket below zero (binance's loadMarkets costs 4
 *    tokens of a bucket holding 1) leaves a debt the next request pays in full however long
 *    the venue was idle: the first cancel-all after start-up waited ~500 ms, every later one
 *    ~10 ms. An idle bucket is now credited with what it would have refilled since its last
 *    grant, never above its capacity: the leaky bucket as specified, bursts still bounded.
 *
 * 2. The risk-reducing lane. A cancel-all (the kill switch's halt, the order manager's
 *    CANCEL_ALL) is not queued behind the debt of market-data requests (a 1000-level depth
 *    snapshot costs 10 tokens, ~450 ms of waiting): it leaves at once and its cost is
 *    charged to the bucket, so the requests after it pay for it and the average rate is
 *    kept. The venue's own pause after a 429 (RestPacer) still applies to it.
 */

/** The part of ccxt's Throttler config this uses (refillRate is tokens per millisecond). */
export interface LeakyBucketState {
  tokens: number;
  readonly capacity: number;
  readonly refillRate: number;
}

/** Tokens after `idleMs` without a grant: the refill ccxt's stopped loop did not do, capped at capacity. */
export function tokensAfterIdle(bucket: LeakyBucketState, idleMs: number): number {
  if (bucket.tokens >= bucket.capacity || !(idleMs > 0)) return bucket.tokens;
  return Math.min(bucket.capacity, bucket.tokens + bucket.refillRate * idleMs);
}

export interface ThrottleStep {
  /** The bucket's tokens to set before the request is queued in ccxt or passed. */
  tokens: number;
  /** True: the request leaves now (risk-reducing lane); false: it queues in ccxt's limiter. */
  passNow: boolean;
}

/** What one request does to the bucket: idle credit when the loop is stopped, and the risk-reducing lane. */
export function throttleStep(bucket: LeakyBucketState, cost: number, idleMs: number, loopRunning: boolean, riskReducing: boolean): ThrottleStep {
  // While the loop runs it refills the bucket itself; crediting then would count time twice.
  const tokens = loopRunning ? bucket.tokens : tokensAfterIdle(bucket, idleMs);
  return riskReducing ? { tokens: tokens - cost, passNow: true } : { tokens, passNow: false };
}

const riskReducingRequest = new AsyncLocalStorage<true>();

/** Runs `send` (a ccxt call that only reduces risk: a cancel-all) so its requests skip ccxt's queue. */
export function asRiskReducing<T>(send: () => Promise<T>): Promise<T> {
  return riskReducingRequest.run(true, send);
}

/** What the hooks need of a ccxt client: its throttle entry point and its Throttler. */
export interface ThrottledClient {
  throttle(cost?: number): Promise<unknown>;
  throttler: { running: boolean; config: LeakyBucketState & { algorithm?: string; cost?: number } };
}

/**
 * Installs both hooks on `client.throttle`. A rolling-window limiter (no bucket, no debt) is
 * left alone. `nowMs` is the clock ccxt's own limiter uses (wall-clock milliseconds).
 */
export function hookThrottle(client: ThrottledClient, nowMs: () => number = Date.now): void {
  const throttle = client.throttle.bind(client);
  let lastGrantMs = nowMs();
  const granted = <T>(value: T): T => {
    lastGrantMs = nowMs();
    return value;
  };
  client.throttle = (cost?: number): Promise<unknown> => {
    const throttler = client.throttler;
    const bucket = throttler.config;
    if (bucket.algorithm !== undefined && bucket.algorithm !== 'leakyBucket') return throttle(cost);
    const step = throttleStep(bucket, cost ?? bucket.cost ?? 1, nowMs() - lastGrantMs, throttler.running, riskReducingRequest.getStore() === true);
    bucket.tokens = step.tokens;
    if (step.passNow) return Promise.resolve(granted(undefined));
    return throttle(cost).then(granted);
  };
}
