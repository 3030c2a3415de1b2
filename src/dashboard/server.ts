/**
 * The dashboard server `bot4 start` runs (docs/dashboard.md): one HTTP listener on loopback
 * serving the shell page, its script and stylesheet, and a WebSocket feed of the page model
 * (view.ts). Everything it shows comes from the admin backend's own functions (tree, status,
 * events) and the audit check; the only thing it can change is the trading state, to HALTED,
 * and only when `allow_trip` is set.
 *
 * Every request needs the token (token.ts); without it the answer is a bare 401. While a page is
 * open the model is rebuilt every `refreshMs` and at once after any event (a trip, a restart), so
 * what the page shows is at most about `refreshMs` behind; with no page open it is rebuilt every
 * IDLE_SAMPLE_MS only, to keep the equity series of the session.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AdminBackend } from '../admin/backend.js';
import type { AdminEvent } from '../admin/protocol.js';
import { packageRoot } from '../runtime/package-root.js';
import { AuditWatcher } from './audit-view.js';
import { isAuthorised, originAllowed, SECURITY_HEADERS, tokenCookie } from './http-policy.js';
import { renderShell } from './page.js';
import { addEvent, addPoint, emptyHistory, plotted, type SessionHistory } from './session-history.js';
import { buildView } from './view.js';

/** The admin backend functions the dashboard reads through (and the one it may call to halt). */
export type DashboardSource = Pick<AdminBackend, 'tree' | 'status' | 'subscribe' | 'killswitchTrip'>;

export interface DashboardOptions {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly token: string;
  readonly allowTrip: boolean;
  readonly refreshMs: number;
  readonly source: DashboardSource;
  /** The runtime's database (for the audit log); null while there is none. */
  readonly databaseUrl: () => string | null;
  readonly logger: Logger;
}

export interface DashboardServer {
  /** The address it listens on, e.g. http://127.0.0.1:18480 */
  readonly origin: string;
  readonly port: number;
  /** The ready-to-open URL, token included. */
  readonly url: string;
  /** Tells open pages the runtime has stopped, closes their feeds and the listener. */
  close(reason: string): Promise<void>;
}

/** With no page open: how often the model is still rebuilt, for the session's equity series. */
const IDLE_SAMPLE_MS = 5_000;
const AUDIT_CHECK_MS = 5_000;
/** A page whose socket has this much unsent skips snapshots until it catches up (a newer one follows). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_TRIP_BODY_BYTES = 4096;
const STATIC_DIR = join(packageRoot(), 'src', 'dashboard', 'static');

export type FeedMessage =
  | { readonly type: 'view'; readonly view: ReturnType<typeof buildView> }
  | { readonly type: 'error'; readonly at: string; readonly message: string }
  | { readonly type: 'closing'; readonly at: string; readonly reason: string };

export async function startDashboard(options: DashboardOptions): Promise<DashboardServer> {
  const assets = {
    '/dashboard.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(STATIC_DIR, 'dashboard.js')) },
    '/dashboard.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(STATIC_DIR, 'dashboard.css')) },
  } as const;
  const shell = Buffer.from(renderShell({ allowTrip: options.allowTrip }));
  const log = options.logger.child({ path: 'supervisor/dashboard' });
  const feed = new Feed(options, log);

  const server = createServer((req, res) => {
    handleRequest(req, res, options, shell, assets, log).catch((error: unknown) => {
      log.error({ err: error }, `dashboard request ${req.method} ${req.url?.split('?')[0]} failed`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = requestUrl(req);
    if (url.pathname !== '/feed' || !isAuthorised(options.token, url, req.headers) || !originAllowed(req.headers)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => feed.add(ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`the dashboard cannot listen on ${options.host}:${options.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use (set dashboard.port, 0 = any free port, or dashboard: false)' : error.message}`, { cause: error })),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  feed.start();
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const origin = `http://${host}:${port}`;
  log.info({ origin, allowTrip: options.allowTrip }, `dashboard listening on ${origin}`);
  let closing: Promise<void> | undefined;
  return {
    origin,
    port,
    url: `${origin}/?token=${encodeURIComponent(options.token)}`,
    close: (reason) => (closing ??= closeAll(server, sockets, feed, reason)),
  };
}

async function closeAll(server: Server, sockets: WebSocketServer, feed: Feed, reason: string): Promise<void> {
  feed.stop(reason);
  await new Promise<void>((resolve) => sockets.close(() => resolve()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://dashboard.invalid');
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: DashboardOptions,
  shell: Buffer,
  assets: Readonly<Record<string, { type: string; body: Buffer }>>,
  log: Logger,
): Promise<void> {
  const url = requestUrl(req);
  // Nothing is said to a request without the token: not even whether the path exists.
  if (!isAuthorised(options.token, url, req.headers)) return send(res, 401, 'text/plain; charset=utf-8', 'Unauthorized\n');
  if (url.pathname === '/trip') return trip(req, res, options, log);
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'read-only: GET only\n', { Allow: 'GET, HEAD' });
  if (url.pathname === '/') {
    // The token came in the URL: keep it in an HttpOnly cookie and drop it from the address bar and history.
    if (url.searchParams.has('token')) return send(res, 303, 'text/plain; charset=utf-8', '', { Location: '/', 'Set-Cookie': tokenCookie(options.token) });
    return send(res, 200, 'text/html; charset=utf-8', shell);
  }
  const asset = assets[url.pathname];
  if (asset) return send(res, 200, asset.type, asset.body);
  return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
}

/** POST /trip {"reason":"…"}: only when allow_trip is set, only from this page's origin; trips to HALTED and nothing else. */
async function trip(req: IncomingMessage, res: ServerResponse, options: DashboardOptions, log: Logger): Promise<void> {
  if (!options.allowTrip) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'POST only\n', { Allow: 'POST' });
  if (!originAllowed(req.headers)) return send(res, 403, 'text/plain; charset=utf-8', 'cross-origin request refused\n');
  if (!req.headers['content-type']?.startsWith('application/json')) return send(res, 415, 'text/plain; charset=utf-8', 'the body must be JSON: {"reason":"…"}\n');
  let body = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    body += chunk.toString('utf8');
    if (body.length > MAX_TRIP_BODY_BYTES) return send(res, 413, 'text/plain; charset=utf-8', `the body is over ${MAX_TRIP_BODY_BYTES} bytes\n`);
  }
  let reason: unknown;
  try {
    reason = (JSON.parse(body) as { reason?: unknown }).reason;
  } catch (error) {
    return send(res, 400, 'text/plain; charset=utf-8', `the body is not JSON: ${(error as Error).message}\n`);
  }
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 400) return send(res, 400, 'text/plain; charset=utf-8', 'a trip needs a reason: {"reason":"…"} (1 to 400 characters)\n');
  log.warn({ reason }, 'kill switch tripped from the dashboard');
  const report = await options.source.killswitchTrip(`dashboard: ${reason.trim()}`);
  return send(res, 200, 'application/json', JSON.stringify(report));
}

/** The open pages and what they are sent. */
class Feed {
  private readonly clients = new Set<WebSocket>();
  private history: SessionHistory = emptyHistory();
  private readonly audit: AuditWatcher;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private building = false;
  /** An event arrived while a snapshot was being built: build another right after. */
  private again = false;
  private stopped = false;

  constructor(
    private readonly options: DashboardOptions,
    private readonly log: Logger,
  ) {
    this.audit = new AuditWatcher(options.databaseUrl, AUDIT_CHECK_MS);
  }

  start(): void {
    this.unsubscribe = this.options.source.subscribe(['*'], (event) => this.onEvent(event));
    this.schedule();
  }

  add(ws: WebSocket): void {
    if (this.stopped) {
      ws.close(1001, 'the runtime is stopping');
      return;
    }
    this.clients.add(ws);
    ws.on('close', () => {
      this.clients.delete(ws);
      if (this.clients.size === 0) this.schedule();
    });
    ws.on('error', (error) => this.log.warn({ err: error }, `dashboard page connection failed: ${error.message}`));
    // a page that connects gets a snapshot at once, then the page rate
    this.schedule();
    void this.refresh();
  }

  stop(reason: string): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe?.();
    const message = JSON.stringify({ type: 'closing', at: new Date().toISOString(), reason } satisfies FeedMessage);
    for (const ws of this.clients) {
      ws.send(message);
      ws.close(1001, 'the runtime stopped');
    }
  }

  private onEvent(event: AdminEvent): void {
    this.history = addEvent(this.history, event);
    if (this.clients.size > 0) void this.refresh();
  }

  /** The next periodic rebuild: the page rate while a page is open, the idle rate otherwise. */
  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.refresh().finally(() => this.schedule());
    }, this.clients.size > 0 ? this.options.refreshMs : IDLE_SAMPLE_MS);
  }

  private async refresh(): Promise<void> {
    if (this.building) {
      this.again = true;
      return;
    }
    this.building = true;
    try {
      do {
        this.again = false;
        await this.buildAndSend();
      } while (this.again && !this.stopped);
    } finally {
      this.building = false;
    }
  }

  private async buildAndSend(): Promise<void> {
    let message: FeedMessage;
    try {
      const [tree, status] = await Promise.all([this.options.source.tree(), this.options.source.status()]);
      const nowMs = Date.now();
      this.history = addPoint(this.history, { atMs: nowMs, equity: plotted(status.pnl?.equity), drawdown: plotted(status.pnl?.drawdown.fraction) });
      if (this.clients.size === 0) return;
      this.audit.refreshIfDue();
      message = { type: 'view', view: buildView({ nowMs, tree, status, history: this.history, audit: this.audit.current(), allowTrip: this.options.allowTrip }) };
    } catch (error) {
      // the page greys its figures out and says why: what it shows is no longer current
      message = { type: 'error', at: new Date().toISOString(), message: (error as Error).message };
    }
    if (this.stopped) return;
    const text = JSON.stringify(message);
    for (const ws of this.clients) {
      if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_BUFFERED_BYTES) ws.send(text);
    }
  }
}
