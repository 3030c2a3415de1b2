/**
 * Per-actor status block in shared memory, owned by the supervisor and kept across
 * restarts of the actor. The worker writes it without locks (it is the only writer);
 * the supervisor reads it at any time — including while the actor is hung, when the
 * control plane cannot answer.
 *
 * Int32 words (Atomics): heartbeat counter, phase.
 * Float64 slots (plain stores by the single writer; aligned 8-byte stores do not tear):
 * message counters, the handler-time percentiles the worker publishes periodically, and a
 * fixed-bucket handler-time histogram (counts per bucket and the sum) the worker adds each
 * measurement to, so the supervisor can export a real Prometheus histogram (src/metrics/).
 */
import { HANDLER_BUCKET_BOUNDS_NS } from './handler-buckets.js';

const INT_WORDS = 16; // 64 bytes: the heartbeat has its own cache line
const HEARTBEAT = 0;
const PHASE = 1;

export const ActorPhase = { STARTING: 0, RUNNING: 1, STOPPING: 2 } as const;
export type ActorPhase = (typeof ActorPhase)[keyof typeof ActorPhase];

const F64 = {
  MSGS_IN: 0,
  MSGS_OUT: 1,
  HANDLER_ERRORS: 2,
  DECODE_ERRORS: 3,
  DROPPED_OUT: 4,
  HANDLER_P50_NS: 5,
  HANDLER_P99_NS: 6,
  HANDLER_MAX_NS: 7,
  HANDLER_COUNT: 8,
  HANDLER_SUM_NS: 9,
  /** First of HANDLER_BUCKET_BOUNDS_NS.length + 1 per-bucket counts (the last is above every bound). */
  HANDLER_BUCKETS: 16,
} as const;
const BUCKET_SLOTS = HANDLER_BUCKET_BOUNDS_NS.length + 1;
const F64_SLOTS = F64.HANDLER_BUCKETS + BUCKET_SLOTS;

export function createStatusBlock(): SharedArrayBuffer {
  return new SharedArrayBuffer(INT_WORDS * 4 + F64_SLOTS * 8);
}

export interface ActorCounters {
  msgsIn: number;
  msgsOut: number;
  handlerErrors: number;
  decodeErrors: number;
  droppedOut: number;
  handlerP50Ns: number;
  handlerP99Ns: number;
  handlerMaxNs: number;
  handlerCount: number;
  /** Handler times by bucket: counts[i] fell at or below HANDLER_BUCKET_BOUNDS_NS[i] (and above the bound before); the last is above every bound. */
  handlerBuckets: { counts: number[]; sumNs: number };
}

/** Worker side: the single writer. */
export class StatusWriter {
  private readonly ints: Int32Array;
  private readonly f64: Float64Array;
  constructor(sab: SharedArrayBuffer) {
    this.ints = new Int32Array(sab, 0, INT_WORDS);
    this.f64 = new Float64Array(sab, INT_WORDS * 4, F64_SLOTS);
  }
  beat(): void {
    Atomics.add(this.ints, HEARTBEAT, 1);
  }
  setPhase(phase: ActorPhase): void {
    Atomics.store(this.ints, PHASE, phase);
  }
  countIn(): void {
    this.f64[F64.MSGS_IN]! += 1;
  }
  countOut(): void {
    this.f64[F64.MSGS_OUT]! += 1;
  }
  countHandlerError(): void {
    this.f64[F64.HANDLER_ERRORS]! += 1;
  }
  countDecodeError(): void {
    this.f64[F64.DECODE_ERRORS]! += 1;
  }
  countDroppedOut(): void {
    this.f64[F64.DROPPED_OUT]! += 1;
  }
  /** One handler time into the fixed-bucket histogram: a few compares and two stores, no allocation. */
  observeHandlerNs(ns: number): void {
    const f = this.f64;
    let i = 0;
    while (i < HANDLER_BUCKET_BOUNDS_NS.length && ns > HANDLER_BUCKET_BOUNDS_NS[i]!) i++;
    f[F64.HANDLER_BUCKETS + i]! += 1;
    f[F64.HANDLER_SUM_NS]! += ns;
  }
  publishHandlerTimes(p50Ns: number, p99Ns: number, maxNs: number, count: number): void {
    this.f64[F64.HANDLER_P50_NS] = p50Ns;
    this.f64[F64.HANDLER_P99_NS] = p99Ns;
    this.f64[F64.HANDLER_MAX_NS] = maxNs;
    this.f64[F64.HANDLER_COUNT] = count;
  }
}

/** Supervisor side: reads without disturbing the actor. */
export class StatusReader {
  private readonly ints: Int32Array;
  private readonly f64: Float64Array;
  constructor(sab: SharedArrayBuffer) {
    this.ints = new Int32Array(sab, 0, INT_WORDS);
    this.f64 = new Float64Array(sab, INT_WORDS * 4, F64_SLOTS);
  }
  heartbeat(): number {
    return Atomics.load(this.ints, HEARTBEAT);
  }
  phase(): ActorPhase {
    return Atomics.load(this.ints, PHASE) as ActorPhase;
  }
  /** A new incarnation starts in STARTING; counters stay cumulative across restarts. */
  resetForStart(): void {
    Atomics.store(this.ints, PHASE, ActorPhase.STARTING);
  }
  counters(): ActorCounters {
    const f = this.f64;
    return {
      msgsIn: f[F64.MSGS_IN]!,
      msgsOut: f[F64.MSGS_OUT]!,
      handlerErrors: f[F64.HANDLER_ERRORS]!,
      decodeErrors: f[F64.DECODE_ERRORS]!,
      droppedOut: f[F64.DROPPED_OUT]!,
      handlerP50Ns: f[F64.HANDLER_P50_NS]!,
      handlerP99Ns: f[F64.HANDLER_P99_NS]!,
      handlerMaxNs: f[F64.HANDLER_MAX_NS]!,
      handlerCount: f[F64.HANDLER_COUNT]!,
      handlerBuckets: { counts: Array.from(f.subarray(F64.HANDLER_BUCKETS, F64.HANDLER_BUCKETS + BUCKET_SLOTS)), sumNs: f[F64.HANDLER_SUM_NS]! },
    };
  }
}
