import type { Backoff } from './backoff.js';

/**
 * One pause for every REST call of a venue after it said "too many requests" (HTTP 429 /
 * 418, or a rate-limit error code). ccxt's own limiter (enableRateLimit) spaces requests
 * in normal times; this adds the venue-imposed pause, growing exponentially while the
 * venue keeps refusing, so a rate-limited actor never turns into a request storm.
 */
export class RestPacer {
  private blockedUntil = 0;
  hits = 0;

  constructor(private readonly backoff: Backoff) {}

  blockedForMs(nowMs: number): number {
    return Math.max(0, this.blockedUntil - nowMs);
  }

  get blockedUntilMs(): number {
    return this.blockedUntil;
  }

  /** Resolves when REST calls may go out again. */
  async ready(): Promise<void> {
    for (;;) {
      const wait = this.blockedForMs(Date.now());
      if (wait <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  onRateLimited(nowMs: number): number {
    this.hits++;
    const pause = this.backoff.next();
    this.blockedUntil = Math.max(this.blockedUntil, nowMs + pause);
    return pause;
  }

  onSuccess(): void {
    this.backoff.reset();
  }
}
