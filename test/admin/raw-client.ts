/** A plain `net` client speaking lines, for driving the admin server byte by byte in tests. */
import { connect, type Socket } from 'node:net';

export interface RawClient {
  readonly socket: Socket;
  send(text: string | Uint8Array): void;
  /** The next complete line from the server, parsed. */
  next(): Promise<Record<string, unknown>>;
  /** Resolves when the server closed the connection. */
  readonly closed: Promise<void>;
  /** Lines received so far and not yet taken by next(). */
  readonly buffered: readonly Record<string, unknown>[];
}

export function rawConnect(socketPath: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const lines: Record<string, unknown>[] = [];
    const waiters: ((line: Record<string, unknown>) => void)[] = [];
    let partial = '';
    let closedResolve!: () => void;
    const closed = new Promise<void>((r) => (closedResolve = r));
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      partial += text;
      for (let nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n')) {
        const line = JSON.parse(partial.slice(0, nl)) as Record<string, unknown>;
        partial = partial.slice(nl + 1);
        const waiter = waiters.shift();
        if (waiter) waiter(line);
        else lines.push(line);
      }
    });
    socket.on('close', () => closedResolve());
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      resolve({
        socket,
        send: (text) => void socket.write(text),
        next: () => {
          const line = lines.shift();
          if (line) return Promise.resolve(line);
          return new Promise((r) => waiters.push(r));
        },
        closed,
        buffered: lines,
      }),
    );
    socket.once('error', reject);
  });
}
