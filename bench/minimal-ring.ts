/**
 * The limit the runtime's ring is measured against (bench/ring.ts): the smallest SAB ring
 * that still carries 64-byte frames between two threads correctly, with nothing else:
 * fixed-size frames written word by word, a wrap marker instead of validated headers, no
 * policy, no doorbell, no handler call, no checks. The producer publishes its write index
 * every `publishEvery` frames and the consumer commits every `publishEvery` frames, each
 * with one Atomics.store, so the same run shows what a per-frame seq-cst store costs on
 * this machine against a batched one. Used only by the benchmark.
 *
 * Layout (Int32 words): [0] write index (line 0), [16] read index (line 1), data from byte 128.
 */

const HEADER_BYTES = 128;
const WRITE_SLOT = 0;
const READ_SLOT = 16;
/** A frame's first word: its payload length in bytes, or WRAP (the rest of the region is unused). */
const WRAP = -1;

export function createMinimalRing(capacityBytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + capacityBytes);
}

/** Streams `count` frames of `payloadBytes` (a multiple of 4) carrying their sequence number in word 0. */
export function produceMinimal(sab: SharedArrayBuffer, payloadBytes: number, count: number, publishEvery: number): void {
  const words = new Int32Array(sab);
  const capacity = sab.byteLength - HEADER_BYTES;
  const frameBytes = 4 + payloadBytes;
  const payloadWords = payloadBytes >> 2;
  let write = 0;
  let knownRead = 0;
  let pending = 0;
  for (let seq = 0; seq < count; seq++) {
    let position = write % capacity;
    const needed = position + frameBytes <= capacity ? frameBytes : capacity - position + frameBytes;
    while (write - knownRead + needed > capacity) {
      if (pending > 0) {
        Atomics.store(words, WRITE_SLOT, write);
        pending = 0;
      }
      knownRead = Atomics.load(words, READ_SLOT);
    }
    if (needed !== frameBytes) {
      words[(HEADER_BYTES + position) >> 2] = WRAP;
      position = 0;
    }
    const base = (HEADER_BYTES + position) >> 2;
    words[base] = payloadBytes;
    words[base + 1] = seq;
    for (let i = 1; i < payloadWords; i++) words[base + 1 + i] = i;
    write += needed;
    if (++pending === publishEvery) {
      Atomics.store(words, WRITE_SLOT, write);
      pending = 0;
    }
  }
  Atomics.store(words, WRITE_SLOT, write);
}

/** Consumes `count` frames; returns the sum of their sequence numbers (proof each arrived once). */
export function consumeMinimal(sab: SharedArrayBuffer, count: number, commitEvery: number): number {
  const words = new Int32Array(sab);
  const capacity = sab.byteLength - HEADER_BYTES;
  let read = 0;
  let knownWrite = 0;
  let received = 0;
  let uncommitted = 0;
  let seqSum = 0;
  while (received < count) {
    if (read === knownWrite) {
      knownWrite = Atomics.load(words, WRITE_SLOT);
      if (read === knownWrite) {
        if (uncommitted > 0) {
          Atomics.store(words, READ_SLOT, read);
          uncommitted = 0;
        }
        continue;
      }
    }
    const position = read % capacity;
    const base = (HEADER_BYTES + position) >> 2;
    const length = words[base]!;
    if (length === WRAP) {
      read += capacity - position;
      continue;
    }
    seqSum += words[base + 1]!;
    received++;
    read += 4 + length;
    if (++uncommitted === commitEvery) {
      Atomics.store(words, READ_SLOT, read);
      uncommitted = 0;
    }
  }
  Atomics.store(words, READ_SLOT, read);
  return seqSum;
}
