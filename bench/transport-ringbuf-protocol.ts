/** Parameters shared by bench/transport-ringbuf.ts and its worker (bench/transport-ringbuf-worker.ts). */

export type RingbufWorkerData =
  | {
      role: 'echo';
      inbound: SharedArrayBuffer;
      outbound: SharedArrayBuffer;
      /** Int32 word: the main thread sets it to 1 to end the echo loop. */
      stop: SharedArrayBuffer;
      messageBytes: number;
    }
  | { role: 'sink'; inbound: SharedArrayBuffer; messageBytes: number; count: number };

/** Same capacity as the SAB ring in bench/ring.ts, so neither gets more room to batch. */
export const RINGBUF_CAPACITY_BYTES = 256 * 1024;
