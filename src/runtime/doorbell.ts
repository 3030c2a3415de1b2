/**
 * The doorbell of one consumer actor: a single futex word the consumer parks on with
 * Atomics.wait when all its inbound rings are empty, rung by every producer that writes
 * to it. Producers only pay for Atomics.notify (a syscall) when the consumer has said it
 * is parked; in a busy pipeline ring() is one Atomics.load.
 *
 * Layout (Int32 slots, one 64-byte line per writer):
 *   line 0  SEQUENCE: bumped before each notify; the word the consumer waits on
 *   line 1  PARKED: 1 while the consumer is about to wait or waiting (written by the consumer only)
 *   line 2  WAKES: forced wakes requested by the control plane; NOTIFIES: notify syscalls issued
 *   line 3  MAGIC
 * The ordering argument that makes a lost wakeup impossible is in docs/ring-buffer.md.
 */

const LINE_SLOTS = 16;
export const DoorbellSlot = {
  SEQUENCE: 0,
  PARKED: LINE_SLOTS,
  WAKES: 2 * LINE_SLOTS,
  NOTIFIES: 2 * LINE_SLOTS + 1,
  MAGIC: 3 * LINE_SLOTS,
} as const;
export const DOORBELL_BYTES = 4 * LINE_SLOTS * 4;
const DOORBELL_MAGIC = 0x44424c4c; // "DBLL"

export function createDoorbell(): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(DOORBELL_BYTES);
  new Int32Array(sab)[DoorbellSlot.MAGIC] = DOORBELL_MAGIC;
  return sab;
}

export class Doorbell {
  private readonly words: Int32Array;

  constructor(readonly sab: SharedArrayBuffer) {
    if (!(sab instanceof SharedArrayBuffer)) throw new TypeError('Doorbell: expected a SharedArrayBuffer from createDoorbell()');
    if (sab.byteLength !== DOORBELL_BYTES) {
      throw new RangeError(`Doorbell: SharedArrayBuffer is ${sab.byteLength} bytes, a doorbell is ${DOORBELL_BYTES} (use createDoorbell())`);
    }
    this.words = new Int32Array(sab);
    if (Atomics.load(this.words, DoorbellSlot.MAGIC) !== DOORBELL_MAGIC) {
      throw new RangeError('Doorbell: SharedArrayBuffer was not made by createDoorbell() (bad magic)');
    }
  }

  /** Producer side, after publishing: wakes the consumer only if it is parked. */
  ring(): void {
    if (Atomics.load(this.words, DoorbellSlot.PARKED) !== 0) this.notifyConsumer();
  }

  /** Control plane: makes the consumer's current or next waitForWork() return true. */
  wake(): void {
    Atomics.add(this.words, DoorbellSlot.WAKES, 1);
    this.notifyConsumer();
  }

  /** Whether the consumer has announced that it is parking (observability and tests). */
  isParked(): boolean {
    return Atomics.load(this.words, DoorbellSlot.PARKED) !== 0;
  }

  /** Notify syscalls issued so far by all producers and wake() calls. */
  notifies(): number {
    return Atomics.load(this.words, DoorbellSlot.NOTIFIES) >>> 0;
  }

  private notifyConsumer(): void {
    // Bumping the sequence first makes a consumer that is between "parked = 1" and
    // Atomics.wait see a changed value and return at once instead of sleeping.
    Atomics.add(this.words, DoorbellSlot.SEQUENCE, 1);
    Atomics.add(this.words, DoorbellSlot.NOTIFIES, 1);
    Atomics.notify(this.words, DoorbellSlot.SEQUENCE, 1);
  }
}

/** Atomics.waitAsync exists in Node >= 16 but is typed only from lib ES2024 on; the project targets ES2023. */
interface AtomicsWithWaitAsync {
  waitAsync(
    typedArray: Int32Array,
    index: number,
    value: number,
    timeoutMs?: number,
  ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
}

/** Consumer side of the doorbell protocol, used by Mailbox. */
export class DoorbellParking {
  private readonly words: Int32Array;
  private seenWakes: number;

  constructor(doorbell: Doorbell) {
    this.words = new Int32Array(doorbell.sab);
    this.seenWakes = Atomics.load(this.words, DoorbellSlot.WAKES);
  }

  /** Step 1 of parking: read the sequence, then announce "parked". Re-check for work after this. */
  announce(): number {
    const sequence = Atomics.load(this.words, DoorbellSlot.SEQUENCE);
    Atomics.store(this.words, DoorbellSlot.PARKED, 1);
    return sequence;
  }

  /** Step 2: sleep unless the sequence moved since announce(). */
  sleep(sequence: number, timeoutMs: number): void {
    Atomics.wait(this.words, DoorbellSlot.SEQUENCE, sequence, timeoutMs);
  }

  /**
   * Step 2 without blocking the thread: resolves on a notify or after the timeout, while
   * the event loop keeps serving timers, I/O and the control plane (for actors with I/O).
   */
  async sleepAsync(sequence: number, timeoutMs: number): Promise<void> {
    const wait = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(this.words, DoorbellSlot.SEQUENCE, sequence, timeoutMs);
    if (wait.async) await wait.value;
  }

  retract(): void {
    Atomics.store(this.words, DoorbellSlot.PARKED, 0);
  }

  /** True once per wake() call batch: consumes the pending forced wakes. */
  takeWake(): boolean {
    const wakes = Atomics.load(this.words, DoorbellSlot.WAKES);
    if (wakes === this.seenWakes) return false;
    this.seenWakes = wakes;
    return true;
  }
}
