/** Messages and worker parameters shared by bench/ring.ts and its worker (bench/ring-bench-worker.ts). */
import type { MessagePort } from 'node:worker_threads';
import type { WaitStrategy } from '../src/runtime/mailbox.js';

export const BenchFrame = { DATA: 1, STOP: 2 } as const;

export type BenchWorkerData =
  | {
      role: 'ring-echo';
      inbound: SharedArrayBuffer;
      ownDoorbell: SharedArrayBuffer;
      outbound: SharedArrayBuffer;
      peerDoorbell: SharedArrayBuffer;
      strategy: WaitStrategy;
    }
  | { role: 'ring-sink'; inbound: SharedArrayBuffer; ownDoorbell: SharedArrayBuffer; strategy: WaitStrategy; count: number }
  | { role: 'minimal-sink'; inbound: SharedArrayBuffer; count: number; commitEvery: number }
  | { role: 'port-echo'; port: MessagePort }
  | { role: 'port-sink'; port: MessagePort; count: number };

/** Reply with `finishedUs` when a sink has consumed everything. */
export interface SinkDone {
  finishedUs: number;
  received: number;
  /** minimal-sink only: sum of the sequence numbers received (each of 0..count-1 once). */
  seqSum?: number;
}

