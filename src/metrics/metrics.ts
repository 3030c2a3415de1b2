/**
 * The metrics endpoint of `bot4 start`: a sampler over the runtime, the registry built on it,
 * the event-fed counters subscribed to the runtime's event stream, and the HTTP server.
 */
import type { Logger } from 'pino';
import type { EventListener } from '../admin/backend.js';
import type { MetricsConfig } from '../config/schema.js';
import { createMetricsRegistry } from './registry.js';
import { SystemSampler, type SampleSource } from './sampler.js';
import { startMetricsServer, type MetricsServer } from './server.js';

export interface MetricsRuntime extends SampleSource {
  subscribe(topics: readonly string[], listener: EventListener): () => void;
}

export async function startMetrics(runtime: MetricsRuntime, config: MetricsConfig, token: string | undefined, logger: Logger): Promise<MetricsServer> {
  const sampler = new SystemSampler(runtime, config.min_sample_interval_ms);
  const metrics = createMetricsRegistry(sampler);
  const unsubscribe = runtime.subscribe(['killswitch', 'alert.*'], (event) => metrics.onEvent(event));
  try {
    const server = await startMetricsServer({ config, registry: metrics.registry, token, logger });
    return {
      url: server.url,
      port: server.port,
      close: async () => {
        unsubscribe();
        await server.close();
      },
    };
  } catch (error) {
    unsubscribe();
    throw error;
  }
}
