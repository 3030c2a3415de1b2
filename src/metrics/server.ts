/**
 * `GET /metrics` over HTTP for Prometheus (config `metrics`). Loopback by default; a
 * non-loopback host needs a bearer token from the environment (start refuses without one),
 * and when that variable is set the token is asked for on loopback too. Any other path is
 * 404, any other method 405; a wrong or missing token 401 with nothing else said.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { isLoopbackHost, type MetricsConfig } from '../config/schema.js';

export interface MetricsServer {
  /** `http://host:port/metrics`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export class MetricsSetupError extends Error {
  override readonly name = 'MetricsSetupError';
}

/** The token to require, or undefined for none; throws when a non-loopback bind has none. */
export function metricsToken(config: MetricsConfig, env: NodeJS.ProcessEnv): string | undefined {
  const token = env[config.token_env];
  if (token !== undefined && token !== '') {
    if (token.length < 16) throw new MetricsSetupError(`metrics: the token in ${config.token_env} is too short (at least 16 characters)`);
    return token;
  }
  if (!isLoopbackHost(config.host)) {
    throw new MetricsSetupError(`metrics.host is ${config.host}, not loopback: set a bearer token (16+ characters) in the environment variable ${config.token_env}, or bind 127.0.0.1`);
  }
  return undefined;
}

export async function startMetricsServer(options: { config: MetricsConfig; registry: Registry; token: string | undefined; logger: Logger }): Promise<MetricsServer> {
  const { config, registry, token, logger } = options;
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  const authorised = (req: IncomingMessage): boolean => {
    if (!expected) return true;
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!authorised(req)) return reply(res, 401, 'unauthorised\n');
    if (path !== '/metrics') return reply(res, 404, 'not found: the metrics are at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed: GET /metrics\n', { allow: 'GET, HEAD' });
    registry.metrics().then(
      (text) => reply(res, 200, req.method === 'HEAD' ? '' : text, { 'content-type': registry.contentType }),
      (error: Error) => {
        logger.error({ err: error }, `metrics scrape failed: ${error.message}`);
        reply(res, 500, `metrics unavailable: ${error.message}\n`);
      },
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new MetricsSetupError(`metrics: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message} (set metrics.port, 0 for any free port, or metrics: false)`, { cause: error })),
    );
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function reply(res: ServerResponse, code: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(body);
}
