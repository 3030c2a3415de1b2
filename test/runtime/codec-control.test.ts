import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../../src/runtime/codec/codec-error.js';
import { CONTROL_MAX_BYTES, decodeControl, encodeControl } from '../../src/runtime/codec/control-frame.js';

describe('control frame (UTF-8 JSON)', () => {
  it('round-trips any JSON value through shared memory at an offset', () => {
    const view = new DataView(new SharedArrayBuffer(CONTROL_MAX_BYTES + 64), 16);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 0, max: 32 }), (value, offset) => {
        const bytes = encodeControl(value);
        new Uint8Array(view.buffer, view.byteOffset + offset, bytes.length).set(bytes);
        // JSON has no -0; compare the JSON forms.
        expect(JSON.stringify(decodeControl(view, offset, bytes.length))).toBe(JSON.stringify(value));
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('refuses values without a JSON form, naming why', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeControl(cyclic)).toThrow(/Control: value is not JSON-serializable \(.*circular/i);
    expect(() => encodeControl({ n: 10n })).toThrow(/Control: value is not JSON-serializable \(.*BigInt/);
    expect(() => encodeControl(undefined)).toThrow('Control: a value of type undefined has no JSON form');
    expect(() => encodeControl(() => 1)).toThrow('a value of type function has no JSON form');
  });

  it('refuses an oversize value with reason bad-length and both sizes', () => {
    const big = { blob: 'x'.repeat(CONTROL_MAX_BYTES) };
    let caught: unknown;
    try {
      encodeControl(big);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CodecError);
    expect((caught as CodecError).reason).toBe('bad-length');
    expect((caught as CodecError).message).toBe(`Control: payload length must be at most ${CONTROL_MAX_BYTES} bytes, got ${CONTROL_MAX_BYTES + 11}`);
    expect(encodeControl({ ok: 'é' }, 11).length).toBe(11);
    expect(() => encodeControl({ ok: 'é' }, 10)).toThrow('at most 10 bytes, got 11');
  });

  it('refuses a byte-order mark and overlong UTF-8 encodings', () => {
    const view = new DataView(new ArrayBuffer(16));
    new Uint8Array(view.buffer).set([0xef, 0xbb, 0xbf, 0x31]);
    expect(() => decodeControl(view, 0, 4)).toThrow('Control: payload is not valid JSON');
    // "/" encoded in two bytes: valid-looking but forbidden UTF-8.
    new Uint8Array(view.buffer).set([0x22, 0xc0, 0xaf, 0x22]);
    expect(() => decodeControl(view, 0, 4)).toThrow('Control: payload of 4 bytes is not valid UTF-8');
  });
});
