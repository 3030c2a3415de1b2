import { CodecError } from './codec-error.js';

/**
 * Field checks and 64-bit id access shared by every layout. Each check is a small pure
 * predicate that TurboFan inlines, so the hot path stays free of calls that would box
 * doubles; the caller builds the error (and its string) only when a check fails.
 */

export const NON_NEGATIVE_RULE = 'a finite number >= 0';
export const FINITE_RULE = 'a finite number';
export const FLAG_RULE = '0 or 1';
export const U16_RULE = 'an integer in [0, 65535]';
export const U32_RULE = 'an integer in [0, 4294967295]';
export const U64_RULE = 'an integer in [0, 2^53 - 1]';

/** Prices, quantities and timestamps: finite and not negative (rejects NaN, ±Infinity, -1). */
export const isNonNegativeFinite = (value: number): boolean => value >= 0 && value < Infinity;
export const isFiniteNumber = (value: number): boolean => Number.isFinite(value);
export const isFlag = (value: number): boolean => value === 0 || value === 1;
export const isU16 = (value: number): boolean => (value & 0xffff) === value;
export const isU32 = (value: number): boolean => value >>> 0 === value;
export const isU64 = (value: number): boolean => Number.isSafeInteger(value) && value >= 0;

/**
 * Membership table for an enum carried in a u8: index = value, 1 = allowed. Built from the
 * enum objects of src/domain/messages.ts, so a value added there is accepted here at once.
 */
export function enumTable(values: readonly number[]): Uint8Array {
  const table = new Uint8Array(256);
  for (const value of values) {
    if (!Number.isInteger(value) || value < 0 || value > 255) {
      throw new RangeError(`enumTable: ${value} does not fit the u8 an enum is carried in`);
    }
    table[value] = 1;
  }
  return table;
}

/** Also false for non-integers and values outside [0, 255] (the index misses the table). */
export const isMember = (table: Uint8Array, value: number): boolean => table[value] === 1;

export function enumRule(values: readonly number[]): string {
  return `one of ${values.join(', ')}`;
}

const TWO_POW_32 = 4294967296;
/** The high word of the largest safe integer: ids above 2^53 - 1 cannot be held in a number. */
const MAX_SAFE_HIGH_WORD = 0x1fffff;

/** Ids travel as u64 little-endian (low word first) so any reader sees a plain integer. */
export function writeU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value >>> 0, true);
  view.setUint32(offset + 4, (value / TWO_POW_32) >>> 0, true);
}

export function readU64(view: DataView, offset: number, message: string, field: string): number {
  const low = view.getUint32(offset, true);
  const high = view.getUint32(offset + 4, true);
  if (high > MAX_SAFE_HIGH_WORD) {
    throw new CodecError(
      'bad-value',
      `${message}.${field} must be ${U64_RULE}, got high word 0x${high.toString(16)} (low word ${low})`,
    );
  }
  return high * TWO_POW_32 + low;
}
