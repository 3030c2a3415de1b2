/**
 * Why a frame was refused. The frame decoder keeps one counter per reason, so a reader
 * can tell a peer speaking a newer protocol (unknown-version) from memory corruption
 * (bad-length, bad-value) without parsing messages.
 */
export const FRAME_ERROR_REASONS = [
  'unknown-type',
  'unknown-version',
  'bad-length',
  'bad-value',
  'bad-utf8',
  'bad-json',
  /** A decoder threw something other than a CodecError: a bug, counted rather than crashing the reader. */
  'decoder-failure',
] as const;
export type FrameErrorReason = (typeof FRAME_ERROR_REASONS)[number];

/** Every refusal by an encoder or decoder. Built only on the failure path, so it may allocate freely. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    readonly reason: FrameErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function badLength(message: string, expected: string, got: number): CodecError {
  return new CodecError('bad-length', `${message}: payload length must be ${expected} bytes, got ${got}`);
}

export function badValue(message: string, field: string, got: number, expected: string): CodecError {
  return new CodecError('bad-value', `${message}.${field} must be ${expected}, got ${got}`);
}
