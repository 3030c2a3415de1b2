/**
 * Memory layout of an SPSC ring SharedArrayBuffer and of the frames inside it, plus the
 * pure checks both ends apply. Everything a ring knows lives in its SAB, so a writer or
 * reader attached later (a restarted actor) picks up exactly where the last one stopped.
 *
 * Header (RING_HEADER_BYTES), one concern per 64-byte line so the producer's and the
 * consumer's hot stores never share a cache line:
 *   line 0  immutable: magic, layout version, capacity
 *   line 1  producer-owned: write index, dropped count, full events
 *   line 2  consumer-owned: read index, corrupt frames, corrupt bytes, last corruption reason,
 *           notifies sent to a blocked producer
 *   line 3  producer-owned, read by the consumer after each commit: "producer is blocked" flag
 * Data region: capacityBytes from RING_HEADER_BYTES on.
 *
 * Indices are monotonic uint32 counters kept as int32 bit patterns (`| 0`): int32 values are
 * small integers in V8, so index arithmetic never allocates a heap number, and
 * `(write - read) | 0` is the exact modular distance while it stays below 2^31.
 */

export const CACHE_LINE_BYTES = 64;
export const RING_HEADER_BYTES = 4 * CACHE_LINE_BYTES;
export const RING_MAGIC = 0x52494e47; // "RING"
export const RING_LAYOUT_VERSION = 1;

/** Int32 slots in the header. */
export const Slot = {
  MAGIC: 0,
  LAYOUT_VERSION: 1,
  CAPACITY: 2,
  WRITE_INDEX: CACHE_LINE_BYTES / 4,
  DROPPED: CACHE_LINE_BYTES / 4 + 1,
  FULL_EVENTS: CACHE_LINE_BYTES / 4 + 2,
  READ_INDEX: (2 * CACHE_LINE_BYTES) / 4,
  CORRUPT_FRAMES: (2 * CACHE_LINE_BYTES) / 4 + 1,
  CORRUPT_BYTES: (2 * CACHE_LINE_BYTES) / 4 + 2,
  LAST_CORRUPTION: (2 * CACHE_LINE_BYTES) / 4 + 3,
  PRODUCER_WAKEUPS: (2 * CACHE_LINE_BYTES) / 4 + 4,
  PRODUCER_WAITING: (3 * CACHE_LINE_BYTES) / 4,
} as const;

export const MIN_CAPACITY_BYTES = 256;
/** Keeps every index distance below 2^31, where int32 differences are exact. */
export const MAX_CAPACITY_BYTES = 2 ** 30;

/** Frame header: Int32 payload length, Int32 meta (type u16 | version u8 << 16 | flags u8 << 24). */
export const FRAME_HEADER_BYTES = 8;
export const FRAME_ALIGN_BYTES = 8;
/** Type 0 marks the padding frame that fills the tail of the data region at a wrap. */
export const PADDING_TYPE = 0;
export const MAX_FRAME_TYPE = 0xffff;
export const MAX_FRAME_VERSION = 0xff;

/** Bytes a frame occupies in the ring: header plus payload rounded up to the alignment. */
export function frameBytesFor(payloadLength: number): number {
  return FRAME_HEADER_BYTES + ((payloadLength + (FRAME_ALIGN_BYTES - 1)) & ~(FRAME_ALIGN_BYTES - 1));
}

/**
 * Largest payload a ring accepts. With frames of at most half the capacity an empty ring
 * always takes the frame whatever the write position (either it fits before the end, or
 * the tail is shorter than the frame and padding + frame still fit), so a blocked
 * producer cannot wait forever for space that can never appear.
 */
export function maxPayloadBytes(capacityBytes: number): number {
  return capacityBytes / 2 - FRAME_HEADER_BYTES;
}

export function encodeFrameMeta(type: number, version: number): number {
  return type | (version << 16);
}

export const frameType = (meta: number): number => meta & 0xffff;
export const frameVersion = (meta: number): number => (meta >>> 16) & 0xff;
export const frameFlags = (meta: number): number => meta >>> 24;

/** Why the reader rejected a frame (recorded in the LAST_CORRUPTION slot). 0 = frame is sound. */
export const Corruption = {
  NONE: 0,
  /** The read index is not on an 8-byte boundary. */
  MISALIGNED_INDEX: 1,
  /** The published region is shorter than a header or longer than the ring. */
  BAD_PUBLISHED_REGION: 2,
  /** Negative length or longer than the largest payload the ring accepts. */
  BAD_LENGTH: 3,
  /** The frame extends past the published write index. */
  PAST_WRITE_INDEX: 4,
  /** The frame would run past the end of the data region (frames never wrap). */
  CROSSES_END: 5,
  /** Flags are reserved and must be zero. */
  RESERVED_FLAGS: 6,
  /** A padding frame that does not end exactly at the end of the data region. */
  BAD_PADDING: 7,
} as const;
export type Corruption = (typeof Corruption)[keyof typeof Corruption];

const corruptionNames = [
  'none',
  'read index not 8-byte aligned',
  'published region shorter than a header or longer than the ring',
  'payload length negative or larger than the ring accepts',
  'frame extends past the published write index',
  'frame runs past the end of the data region',
  'reserved flag bits set',
  'padding frame does not end at the end of the data region',
] as const;

export function corruptionName(reason: number): string {
  return corruptionNames[reason] ?? `unknown(${reason})`;
}

/**
 * Checks the header of the frame at data position `position` given `available` published
 * bytes from it. Pure, allocation-free: returns a Corruption code.
 */
export function checkFrameHeader(
  position: number,
  available: number,
  payloadLength: number,
  meta: number,
  capacityBytes: number,
): Corruption {
  if ((position & (FRAME_ALIGN_BYTES - 1)) !== 0) return Corruption.MISALIGNED_INDEX;
  if (available < FRAME_HEADER_BYTES || available > capacityBytes) return Corruption.BAD_PUBLISHED_REGION;
  if (frameFlags(meta) !== 0) return Corruption.RESERVED_FLAGS;
  const isPadding = frameType(meta) === PADDING_TYPE;
  if (payloadLength < 0 || (!isPadding && payloadLength > maxPayloadBytes(capacityBytes)) || payloadLength > capacityBytes) {
    return Corruption.BAD_LENGTH;
  }
  const frameBytes = frameBytesFor(payloadLength);
  if (frameBytes > available) return Corruption.PAST_WRITE_INDEX;
  if (position + frameBytes > capacityBytes) return Corruption.CROSSES_END;
  if (isPadding && (position + frameBytes !== capacityBytes || frameVersion(meta) !== 0)) return Corruption.BAD_PADDING;
  return Corruption.NONE;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
