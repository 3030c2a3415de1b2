import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BINANCE_CLIENT_ID_PATTERN,
  MAX_INTENT_ID,
  MAX_STRATEGY_ID,
  clientOrderId,
  clientOrderIdForOrderId,
  orderIdFor,
  orderIdParts,
  parseClientOrderId,
} from '../../actors/order-manager/client-order-id.js';

describe('client order ids', () => {
  it('are a pure function of (namespace, strategy, intent)', () => {
    expect(clientOrderId('b4run7', 3, 1001)).toBe('b4run7-3-rt');
    expect(clientOrderId('b4run7', 3, 1001)).toBe(clientOrderId('b4run7', 3, 1001));
  });

  it('the longest possible id is Binance-valid', () => {
    const id = clientOrderId('ABCDEFGHIJKL', MAX_STRATEGY_ID, MAX_INTENT_ID);
    expect(id.length).toBeLessThanOrEqual(36);
    expect(id).toMatch(BINANCE_CLIENT_ID_PATTERN);
  });

  it('every id is Binance-valid, parses back, and distinct inputs give distinct ids', () => {
    const ns = fc.stringMatching(/^[A-Za-z0-9]{1,12}$/);
    const strategy = fc.integer({ min: 0, max: MAX_STRATEGY_ID });
    const intent = fc.integer({ min: 0, max: MAX_INTENT_ID });
    fc.assert(
      fc.property(ns, strategy, intent, ns, strategy, intent, (n1, s1, i1, n2, s2, i2) => {
        const a = clientOrderId(n1, s1, i1);
        expect(a).toMatch(BINANCE_CLIENT_ID_PATTERN);
        expect(parseClientOrderId(a)).toEqual({ namespace: n1, strategy: s1, intentId: i1 });
        const same = n1 === n2 && s1 === s2 && i1 === i2;
        expect(a === clientOrderId(n2, s2, i2)).toBe(same);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('parse refuses ids that are not ours', () => {
    expect(parseClientOrderId('web_8a7d6f5e4c3b2a1')).toBeNull();
    expect(parseClientOrderId('b4run7-3-rt', 'other')).toBeNull();
    expect(parseClientOrderId('b4run7-03-rt')).toBeNull(); // non-canonical spelling
    expect(parseClientOrderId('b4run7-3-rt', 'b4run7')).toEqual({ namespace: 'b4run7', strategy: 3, intentId: 1001 });
  });

  it('rejects bad parts with a message naming them', () => {
    expect(() => clientOrderId('has-dash', 1, 1)).toThrow(/namespace must be 1-12 letters or digits/);
    expect(() => clientOrderId('', 1, 1)).toThrow(/namespace/);
    expect(() => clientOrderId('ns', -1, 1)).toThrow(/strategy must be an integer/);
    expect(() => clientOrderId('ns', 1, 2 ** 32)).toThrow(/intentId must be an integer/);
    expect(() => clientOrderId('ns', 1, 1.5)).toThrow(/intentId/);
  });

  it('the numeric order id packs (strategy, intent) and formats to the same client id', () => {
    const orderId = orderIdFor(MAX_STRATEGY_ID, MAX_INTENT_ID);
    expect(Number.isSafeInteger(orderId)).toBe(true);
    expect(orderIdParts(orderId)).toEqual({ strategy: MAX_STRATEGY_ID, intentId: MAX_INTENT_ID });
    expect(clientOrderIdForOrderId('b4', orderIdFor(7, 99))).toBe(clientOrderId('b4', 7, 99));
    expect(() => orderIdParts(-1)).toThrow(/orderId must be a safe integer/);
  });
});
