/**
 * One admin client connection: reads request lines, answers them in order, streams
 * subscribed events, and protects the process from the client.
 *
 * - Requests are served one at a time; while a backlog of lines waits the socket is
 *   paused (the client's own sends then block), so a flooding client costs bounded memory.
 * - Replies wait for the socket to drain before the next request is served, so a client
 *   that does not read cannot make us buffer replies without bound.
 * - A connection with no complete request for idleTimeoutMs is closed (trickled bytes
 *   without a newline do not count); a subscriber is exempt, it is expected to only listen.
 * - A subscriber whose unsent output passes subscriberBacklogBytes has events dropped
 *   (counted) until it drains; it then receives one `events_dropped` notice with the count.
 * - Socket errors (a client vanishing mid-reply: EPIPE, ECONNRESET) end this connection only.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { AdminBackend } from './backend.js';
import { dispatch, type Dispatched } from './dispatch.js';
import { LineSplitter, type SplitItem } from './line-splitter.js';
import { AdminError, encodeLine, errorReply, parseRequestLine, type AdminEvent, type DroppedNotice, type EventLine, type Reply } from './protocol.js';

export interface ConnectionLimits {
  readonly maxLineBytes: number;
  readonly idleTimeoutMs: number;
  readonly subscriberBacklogBytes: number;
}

/** Lines waiting beyond this pause reading from the socket. */
const MAX_QUEUED_LINES = 32;
/** After end(), a client that does not close its side is cut off after this long. */
export const CLOSE_GRACE_MS = 2000;

export class AdminConnection {
  private readonly splitter: LineSplitter;
  private readonly queue: SplitItem[] = [];
  private serving = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private droppedSinceNotice = 0;
  private closed = false;
  /** Resolved when the request queue is empty (a half-closed client is then ended). */
  private readonly idleWaiters: (() => void)[] = [];
  /** Events this connection missed for being slow (over its lifetime). */
  droppedEvents = 0;

  constructor(
    private readonly socket: Socket,
    private readonly backend: AdminBackend,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger | undefined,
    private readonly onClose: (connection: AdminConnection) => void,
  ) {
    this.splitter = new LineSplitter(limits.maxLineBytes);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.log?.debug({ code: err.code }, 'admin client connection error');
      socket.destroy();
    });
    socket.on('close', () => this.cleanUp());
    socket.on('end', () => {
      // The client finished sending; answer what it asked, then close our side.
      void this.whenIdle().then(() => this.end());
    });
    this.armIdleTimer();
  }

  /** Closes politely (used when the server stops). */
  end(): void {
    if (this.closed) return;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private receive(chunk: Buffer): void {
    const items = this.splitter.push(chunk);
    if (items.length === 0) return;
    this.queue.push(...items);
    if (this.queue.length > MAX_QUEUED_LINES) this.socket.pause();
    void this.serve();
  }

  private async serve(): Promise<void> {
    if (this.serving) return;
    this.serving = true;
    this.clearIdleTimer();
    try {
      for (let item = this.queue.shift(); item && !this.closed; item = this.queue.shift()) {
        if (this.queue.length <= MAX_QUEUED_LINES / 2 && this.socket.isPaused()) this.socket.resume();
        const { reply, afterReply } = await this.answer(item);
        this.write(encodeReply(reply));
        afterReply?.();
        if (this.socket.writableNeedDrain) await this.drained();
      }
    } finally {
      this.serving = false;
      if (this.socket.isPaused() && !this.closed) this.socket.resume();
      this.armIdleTimer();
      this.idleWaiters.splice(0).forEach((wake) => wake());
    }
  }

  private async answer(item: SplitItem): Promise<{ reply: Reply; afterReply?: () => void }> {
    if (item.kind === 'tooLong') {
      return { reply: errorReply(null, 'line_too_long', `request line longer than ${this.limits.maxLineBytes} bytes; it was skipped up to its newline`) };
    }
    const parsed = parseRequestLine(item.text);
    if (!parsed.ok) return { reply: { id: parsed.id, ok: false, error: parsed.error } };
    const { request } = parsed;
    try {
      if (request.cmd === 'events.subscribe') {
        this.subscribe(request.args.topics);
        return { reply: { id: request.id, ok: true, result: { topics: request.args.topics } } };
      }
      const done: Dispatched = await dispatch(this.backend, request, (err) => this.log?.error({ err }, 'shutdown requested over the admin socket failed'));
      return { reply: { id: request.id, ok: true, result: done.result }, afterReply: done.afterReply };
    } catch (err) {
      if (err instanceof AdminError) return { reply: errorReply(request.id, err.code, err.message) };
      this.log?.error({ err, cmd: request.cmd }, 'admin command failed');
      return { reply: errorReply(request.id, 'internal', `${request.cmd} failed: ${(err as Error)?.message ?? String(err)}`) };
    }
  }

  private subscribe(topics: readonly string[]): void {
    this.unsubscribe?.();
    this.unsubscribe = this.backend.subscribe(topics, (event) => this.deliver(event));
  }

  private deliver(event: AdminEvent): void {
    if (this.closed) return;
    if (this.socket.writableLength > this.limits.subscriberBacklogBytes) {
      this.droppedSinceNotice += 1;
      this.droppedEvents += 1;
      return;
    }
    if (this.droppedSinceNotice > 0) {
      const notice: DroppedNotice = { notice: 'events_dropped', count: this.droppedSinceNotice };
      this.droppedSinceNotice = 0;
      this.write(encodeLine(notice));
    }
    const line: EventLine = { event: event.topic, ts: event.ts, data: event.data };
    let text: string;
    try {
      text = encodeLine(line);
    } catch (err) {
      this.log?.error({ err, topic: event.topic }, 'event could not be serialised; not sent');
      return;
    }
    this.write(text);
  }

  private write(text: string): void {
    if (this.closed || !this.socket.writable) return;
    this.socket.write(text);
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private whenIdle(): Promise<void> {
    if (!this.serving && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private armIdleTimer(): void {
    this.clearIdleTimer();
    if (this.closed || this.unsubscribe) return;
    this.idleTimer = setTimeout(() => this.closeIdle(), this.limits.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private closeIdle(): void {
    this.write(encodeReply(errorReply(null, 'idle_timeout', `no request for ${this.limits.idleTimeoutMs} ms; closing`)));
    this.end();
  }

  private cleanUp(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearIdleTimer();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.idleWaiters.splice(0).forEach((wake) => wake());
    this.onClose(this);
  }
}

/** A result that cannot be serialised becomes an `internal` error instead of a crash. */
function encodeReply(reply: Reply): string {
  try {
    return encodeLine(reply);
  } catch (err) {
    return encodeLine(errorReply(reply.id, 'internal', `reply could not be serialised: ${(err as Error).message}`));
  }
}
