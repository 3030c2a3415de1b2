import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson } from '../../src/persistence/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"x":2,"y":1}]},"b":1}');
  });

  it('is the same for any key order and round-trips through JSON.parse', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const shuffled = Object.fromEntries(Object.entries(value).reverse());
        const text = canonicalJson(value);
        expect(canonicalJson(shuffled)).toBe(text);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('refuses values JSON cannot carry, naming where they are', () => {
    expect(() => canonicalJson({ a: [1, Number.POSITIVE_INFINITY] })).toThrow(/\$\.a\[1\] is Infinity/);
    expect(() => canonicalJson({ a: undefined })).toThrow(/\$\.a is of type undefined/);
    expect(() => canonicalJson({ when: new Date(0) })).toThrow(/\$\.when is a Date/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/\$\.n is of type bigint/);
  });
});
