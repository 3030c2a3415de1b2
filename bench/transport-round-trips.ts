/**
 * Timing of request/reply transports (a comlink call, a piscina task): one-way latency as half
 * of each awaited round trip, and throughput as completed round trips per second with a
 * bounded number in flight, the way a caller that does not wait for each reply would use them.
 */
import { nowUs } from '../src/runtime/clock.js';
import { summarizeLatency, type Figure, type LatencySummary } from './latency-stats.js';

export type RoundTrip = (payload: Uint8Array) => Promise<unknown>;

/** Calls in flight at once in the throughput case. */
export const ROUND_TRIP_WINDOW = 64;

export async function roundTripLatency(call: RoundTrip, messageBytes: number, samples: number, warmup: number, method: string): Promise<LatencySummary> {
  const payload = new Uint8Array(messageBytes).fill(0x5a);
  const oneWayUs = new Float64Array(samples);
  for (let i = 0; i < warmup + samples; i++) {
    const sentAt = performance.now();
    await call(payload);
    if (i >= warmup) oneWayUs[i - warmup] = ((performance.now() - sentAt) * 1000) / 2;
  }
  return summarizeLatency(oneWayUs, 'µs', method);
}

export async function roundTripThroughput(call: RoundTrip, messageBytes: number, count: number): Promise<Figure> {
  const payload = new Uint8Array(messageBytes).fill(0xa5);
  let issued = 0;
  let completed = 0;
  const lane = async (): Promise<void> => {
    while (issued < count) {
      issued++;
      await call(payload);
      completed++;
    }
  };
  const startedUs = nowUs();
  await Promise.all(Array.from({ length: Math.min(ROUND_TRIP_WINDOW, count) }, lane));
  return { value: Math.round(completed / ((nowUs() - startedUs) / 1e6)), unit: 'msgs/s', samples: completed };
}
