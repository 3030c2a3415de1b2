/**
 * piscina in the transport suite: a trivial task returning its input on a one-thread pool
 * (piscina's defaults otherwise), timed as a round trip from `pool.run` to its result.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Figure, LatencySummary } from './latency-stats.js';
import { ROUND_TRIP_WINDOW, roundTripLatency, roundTripThroughput } from './transport-round-trips.js';

export const PISCINA_LATENCY_METHOD = 'awaited pool.run of a task returning its Uint8Array input (1-thread pool), round trip / 2';
export const PISCINA_THROUGHPUT_METHOD = `completed piscina tasks per second, ${ROUND_TRIP_WINDOW} in flight (1-thread pool)`;

async function withPool<T>(use: (run: (payload: Uint8Array) => Promise<unknown>) => Promise<T>): Promise<T> {
  const pool = new Piscina<Uint8Array, Uint8Array>({
    filename: fileURLToPath(new URL('./transport-piscina-task.js', import.meta.url)),
    minThreads: 1,
    maxThreads: 1,
  });
  try {
    // the first task also waits for the thread to start: keep it out of the samples
    await pool.run(new Uint8Array(1));
    return await use((payload) => pool.run(payload));
  } finally {
    await pool.destroy();
  }
}

export function piscinaLatency(messageBytes: number, samples: number, warmup: number): Promise<LatencySummary> {
  return withPool((run) => roundTripLatency(run, messageBytes, samples, warmup, PISCINA_LATENCY_METHOD));
}

export function piscinaThroughput(messageBytes: number, count: number): Promise<Figure> {
  return withPool((run) => roundTripThroughput(run, messageBytes, count));
}
