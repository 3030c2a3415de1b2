/**
 * Deterministic client order ids.
 *
 * The id is a pure function of (namespace, strategy, intent). A retried submit, or a submit
 * repeated after a restart, therefore carries the same id as the first attempt, and the venue
 * refuses it as a duplicate (or a query by that id finds the first one) instead of opening a
 * second order. The namespace separates runs/accounts sharing one venue account and tells our
 * orders apart from external ones during reconciliation.
 *
 * Format: `<namespace>-<strategy base36>-<intent base36>`, at most 12 + 1 + 5 + 1 + 7 = 26
 * characters, inside Binance's `^[.A-Z:/a-z0-9_-]{1,36}$`.
 */

export const BINANCE_CLIENT_ID_PATTERN = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const NAMESPACE_PATTERN = /^[A-Za-z0-9]{1,12}$/;
const ID_PATTERN = /^([A-Za-z0-9]{1,12})-([0-9a-z]{1,5})-([0-9a-z]{1,7})$/;

/** Strategy ids fit 21 bits and intent ids 32 bits, so (strategy, intent) packs into one safe integer. */
export const MAX_STRATEGY_ID = 2 ** 21 - 1;
export const MAX_INTENT_ID = 2 ** 32 - 1;
const INTENT_SPAN = 2 ** 32;

/**
 * Strategy id 0 is the runtime's own: the order manager's flatten orders on HALTED carry it, and
 * the gates let a reduce-only order of it out while HALTED with flatten_on_halt. Strategies
 * are numbered from 1.
 */
export const FLATTEN_STRATEGY_ID = 0;

export interface ClientOrderIdParts {
  namespace: string;
  strategy: number;
  intentId: number;
}

function assertParts(namespace: string, strategy: number, intentId: number): void {
  if (typeof namespace !== 'string' || !NAMESPACE_PATTERN.test(namespace)) {
    throw new RangeError(`client order id: namespace must be 1-12 letters or digits, got ${JSON.stringify(namespace)}`);
  }
  if (!Number.isInteger(strategy) || strategy < 0 || strategy > MAX_STRATEGY_ID) {
    throw new RangeError(`client order id: strategy must be an integer in [0, ${MAX_STRATEGY_ID}], got ${strategy}`);
  }
  if (!Number.isInteger(intentId) || intentId < 0 || intentId > MAX_INTENT_ID) {
    throw new RangeError(`client order id: intentId must be an integer in [0, ${MAX_INTENT_ID}], got ${intentId}`);
  }
}

export function clientOrderId(namespace: string, strategy: number, intentId: number): string {
  assertParts(namespace, strategy, intentId);
  return `${namespace}-${strategy.toString(36)}-${intentId.toString(36)}`;
}

/** The parts of one of our ids, or null for an id we did not make (an external order). */
export function parseClientOrderId(id: string, namespace?: string): ClientOrderIdParts | null {
  const m = ID_PATTERN.exec(id);
  if (!m) return null;
  const [, ns, strategyText, intentText] = m as unknown as [string, string, string, string];
  if (namespace !== undefined && ns !== namespace) return null;
  const strategy = parseInt(strategyText, 36);
  const intentId = parseInt(intentText, 36);
  if (strategy > MAX_STRATEGY_ID || intentId > MAX_INTENT_ID) return null;
  // Reject non-canonical spellings (leading zeros) so that parse ∘ format is a bijection.
  if (strategy.toString(36) !== strategyText || intentId.toString(36) !== intentText) return null;
  return { namespace: ns, strategy, intentId };
}

/** The numeric order id carried in hot messages: (strategy, intent) packed into one safe integer. */
export function orderIdFor(strategy: number, intentId: number): number {
  assertParts('x', strategy, intentId);
  return strategy * INTENT_SPAN + intentId;
}

export function orderIdParts(orderId: number): { strategy: number; intentId: number } {
  if (!Number.isSafeInteger(orderId) || orderId < 0) throw new RangeError(`orderId must be a safe integer >= 0, got ${orderId}`);
  return { strategy: Math.floor(orderId / INTENT_SPAN), intentId: orderId % INTENT_SPAN };
}

/** What the exchange actor calls: the venue id of a hot-message order id. */
export function clientOrderIdForOrderId(namespace: string, orderId: number): string {
  const { strategy, intentId } = orderIdParts(orderId);
  return clientOrderId(namespace, strategy, intentId);
}
