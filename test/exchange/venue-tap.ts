import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { websocketText } from '../../src/runtime/websocket-text.js';

/**
 * A pass-through in front of a venue emulator, on real loopback sockets: it forwards every
 * HTTP request and WebSocket message unchanged, counts the requests that reach the venue
 * (by "METHOD /path"), and can slip a raw text frame into the market streams, which is how
 * a venue's malformed message is produced without changing the emulator.
 */
export interface VenueTap {
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Requests forwarded so far, by "METHOD /path" (query string left out). */
  count(key?: string): number;
  /**
   * From now on, HTTP requests are counted on arrival but held here (on the wire, not yet
   * at the venue) until release(): freezes what has left the runtime at a chosen moment.
   */
  hold(): void;
  /** Forwards every held request and stops holding. */
  release(): void;
  /** Requests held right now. */
  held(): number;
  /** Sends `text` to every open market-stream client; returns how many got it. */
  injectMarketText(text: string): number;
  close(): Promise<void>;
}

export async function startVenueTap(target: { httpUrl: string; wsUrl: string }): Promise<VenueTap> {
  const counts = new Map<string, number>();
  const marketClients = new Set<WebSocket>();
  const upstream = new URL(target.httpUrl);
  let holding = false;
  const heldRequests: (() => void)[] = [];
  const server = createServer((req, res) => {
    const key = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (holding) {
      req.pause();
      heldRequests.push(() => {
        forwardRequest(req, res);
        req.resume();
      });
      return;
    }
    forwardRequest(req, res);
  });
  const forwardRequest = (req: IncomingMessage, res: import('node:http').ServerResponse): void => {
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer: IncomingMessage) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  };
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = req.url ?? '/';
    wss.handleUpgrade(req, socket, head, (client) => {
      const venueSide = new WebSocket(`${target.wsUrl}${path}`);
      const pending: { data: string; binary: boolean }[] = [];
      const isMarket = !path.startsWith('/ws-api');
      if (isMarket) marketClients.add(client);
      client.on('message', (data, binary) => {
        const item = { data: websocketText(data), binary };
        if (venueSide.readyState === WebSocket.OPEN) venueSide.send(item.data);
        else pending.push(item);
      });
      venueSide.on('open', () => pending.splice(0).forEach((item) => venueSide.send(item.data)));
      venueSide.on('message', (data) => {
        if (client.readyState === WebSocket.OPEN) client.send(websocketText(data));
      });
      const closeBoth = (): void => {
        marketClients.delete(client);
        client.terminate();
        venueSide.terminate();
      };
      client.on('close', closeBoth);
      venueSide.on('close', closeBoth);
      client.on('error', closeBoth);
      venueSide.on('error', closeBoth);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    count: (key) => (key === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : counts.get(key) ?? 0),
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      heldRequests.splice(0).forEach((forward) => forward());
    },
    held: () => heldRequests.length,
    injectMarketText(text) {
      let sent = 0;
      for (const client of marketClients) {
        if (client.readyState === WebSocket.OPEN) {
          client.send(text);
          sent++;
        }
      }
      return sent;
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
