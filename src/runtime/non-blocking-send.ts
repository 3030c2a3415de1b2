/**
 * Sends to a peer that must never slow the sender down (the recorder, off the order path): a frame is
 * written only when it surely fits now, whatever the ring's full policy ('block' would otherwise wait
 * up to its timeout, 'fail' would throw). A frame that does not fit, or that the encoder refuses, is
 * counted and reported to the caller, never waited for and never thrown.
 */
import { FRAME_ALIGN_BYTES, FRAME_HEADER_BYTES } from './ring-layout.js';
import type { FrameEncoder, Outbox } from './actor-definition.js';

export interface NonBlockingSendStats {
  sent: number;
  /** Ring too full to take the frame without waiting, or the frame could not be encoded. */
  dropped: number;
  lastError: string | null;
}

export const newSendStats = (): NonBlockingSendStats => ({ sent: 0, dropped: 0, lastError: null });

/**
 * Space a frame of `payloadBytes` needs in the worst case: itself plus the padding frame that fills
 * the tail of the ring when it does not fit there (that tail is always shorter than the frame).
 */
export function worstCaseFrameBytes(payloadBytes: number): number {
  const frame = Math.ceil((payloadBytes + FRAME_HEADER_BYTES) / FRAME_ALIGN_BYTES) * FRAME_ALIGN_BYTES;
  return 2 * frame;
}

export const fitsWithoutWaiting = (outbox: Outbox, payloadBytes: number): boolean =>
  outbox.capacityBytes - outbox.depthBytes() >= worstCaseFrameBytes(payloadBytes);

export function sendWithoutWaiting<T>(outbox: Outbox, codec: FrameEncoder<T>, message: T, stats: NonBlockingSendStats): boolean {
  return attempt(stats, outbox, () => codec.size(message), () => outbox.send(codec, message));
}

/** Control frames are JSON: their size is the UTF-8 length of the text (plus the codec's few header bytes). */
export function sendControlWithoutWaiting(outbox: Outbox, message: object, stats: NonBlockingSendStats): boolean {
  return attempt(stats, outbox, () => Buffer.byteLength(JSON.stringify(message)) + 64, () => outbox.sendControl(message));
}

function attempt(stats: NonBlockingSendStats, outbox: Outbox, size: () => number, send: () => boolean): boolean {
  try {
    if (fitsWithoutWaiting(outbox, size()) && send()) {
      stats.sent++;
      return true;
    }
    stats.lastError = `ring to ${outbox.peer} full (${outbox.depthBytes()} of ${outbox.capacityBytes} bytes in use)`;
  } catch (error) {
    stats.lastError = `${outbox.peer}: ${(error as Error).message}`;
  }
  stats.dropped++;
  return false;
}
