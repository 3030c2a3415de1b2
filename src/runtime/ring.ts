import type { Doorbell } from './doorbell.js';
import {
  Corruption,
  FRAME_HEADER_BYTES,
  MAX_CAPACITY_BYTES,
  MAX_FRAME_TYPE,
  MAX_FRAME_VERSION,
  MIN_CAPACITY_BYTES,
  PADDING_TYPE,
  RING_HEADER_BYTES,
  RING_LAYOUT_VERSION,
  RING_MAGIC,
  Slot,
  checkFrameHeader,
  corruptionName,
  encodeFrameMeta,
  frameBytesFor,
  frameType,
  frameVersion,
  isPowerOfTwo,
  maxPayloadBytes,
} from './ring-layout.js';

/**
 * Single-producer single-consumer ring of variable-length frames over a SharedArrayBuffer
 * (layout in ring-layout.ts, design and memory-ordering argument in docs/ring-buffer.md).
 *
 * The producer writes header and payload with plain typed-array stores and publishes them
 * with one Atomics.store of the write index (one per burst with stage() + flush()); the
 * consumer Atomics.loads the write index before reading, so it never sees a torn frame.
 * Each side keeps a cached copy of the other's index and loads the shared one only when
 * the cache says full (producer) or empty (consumer), and the consumer commits once per
 * batch, so in a busy stream the two index lines rarely travel between cores.
 * reserve/stage/flush/publish/poll allocate nothing.
 */

export type FullPolicy = 'block' | 'drop-newest' | 'fail';

export interface RingOptions {
  /** Power of two, >= 256. */
  capacityBytes: number;
  /** uint32 start of both counters, a multiple of 8 (tests use 2**32 - small to cross rollover). */
  initialIndex?: number;
}

export interface FrameHandler {
  onFrame(type: number, version: number, view: DataView, offset: number, length: number): void;
}

export interface RingWriterOptions {
  /** What reserve() does when the frame does not fit. Default 'fail'. */
  policy?: FullPolicy;
  /** Under 'block': how long to wait for space before throwing RingFullError. Default 1000. */
  blockTimeoutMs?: number;
  /** The consumer's doorbell, rung after each publish. */
  doorbell?: Doorbell;
}

export const DEFAULT_BLOCK_TIMEOUT_MS = 1000;

export class RingFullError extends Error {
  constructor(
    readonly capacityBytes: number,
    readonly requestedBytes: number,
    readonly frameBytes: number,
    readonly freeBytes: number,
    readonly waitedMs: number,
  ) {
    super(
      `ring full: ${requestedBytes}-byte payload (${frameBytes} bytes with header, alignment and wrap padding) ` +
        `does not fit, ${freeBytes} of ${capacityBytes} bytes free` +
        (waitedMs > 0 ? ` after waiting ${waitedMs} ms` : ''),
    );
    this.name = 'RingFullError';
  }
}

export function createRing(opts: RingOptions): SharedArrayBuffer {
  const { capacityBytes } = opts;
  if (!isPowerOfTwo(capacityBytes) || capacityBytes < MIN_CAPACITY_BYTES || capacityBytes > MAX_CAPACITY_BYTES) {
    throw new RangeError(
      `createRing: capacityBytes must be a power of two in [${MIN_CAPACITY_BYTES}, ${MAX_CAPACITY_BYTES}], got ${capacityBytes}`,
    );
  }
  const initialIndex = opts.initialIndex ?? 0;
  if (!Number.isInteger(initialIndex) || initialIndex < 0 || initialIndex > 0xffffffff || initialIndex % 8 !== 0) {
    throw new RangeError(`createRing: initialIndex must be a multiple of 8 in [0, 2^32), got ${initialIndex}`);
  }
  const sab = new SharedArrayBuffer(RING_HEADER_BYTES + capacityBytes);
  const words = new Int32Array(sab);
  words[Slot.MAGIC] = RING_MAGIC;
  words[Slot.LAYOUT_VERSION] = RING_LAYOUT_VERSION;
  words[Slot.CAPACITY] = capacityBytes;
  words[Slot.WRITE_INDEX] = initialIndex | 0;
  words[Slot.READ_INDEX] = initialIndex | 0;
  return sab;
}

/** Validates a ring SAB and returns its capacity. */
function attach(sab: SharedArrayBuffer, who: string): number {
  if (!(sab instanceof SharedArrayBuffer)) throw new TypeError(`${who}: expected a SharedArrayBuffer from createRing()`);
  if (sab.byteLength < RING_HEADER_BYTES + MIN_CAPACITY_BYTES) {
    throw new RangeError(`${who}: SharedArrayBuffer of ${sab.byteLength} bytes is too small to be a ring (use createRing())`);
  }
  const words = new Int32Array(sab, 0, RING_HEADER_BYTES / 4);
  if (Atomics.load(words, Slot.MAGIC) !== RING_MAGIC) throw new RangeError(`${who}: SharedArrayBuffer was not made by createRing() (bad magic)`);
  const version = Atomics.load(words, Slot.LAYOUT_VERSION);
  if (version !== RING_LAYOUT_VERSION) throw new RangeError(`${who}: ring layout version ${version}, this code reads ${RING_LAYOUT_VERSION}`);
  const capacity = Atomics.load(words, Slot.CAPACITY);
  if (!isPowerOfTwo(capacity) || sab.byteLength !== RING_HEADER_BYTES + capacity) {
    throw new RangeError(`${who}: ring header says capacity ${capacity} but the SharedArrayBuffer is ${sab.byteLength} bytes`);
  }
  return capacity;
}

const NO_RESERVATION = -1;
/** A reader commits mid-batch after handling capacity / COMMIT_FRACTION bytes. */
const COMMIT_FRACTION = 4;

export class RingWriter {
  readonly view: DataView;
  readonly bytes: Uint8Array;
  readonly capacityBytes: number;
  readonly policy: FullPolicy;
  readonly blockTimeoutMs: number;
  private readonly words: Int32Array;
  private readonly mask: number;
  private readonly maxPayload: number;
  private readonly doorbell: Doorbell | undefined;
  /** Our own write index, staged frames included (we are the only writer, so it is never stale). */
  private writeIndex: number;
  /** The write index last stored in the SAB: frames between it and writeIndex are staged, not yet visible. */
  private publishedIndex: number;
  /** Last read index seen; reloaded only when space looks short (keeps the consumer's line cold). */
  private knownReadIndex: number;
  /** Data position of the reserved frame's header, or NO_RESERVATION. */
  private reservedPosition = NO_RESERVATION;
  private reservedLength = 0;
  /** Write index after publishing the reservation (includes any wrap padding). */
  private reservedEnd = 0;

  constructor(sab: SharedArrayBuffer, options: RingWriterOptions = {}) {
    this.capacityBytes = attach(sab, 'RingWriter');
    const policy = options.policy ?? 'fail';
    if (policy !== 'block' && policy !== 'drop-newest' && policy !== 'fail') {
      throw new RangeError(`RingWriter: policy must be 'block', 'drop-newest' or 'fail', got ${String(policy)}`);
    }
    const blockTimeoutMs = options.blockTimeoutMs ?? DEFAULT_BLOCK_TIMEOUT_MS;
    if (!(blockTimeoutMs >= 0)) throw new RangeError(`RingWriter: blockTimeoutMs must be >= 0 (Infinity allowed), got ${blockTimeoutMs}`);
    this.policy = policy;
    this.blockTimeoutMs = blockTimeoutMs;
    this.doorbell = options.doorbell;
    this.words = new Int32Array(sab);
    this.view = new DataView(sab);
    this.bytes = new Uint8Array(sab);
    this.mask = this.capacityBytes - 1;
    this.maxPayload = maxPayloadBytes(this.capacityBytes);
    this.writeIndex = Atomics.load(this.words, Slot.WRITE_INDEX);
    this.publishedIndex = this.writeIndex;
    this.knownReadIndex = Atomics.load(this.words, Slot.READ_INDEX);
  }

  /**
   * Reserves a contiguous frame for `payloadLength` bytes and returns the payload's offset
   * in `view`/`bytes`. Write the payload, then publish(). When the ring is full: -1 under
   * 'drop-newest' (counted in dropped()), RingFullError under 'fail', and under 'block' a
   * wait (Atomics.wait) for the consumer to free space, RingFullError after blockTimeoutMs.
   */
  reserve(payloadLength: number): number {
    if (this.reservedPosition !== NO_RESERVATION) {
      throw new Error('RingWriter.reserve: the previous reservation was not published (call publish() first)');
    }
    if (!(payloadLength >= 0 && payloadLength <= this.maxPayload && (payloadLength | 0) === payloadLength)) {
      throw new RangeError(
        `RingWriter.reserve: payload length must be an integer in [0, ${this.maxPayload}] for a ${this.capacityBytes}-byte ring, got ${payloadLength}`,
      );
    }
    const frameBytes = frameBytesFor(payloadLength);
    const position = this.writeIndex & this.mask;
    const tail = this.capacityBytes - position;
    // A frame that does not fit before the end goes to the start, behind a padding frame.
    const needed = frameBytes <= tail ? frameBytes : tail + frameBytes;
    if (!this.hasSpace(needed) && !this.waitForSpace(payloadLength, needed)) return -1;

    let framePosition = position;
    if (frameBytes > tail) {
      this.words[(RING_HEADER_BYTES + position) >> 2] = tail - FRAME_HEADER_BYTES;
      this.words[(RING_HEADER_BYTES + position + 4) >> 2] = encodeFrameMeta(PADDING_TYPE, 0);
      framePosition = 0;
    }
    this.reservedPosition = framePosition;
    this.reservedLength = payloadLength;
    this.reservedEnd = (this.writeIndex + needed) | 0;
    return RING_HEADER_BYTES + framePosition + FRAME_HEADER_BYTES;
  }

  /** Publishes the reserved frame (and any frames staged before it): stage(), then flush(). */
  publish(type: number, version: number): void {
    this.stage(type, version);
    this.flush();
  }

  /**
   * Completes the reserved frame (and its wrap padding) without making it visible: the
   * reader sees it at the next flush() or publish(). A producer that writes a burst stages
   * each frame and flushes once, so the burst costs one Atomics.store and one doorbell
   * check instead of one per frame. reserve() flushes by itself before it waits or refuses
   * for want of space, so staged frames can never wedge a full ring.
   */
  stage(type: number, version: number): void {
    const position = this.reservedPosition;
    if (position === NO_RESERVATION) throw new Error('RingWriter.publish/stage: nothing reserved (call reserve() first)');
    if (!(type >= 1 && type <= MAX_FRAME_TYPE && (type | 0) === type)) {
      throw new RangeError(`RingWriter.publish/stage: frame type must be an integer in [1, ${MAX_FRAME_TYPE}] (0 is padding), got ${type}`);
    }
    if (!(version >= 0 && version <= MAX_FRAME_VERSION && (version | 0) === version)) {
      throw new RangeError(`RingWriter.publish/stage: frame version must be an integer in [0, ${MAX_FRAME_VERSION}], got ${version}`);
    }
    this.words[(RING_HEADER_BYTES + position) >> 2] = this.reservedLength;
    this.words[(RING_HEADER_BYTES + position + 4) >> 2] = encodeFrameMeta(type, version);
    this.writeIndex = this.reservedEnd;
    this.reservedPosition = NO_RESERVATION;
  }

  /** Makes every staged frame visible in one Atomics.store, then rings the doorbell. Nothing staged: no-op. */
  flush(): void {
    const writeIndex = this.writeIndex;
    if (writeIndex === this.publishedIndex) return;
    this.publishedIndex = writeIndex;
    Atomics.store(this.words, Slot.WRITE_INDEX, writeIndex);
    if (this.doorbell !== undefined) this.doorbell.ring();
  }

  /**
   * Gives up the current reservation (the payload could not be written, e.g. its encoder
   * refused the message). Nothing was visible to the reader: the write index never moved.
   */
  abandon(): void {
    this.reservedPosition = NO_RESERVATION;
  }

  /** Copies `payload` into a new frame. False when the ring is full under 'drop-newest'. */
  push(type: number, version: number, payload: Uint8Array): boolean {
    const offset = this.reserve(payload.length);
    if (offset < 0) return false;
    this.bytes.set(payload, offset);
    this.publish(type, version);
    return true;
  }

  /** Published and staged bytes not yet committed by the consumer (padding included). */
  depthBytes(): number {
    return (this.writeIndex - Atomics.load(this.words, Slot.READ_INDEX)) | 0;
  }

  /** Frames refused under 'drop-newest'. */
  dropped(): number {
    return Atomics.load(this.words, Slot.DROPPED) >>> 0;
  }

  /** Times reserve() found the ring full, whatever the policy did next. */
  fullEvents(): number {
    return Atomics.load(this.words, Slot.FULL_EVENTS) >>> 0;
  }

  private hasSpace(needed: number): boolean {
    if (((this.writeIndex - this.knownReadIndex) | 0) + needed <= this.capacityBytes) return true;
    this.knownReadIndex = Atomics.load(this.words, Slot.READ_INDEX);
    return ((this.writeIndex - this.knownReadIndex) | 0) + needed <= this.capacityBytes;
  }

  /** The ring is full: apply the policy. True when space appeared (block), false when dropped. */
  private waitForSpace(payloadLength: number, needed: number): boolean {
    // The reader can only free space it can see.
    this.flush();
    Atomics.add(this.words, Slot.FULL_EVENTS, 1);
    if (this.policy === 'drop-newest') {
      Atomics.add(this.words, Slot.DROPPED, 1);
      return false;
    }
    if (this.policy === 'fail') throw this.fullError(payloadLength, needed, 0);
    const started = performance.now();
    const deadline = started + this.blockTimeoutMs;
    // Flag first, then re-check: the consumer reads the flag after each commit, so either
    // it sees the flag and notifies, or our re-check sees its commit (docs/ring-buffer.md).
    Atomics.store(this.words, Slot.PRODUCER_WAITING, 1);
    try {
      for (;;) {
        const readIndex = Atomics.load(this.words, Slot.READ_INDEX);
        this.knownReadIndex = readIndex;
        if (((this.writeIndex - readIndex) | 0) + needed <= this.capacityBytes) return true;
        const remaining = deadline - performance.now();
        if (remaining <= 0) throw this.fullError(payloadLength, needed, Math.round(performance.now() - started));
        Atomics.wait(this.words, Slot.READ_INDEX, readIndex, remaining);
      }
    } finally {
      Atomics.store(this.words, Slot.PRODUCER_WAITING, 0);
    }
  }

  private fullError(payloadLength: number, needed: number, waitedMs: number): RingFullError {
    const free = this.capacityBytes - ((this.writeIndex - Atomics.load(this.words, Slot.READ_INDEX)) | 0);
    return new RingFullError(this.capacityBytes, payloadLength, needed, free, waitedMs);
  }
}

export class RingReader {
  readonly capacityBytes: number;
  private readonly words: Int32Array;
  private readonly view: DataView;
  private readonly mask: number;
  /** Mirrors the committed read index in the SAB (we are its only writer). */
  private readIndex: number;
  /** Last write index loaded; reloaded only when we have caught up with it. */
  private knownWriteIndex: number;
  /** Handled bytes after which poll commits even mid-batch, so that a producer sees space early. */
  private readonly commitEveryBytes: number;

  constructor(sab: SharedArrayBuffer) {
    this.capacityBytes = attach(sab, 'RingReader');
    this.words = new Int32Array(sab);
    this.view = new DataView(sab);
    this.mask = this.capacityBytes - 1;
    this.commitEveryBytes = this.capacityBytes / COMMIT_FRACTION;
    this.readIndex = Atomics.load(this.words, Slot.READ_INDEX);
    this.knownWriteIndex = this.readIndex;
  }

  /**
   * Hands up to `maxFrames` frames to `handler` and commits them once at the end of the
   * batch (earlier when a producer is blocked on the ring or a quarter of the ring is
   * handled): the read index only ever moves past frames whose handler returned. If the
   * handler throws, the frames before it are committed and the throwing frame is not: it
   * is delivered again (to this reader's next poll or to a reader re-attached to the SAB).
   * If the thread dies inside the batch, every frame after the last commit is delivered
   * again to the next reader (at-least-once). A corrupt header is counted and everything
   * published so far is skipped (see docs/ring-buffer.md); poll never throws for ring contents.
   */
  poll(handler: FrameHandler, maxFrames: number): number {
    const words = this.words;
    const capacity = this.capacityBytes;
    let handled = 0;
    /** Start of the next frame: everything before it has been handled. */
    let readIndex = this.readIndex;
    try {
      while (handled < maxFrames) {
        if (readIndex === this.knownWriteIndex) {
          this.knownWriteIndex = Atomics.load(words, Slot.WRITE_INDEX);
          if (readIndex === this.knownWriteIndex) break;
        }
        const available = (this.knownWriteIndex - readIndex) >>> 0;
        const position = readIndex & this.mask;
        const headerSlot = (RING_HEADER_BYTES + (position & ~7)) >> 2;
        const length = words[headerSlot]!;
        const meta = words[headerSlot + 1]!;
        const corruption = checkFrameHeader(position, available, length, meta, capacity);
        if (corruption !== Corruption.NONE) {
          // Ends this poll so that a stream of garbage cannot keep it looping.
          this.skipCorrupt(corruption, available);
          readIndex = this.readIndex;
          break;
        }
        const type = frameType(meta);
        if (type !== PADDING_TYPE) {
          handler.onFrame(type, frameVersion(meta), this.view, RING_HEADER_BYTES + position + FRAME_HEADER_BYTES, length);
          handled++;
        }
        readIndex = (readIndex + frameBytesFor(length)) | 0;
        // The flag's line is written only when a producer blocks, so this load stays in our cache.
        if (Atomics.load(words, Slot.PRODUCER_WAITING) !== 0 || ((readIndex - this.readIndex) | 0) >= this.commitEveryBytes) {
          this.commit(readIndex);
        }
      }
    } finally {
      // Runs on a throw too: commits the frames before the one whose handler threw.
      if (readIndex !== this.readIndex) this.commit(readIndex);
    }
    return handled;
  }

  isEmpty(): boolean {
    return Atomics.load(this.words, Slot.WRITE_INDEX) === this.readIndex;
  }

  /**
   * Published bytes not yet committed (padding included). Reads both indices from the SAB,
   * so a supervisor may attach a RingReader only to observe depth and counters (it must
   * never poll while the actor's reader is live).
   */
  depthBytes(): number {
    return (Atomics.load(this.words, Slot.WRITE_INDEX) - Atomics.load(this.words, Slot.READ_INDEX)) >>> 0;
  }

  corruptFrames(): number {
    return Atomics.load(this.words, Slot.CORRUPT_FRAMES) >>> 0;
  }

  /** Published bytes skipped while recovering from corrupt frames. */
  corruptBytes(): number {
    return Atomics.load(this.words, Slot.CORRUPT_BYTES) >>> 0;
  }

  /** Notify syscalls made for a producer blocked on a full ring (0 while nobody blocks). */
  producerWakeups(): number {
    return Atomics.load(this.words, Slot.PRODUCER_WAKEUPS) >>> 0;
  }

  /** Why the last corrupt frame was rejected ('none' if there was none). */
  lastCorruption(): string {
    return corruptionName(Atomics.load(this.words, Slot.LAST_CORRUPTION));
  }

  private commit(readIndex: number): void {
    this.readIndex = readIndex;
    Atomics.store(this.words, Slot.READ_INDEX, readIndex);
    if (Atomics.load(this.words, Slot.PRODUCER_WAITING) !== 0) {
      Atomics.add(this.words, Slot.PRODUCER_WAKEUPS, 1);
      Atomics.notify(this.words, Slot.READ_INDEX, 1);
    }
  }

  /**
   * A frame header cannot be trusted, so neither can the position of the next frame.
   * The only boundary known to be good is the published write index: skip to it.
   */
  private skipCorrupt(reason: Corruption, available: number): void {
    Atomics.add(this.words, Slot.CORRUPT_FRAMES, 1);
    Atomics.add(this.words, Slot.CORRUPT_BYTES, available | 0);
    Atomics.store(this.words, Slot.LAST_CORRUPTION, reason);
    this.commit(this.knownWriteIndex);
  }
}
