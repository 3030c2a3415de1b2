/**
 * A client of the admin socket (used by `bot4 ctl` and by tests): sends requests with
 * increasing ids, matches replies by id, and hands event lines to a listener.
 */
import { connect, type Socket } from 'node:net';
import { LineSplitter } from './line-splitter.js';
import type { CommandArgs, CommandName, CommandResults, DroppedNotice, ErrorBody, EventLine, Reply } from './protocol.js';

/** Nothing accepts connections at the socket path. */
export class AdminUnavailableError extends Error {
  constructor(
    readonly socketPath: string,
    readonly reason: string,
  ) {
    super(`no bot4 runtime is listening on ${socketPath} (${reason})`);
    this.name = 'AdminUnavailableError';
  }
}

/** The server answered `ok: false`. */
export class AdminReplyError extends Error {
  constructor(readonly error: ErrorBody) {
    super(`${error.code}: ${error.message}`);
    this.name = 'AdminReplyError';
  }
}

/** Replies can be large (a big tree); this only bounds a broken server's output. */
const MAX_REPLY_BYTES = 64 * 1024 * 1024;

interface Pending {
  resolve(reply: Reply): void;
  reject(err: Error): void;
}

export class AdminClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly splitter = new LineSplitter(MAX_REPLY_BYTES);
  private eventListener: ((line: EventLine | DroppedNotice) => void) | undefined;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.failAll(new Error('the admin connection closed before the reply came'));
        resolve();
      });
    });
    socket.on('error', (err) => this.failAll(err));
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.splitter.push(chunk)) {
        if (item.kind === 'line') this.receive(item.text);
        else this.failAll(new Error(`the server sent a line over ${MAX_REPLY_BYTES} bytes`));
      }
    });
  }

  static connect(socketPath: string, timeoutMs = 5000): Promise<AdminClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(socketPath);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new AdminUnavailableError(socketPath, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new AdminClient(socket));
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const reason = err.code === 'ENOENT' ? 'no socket file' : err.code === 'ECONNREFUSED' ? 'socket file left over, nobody accepting' : err.message;
        reject(new AdminUnavailableError(socketPath, reason));
      });
    });
  }

  /** The command's result; an `ok: false` reply rejects with AdminReplyError. */
  async request<C extends CommandName>(cmd: C, args: CommandArgs<C>): Promise<CommandResults[C]> {
    const reply = await this.requestReply(cmd, args);
    if (!reply.ok) throw new AdminReplyError(reply.error);
    return reply.result as CommandResults[C];
  }

  /** The whole reply line, successful or not (for `--json`). */
  requestReply<C extends CommandName>(cmd: C, args: CommandArgs<C>): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(`${JSON.stringify({ id, cmd, args })}\n`);
    });
  }

  /** Receives event lines and dropped-event notices (after events.subscribe). */
  onEvent(listener: (line: EventLine | DroppedNotice) => void): void {
    this.eventListener = listener;
  }

  close(): void {
    this.socket.end();
  }

  private receive(text: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // The line itself says more than JSON.parse's position message.
      this.failAll(new Error(`the server sent a line that is not JSON: ${text.slice(0, 80)}`));
      return;
    }
    if ('event' in message || 'notice' in message) {
      this.eventListener?.(message as unknown as EventLine | DroppedNotice);
      return;
    }
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!pending) {
      // A reply without our id (id null): the server could not read a line or is closing us.
      if (message.ok === false) this.failAll(new AdminReplyError(message.error as ErrorBody));
      return;
    }
    this.pending.delete(message.id as number);
    pending.resolve(message as unknown as Reply);
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
