import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { errors } from './binance-errors.js';
import { startFaultSchedule } from './fault-schedule.js';
import { FaultController, type ConnectionKind } from './faults.js';
import type { MarketSource } from './market-source.js';
import { MarketStreamHub } from './market-streams.js';
import { resolveVenueOptions, type VenueOptions } from './options.js';
import { ReplayMarket } from './replay-market.js';
import { handleRest } from './rest-routes.js';
import { SimulatedMarket } from './simulated-market.js';
import { persistVenue } from './state-store.js';
import { UserDataHub } from './user-data-stream.js';
import { Venue } from './venue.js';

/** A running emulator: where to reach it, its accounts, its fault switches, and how to stop it. */
export interface RunningVenue {
  readonly host: string;
  readonly port: number;
  /** e.g. http://127.0.0.1:PORT; REST lives under /api/v3. */
  readonly httpUrl: string;
  /** e.g. ws://127.0.0.1:PORT; market streams under /stream, the user-data ws-api at /ws-api/v3. */
  readonly wsUrl: string;
  readonly accounts: readonly { readonly name: string; readonly apiKey: string; readonly secret: string }[];
  readonly faults: FaultController;
  /** The venue's state (engine, ledger, markets), for inspection and tests. */
  readonly venue: Venue;
  /** Resolves when a replayed recording has been played to its end (never for a simulated market). */
  readonly replayFinished: Promise<void> | undefined;
  /** Where the state is kept across restarts and what loading it noticed; undefined without `stateDir`. */
  readonly state: { readonly dir: string; readonly restored: boolean; readonly notes: readonly string[] } | undefined;
  connectionCount(kind: ConnectionKind): number;
  /**
   * Calls `listener` as each REST request arrives (before it is read or answered), with
   * its method, path and arrival time (wall-clock ms): what reached the venue, and when.
   * Returns the function that stops listening.
   */
  onRequest(listener: RequestListener): () => void;
  close(): Promise<void>;
}

export type RequestListener = (request: { method: string; path: string; atMs: number }) => void;

const MAX_BODY_BYTES = 64 * 1024;

function marketSources(options: ReturnType<typeof resolveVenueOptions>): Map<string, MarketSource> {
  const sources = new Map<string, MarketSource>();
  const plan = options.market;
  if (plan.kind === 'simulated') {
    for (const spec of options.symbols) sources.set(spec.symbol, new SimulatedMarket(spec, plan.config));
  } else if (plan.kind === 'replay') {
    const spec = options.symbols.find((each) => each.symbol === plan.symbol);
    if (spec) sources.set(spec.symbol, new ReplayMarket(spec, plan.config));
  }
  return sources;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(errors.malformedBody(`body larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * Starts a Binance-spot-compatible venue (HTTP + WebSocket) on 127.0.0.1 by default, with
 * an ephemeral port unless `port` is given. Rejects with VenueOptionsError for bad options.
 */
export async function startVenueEmulator(input: VenueOptions = {}): Promise<RunningVenue> {
  const options = resolveVenueOptions(input);
  const faults = new FaultController(options.faults);
  const sources = marketSources(options);
  const venue = new Venue({ symbols: options.symbols, accounts: options.accounts, fees: options.fees, faults, sources });
  const persisted = options.stateDir === undefined ? undefined : persistVenue(venue, options.stateDir);
  const marketHub = new MarketStreamHub(venue, faults, options.tickerIntervalMs);
  const userHub = new UserDataHub(venue, faults);
  faults.attachConnectionDropper((kind) => (kind !== 'user' ? marketHub.dropAll() : 0) + (kind !== 'market' ? userHub.dropAll() : 0));

  const respond = (response: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    const send = (): void => {
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    };
    if (faults.latencyMs > 0) setTimeout(send, faults.latencyMs);
    else send();
  };

  const requestListeners = new Set<RequestListener>();
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart >= 0 ? url.slice(0, queryStart) : url;
    if (requestListeners.size > 0) {
      const arrived = { method: request.method ?? 'GET', path, atMs: performance.timeOrigin + performance.now() };
      for (const listener of requestListeners) listener(arrived);
    }
    const query = queryStart >= 0 ? url.slice(queryStart + 1) : '';
    const apiKeyHeader = request.headers['x-mbx-apikey'];
    readBody(request).then(
      (body) => {
        const result = handleRest(venue, {
          method: request.method ?? 'GET', path, query, body,
          apiKey: Array.isArray(apiKeyHeader) ? apiKeyHeader[0] : apiKeyHeader,
        });
        respond(response, result.status, result.body);
      },
      (error: unknown) => {
        const failure = error instanceof Error && 'httpStatus' in error ? (error as ReturnType<typeof errors.malformedBody>) : errors.malformedBody(String(error));
        respond(response, failure.httpStatus, failure.body());
      },
    );
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const hub = path === '/ws-api/v3' ? userHub : path.startsWith('/stream') || path.startsWith('/ws') ? marketHub : undefined;
    if (!hub) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => hub.accept(ws));
  });

  await venue.start();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    venue.stop();
    marketHub.close();
    persisted?.close();
    throw error;
  }
  const schedule = startFaultSchedule(faults, options.faults);
  const { port } = server.address() as AddressInfo;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const replay = [...sources.values()].find((source): source is ReplayMarket => source instanceof ReplayMarket);

  let closing: Promise<void> | undefined;
  return {
    host: options.host,
    port,
    httpUrl: `http://${hostInUrl}:${port}`,
    wsUrl: `ws://${hostInUrl}:${port}`,
    accounts: options.accounts.map(({ name, apiKey, secret }) => ({ name, apiKey, secret })),
    faults,
    venue,
    replayFinished: replay?.finished,
    state: persisted && { dir: persisted.dir, restored: persisted.restored, notes: persisted.notes },
    connectionCount: (kind) => (kind !== 'user' ? marketHub.connectionCount : 0) + (kind !== 'market' ? userHub.connectionCount : 0),
    onRequest(listener) {
      requestListeners.add(listener);
      return () => requestListeners.delete(listener);
    },
    close() {
      closing ??= (async () => {
        schedule.stop();
        venue.stop();
        marketHub.close();
        userHub.close();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        persisted?.close();
      })();
      return closing;
    },
  };
}
