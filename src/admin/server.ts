/**
 * The admin socket server: a Unix domain socket (mode 0600 in a 0700 directory)
 * speaking newline-delimited JSON (protocol.ts). Each connection is an AdminConnection;
 * this file owns listening, the one-instance-per-socket rule, the client limit and
 * closing.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { AdminBackend } from './backend.js';
import { AdminConnection, CLOSE_GRACE_MS, type ConnectionLimits } from './connection.js';
import { encodeLine, errorReply } from './protocol.js';
import { claimSocket, prepareSocketPath, releaseSocket } from './socket-file.js';

export interface AdminServerOptions extends ConnectionLimits {
  /** Absolute path of the socket. */
  readonly socketPath: string;
  readonly maxClients: number;
  readonly backend: AdminBackend;
  readonly logger?: Logger;
}

export interface AdminServer {
  readonly socketPath: string;
  /** Open client connections. */
  readonly clientCount: number;
  /** Events dropped for slow subscribers since start (connections still open and closed ones). */
  readonly droppedEvents: number;
  /** Stops accepting, ends every connection, removes the socket file. */
  close(): Promise<void>;
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const log = options.logger?.child({ component: 'admin' });
  await prepareSocketPath(options.socketPath);

  const connections = new Set<AdminConnection>();
  let droppedByClosed = 0;
  const server: Server = createServer({ allowHalfOpen: true }, (socket: Socket) => {
    if (connections.size >= options.maxClients) {
      refuse(socket, options.maxClients);
      return;
    }
    const connection = new AdminConnection(socket, options.backend, options, log, (closed) => {
      droppedByClosed += closed.droppedEvents;
      connections.delete(closed);
    });
    connections.add(connection);
  });
  // A failing accept must not take the process down; the server keeps listening.
  server.on('error', (err) => log?.error({ err }, 'admin socket error'));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(new Error(`cannot listen on admin socket ${options.socketPath}: ${err.message}`));
    server.once('error', onError);
    server.listen(options.socketPath, () => {
      server.off('error', onError);
      resolve();
    });
  });
  claimSocket(options.socketPath);
  log?.info({ socket: options.socketPath }, 'admin socket listening');

  let closing: Promise<void> | undefined;
  return {
    socketPath: options.socketPath,
    get clientCount() {
      return connections.size;
    },
    get droppedEvents() {
      let open = 0;
      for (const c of connections) open += c.droppedEvents;
      return droppedByClosed + open;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          releaseSocket(options.socketPath);
          log?.info({ socket: options.socketPath }, 'admin socket closed');
          resolve();
        });
        for (const connection of connections) connection.end();
      });
      return closing;
    },
  };
}

/**
 * Answers `too_many_clients` and closes only once the client has closed its side (or after
 * the grace period). A client writes its request as soon as it connects; closing at once
 * would fail that write (EPIPE) or reset the connection over the unread request
 * (ECONNRESET), and the refusal would be lost with it. So what it sends is read and dropped.
 */
function refuse(socket: Socket, maxClients: number): void {
  socket.on('error', () => socket.destroy());
  socket.on('data', () => undefined);
  socket.end(encodeLine(errorReply(null, 'too_many_clients', `the admin socket serves at most ${maxClients} clients at once; try again later`)));
  const cutOff = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  socket.on('close', () => clearTimeout(cutOff));
}
