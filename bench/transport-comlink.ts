/**
 * comlink in the transport suite: main thread -> worker method call returning its argument,
 * over a MessageChannel (as the runtime's control plane uses comlink).
 */
import * as Comlink from 'comlink';
import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Figure, LatencySummary } from './latency-stats.js';
import type { EchoApi } from './transport-comlink-worker.js';
import { ROUND_TRIP_WINDOW, roundTripLatency, roundTripThroughput } from './transport-round-trips.js';

export const COMLINK_LATENCY_METHOD = 'awaited comlink call to a worker method returning its Uint8Array argument, round trip / 2';
export const COMLINK_THROUGHPUT_METHOD = `completed comlink calls per second, ${ROUND_TRIP_WINDOW} in flight`;

async function withEchoWorker<T>(use: (echo: (payload: Uint8Array) => Promise<unknown>) => Promise<T>): Promise<T> {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./transport-comlink-worker.js', import.meta.url), { workerData: { port: port2 }, transferList: [port2] });
  const remote = Comlink.wrap<EchoApi>(port1);
  try {
    await once(worker, 'online');
    // a dead worker never answers a comlink call: fail the case instead of waiting forever
    const died = new Promise<never>((_, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`bench/transport: the comlink worker exited (code ${code}) during the case`)));
    });
    died.catch(() => {}); // the exit caused by terminate() below, after the case, is no failure
    return await Promise.race([use((payload) => remote.echo(payload)), died]);
  } finally {
    remote[Comlink.releaseProxy]();
    port1.close();
    await worker.terminate();
  }
}

export function comlinkLatency(messageBytes: number, samples: number, warmup: number): Promise<LatencySummary> {
  return withEchoWorker((echo) => roundTripLatency(echo, messageBytes, samples, warmup, COMLINK_LATENCY_METHOD));
}

export function comlinkThroughput(messageBytes: number, count: number): Promise<Figure> {
  return withEchoWorker((echo) => roundTripThroughput(echo, messageBytes, count));
}
