import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { cleanEnv, runCli, startCli } from './run-cli.js';

/**
 * The acceptance path of `bot4 start`, as a user runs it: the real process from the CLI,
 * a plain `net` client on its admin socket, a killed actor coming back under one_for_one,
 * SIGTERM, exit code 0.
 */
let dir: string;
let child: ChildProcess | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bot4-e2e-'));
});
afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'close');
  }
  child = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/actors/${name}.js`, import.meta.url));

function writeConfig(): { file: string; socket: string } {
  const socket = join(dir, 'run', 'bot4.sock');
  const file = join(dir, 'e2e.yaml');
  writeFileSync(
    file,
    `
runtime:
  actor_modules:
    misbehaving: ${fixture('misbehaving')}
admin:
  socket_path: ${socket}
logging:
  dir: ${join(dir, 'logs')}
  console: json
killswitch:
  gpio: { mode: off }
tree:
  name: root
  strategy: one_for_one
  children:
    - name: safety
      strategy: one_for_all
      children:
        - name: kill-switch
          actor: kill-switch
          config: { state_file: ${join(dir, 'kill-switch.json')} }
    - name: workers
      strategy: one_for_one
      children:
        - { name: a, actor: misbehaving, shutdown_ms: 3000 }
        - { name: b, actor: misbehaving, shutdown_ms: 3000 }
`,
  );
  return { file, socket };
}

/** A newline-delimited JSON client over a plain net socket. */
class AdminClient {
  private buffer = '';
  private readonly waiting = new Map<number, (reply: Record<string, unknown>) => void>();
  private nextId = 1;
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const reply = JSON.parse(this.buffer.slice(0, newline)) as Record<string, unknown>;
        this.buffer = this.buffer.slice(newline + 1);
        this.waiting.get(reply.id as number)?.(reply);
      }
    });
  }
  static async connect(path: string): Promise<AdminClient> {
    const socket = createConnection(path);
    await once(socket, 'connect');
    return new AdminClient(socket);
  }
  request(cmd: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.write(`${JSON.stringify({ id, cmd, args })}\n`);
    });
  }
  close(): void {
    this.socket.end();
  }
}

interface Node {
  path: string;
  status: string;
  restarts: number;
  threadId: number | null;
  children: Node[];
}
const find = (node: Node, path: string): Node | undefined => (node.path === path ? node : node.children.map((c) => find(c, path)).find(Boolean));

async function waitForBanner(proc: ChildProcess): Promise<string> {
  let out = '';
  proc.stdout!.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 60 s; stdout so far:\n${out}`)), 60_000);
    proc.stdout!.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('bot4 started')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    proc.once('close', (code) => reject(new Error(`bot4 start exited early with ${code}:\n${out}`)));
  });
}

describe('bot4 start, end to end', () => {
  it('serves the tree on its socket, restarts a killed actor alone, and exits 0 on SIGTERM', async () => {
    const { file, socket } = writeConfig();
    child = startCli(['start', '--config', file], cleanEnv());
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const banner = await waitForBanner(child);
    expect(banner).toMatch(/actors: +3 of 3 running/);
    expect(banner).toContain(socket);

    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);

    // A second instance on the same socket is refused while the first is alive.
    const second = await runCli(['start', '--config', file], cleanEnv());
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/another bot4|already|in use/i);

    const client = await AdminClient.connect(socket);
    const tree = (await client.request('tree')).result as Node;
    const a = find(tree, 'root/workers/a')!;
    const b = find(tree, 'root/workers/b')!;
    expect(a.status).toBe('running');
    expect(b.status).toBe('running');

    const kill = await client.request('actor.kill', { path: 'root/workers/a' });
    expect(kill.ok).toBe(true);
    let after: Node | undefined;
    for (let i = 0; i < 600; i++) {
      after = (await client.request('tree')).result as Node;
      const node = find(after, 'root/workers/a')!;
      if (node.status === 'running' && node.restarts === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(find(after!, 'root/workers/a')).toMatchObject({ status: 'running', restarts: 1 });
    expect(find(after!, 'root/workers/a')!.threadId).not.toBe(a.threadId);
    expect(find(after!, 'root/workers/b')).toMatchObject({ status: 'running', restarts: 0, threadId: b.threadId });
    expect(find(after!, 'root/safety/kill-switch')).toMatchObject({ status: 'running', restarts: 0 });

    const bad = await client.request('actor.kill', { path: 'root/nope' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'not_found' } });
    client.close();

    child.kill('SIGTERM');
    const [code] = (await once(child, 'close')) as [number];
    expect(code, stderr).toBe(0);
  });
});
