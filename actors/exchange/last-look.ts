import { AsyncLocalStorage } from 'node:async_hooks';
import { RejectReason, rejectReasonName } from '../../src/domain/messages.js';

/**
 * The trading gate's last look at an order, at the moment its HTTP request leaves.
 *
 * Checking the gate before calling ccxt's createOrder is not enough: ccxt's own rate
 * limiter may hold the request for a while and send it after a trip. So each submit runs
 * inside a context that carries its gate check, and the fetch ccxt uses (a user-supplied
 * `fetchImplementation`, which ccxt supports) runs that check immediately before
 * dispatching the request. Context, not URL matching, marks the submit, so this works
 * for every venue's API.
 */
export class GateClosed extends Error {
  constructor(readonly reason: RejectReason) {
    super(`trading gate refused the order: ${rejectReasonName(reason)}`);
    this.name = 'GateClosed';
  }
}

const pendingSubmit = new AsyncLocalStorage<() => RejectReason>();

/** Runs `send` (a ccxt createOrder call) so that every request it makes first passes `check`. */
export function withLastLook<T>(check: () => RejectReason, send: () => Promise<T>): Promise<T> {
  return pendingSubmit.run(check, send);
}

type Fetch = (url: string, init: Record<string, unknown>) => Promise<Response>;

/** The fetch handed to ccxt: the platform fetch, behind the last look. */
export function lastLookFetch(inner: Fetch = (url, init) => fetch(url, init)): Fetch {
  return async (url, init) => {
    const check = pendingSubmit.getStore();
    if (check) {
      const refusal = check();
      if (refusal !== RejectReason.NONE) throw new GateClosed(refusal);
    }
    // Exchange REST APIs never redirect legitimately (ccxt's own fetch refuses them too).
    return inner(url, { ...init, redirect: 'error' });
  };
}
