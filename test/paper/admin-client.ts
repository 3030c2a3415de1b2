/** A newline-delimited JSON client of the admin socket over a plain net socket (what `bot4 ctl` speaks). */
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';

export interface AdminReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

export class AdminClient {
  private buffer = '';
  private readonly waiting = new Map<number, (reply: AdminReply) => void>();
  private nextId = 1;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const reply = JSON.parse(this.buffer.slice(0, newline)) as AdminReply;
        this.buffer = this.buffer.slice(newline + 1);
        this.waiting.get(reply.id)?.(reply);
        this.waiting.delete(reply.id);
      }
    });
  }

  static async connect(path: string): Promise<AdminClient> {
    const socket = createConnection(path);
    await once(socket, 'connect');
    return new AdminClient(socket);
  }

  request(cmd: string, args: Record<string, unknown> = {}): Promise<AdminReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.write(`${JSON.stringify({ id, cmd, args })}\n`);
    });
  }

  /** The result of a command that must succeed; throws with the error reply otherwise. */
  async call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const reply = await this.request(cmd, args);
    if (!reply.ok) throw new Error(`${cmd} failed: ${JSON.stringify(reply.error)}`);
    return reply.result as T;
  }

  close(): void {
    this.socket.end();
  }
}
