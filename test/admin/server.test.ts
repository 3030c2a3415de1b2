import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer, type AdminServerOptions } from '../../src/admin/server.js';
import { SocketInUseError } from '../../src/admin/socket-file.js';
import { MemoryBackend } from './memory-backend.js';
import { rawConnect } from './raw-client.js';

const BURST_CLIENTS = fileURLToPath(new URL('../fixtures/admin-burst-clients.js', import.meta.url));

let dir: string;
let socketPath: string;
let backend: MemoryBackend;
const servers: AdminServer[] = [];

function options(overrides: Partial<AdminServerOptions> = {}): AdminServerOptions {
  return { socketPath, backend, maxLineBytes: 4096, idleTimeoutMs: 30_000, maxClients: 64, subscriberBacklogBytes: 64 * 1024, ...overrides };
}

async function start(overrides: Partial<AdminServerOptions> = {}): Promise<AdminServer> {
  const server = await startAdminServer(options(overrides));
  servers.push(server);
  return server;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bot4-admin-'));
  socketPath = join(dir, 'run', 'bot4.sock');
  backend = new MemoryBackend();
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('admin socket file', () => {
  it('creates the socket with mode 0600 inside a 0700 directory, with a pid file', async () => {
    await start();
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    expect(statSync(socketPath).isSocket()).toBe(true);
    expect(readFileSync(`${socketPath}.pid`, 'utf8').trim()).toBe(String(process.pid));
  });

  it('refuses a second server on a live socket, naming the path and the pid', async () => {
    await start();
    const second = startAdminServer(options());
    await expect(second).rejects.toBeInstanceOf(SocketInUseError);
    await expect(second).rejects.toThrow(`another bot4 is running on ${socketPath} (pid ${process.pid})`);
    // the first one still serves
    const client = await rawConnect(socketPath);
    client.send('{"id":1,"cmd":"tree"}\n');
    expect(await client.next()).toMatchObject({ id: 1, ok: true });
    client.socket.destroy();
  });

  it('removes a stale socket file left by a killed process and starts', async () => {
    mkdirSync(join(dir, 'run'), { mode: 0o700 });
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(statSync(socketPath).isSocket()).toBe(true);

    await start();
    const client = await rawConnect(socketPath);
    client.send('{"id":"after-stale","cmd":"tree"}\n');
    expect(await client.next()).toMatchObject({ id: 'after-stale', ok: true });
    client.socket.destroy();
  });

  it('refuses a socket directory other users can enter, and a path that is not a socket', async () => {
    mkdirSync(join(dir, 'run'), { mode: 0o755 });
    chmodSync(join(dir, 'run'), 0o755);
    await expect(startAdminServer(options())).rejects.toThrow(/has mode 0755; it must be private to its owner/);
    chmodSync(join(dir, 'run'), 0o700);
    writeFileSync(socketPath, 'not a socket');
    await expect(startAdminServer(options())).rejects.toThrow(/exists and is not a socket/);
  });

  it('removes the socket and pid files on close', async () => {
    const server = await start();
    await server.close();
    expect(existsSync(socketPath)).toBe(false);
    expect(existsSync(`${socketPath}.pid`)).toBe(false);
  });
});

describe('admin protocol over the socket', () => {
  it('answers tree, actor commands, typed errors and bad lines, keeping the connection usable', async () => {
    await start();
    const c = await rawConnect(socketPath);
    const ask = async (line: string): Promise<Record<string, unknown>> => {
      c.send(`${line}\n`);
      return c.next();
    };
    const tree = await ask('{"id":1,"cmd":"tree","args":{}}');
    expect(tree).toMatchObject({ id: 1, ok: true, result: { name: 'root', kind: 'supervisor', children: [{ name: 'safety' }, { name: 'execution' }] } });

    expect(await ask('{"id":2,"cmd":"actor.kill","args":{"path":"root/safety/risk"}}')).toMatchObject({ id: 2, ok: true, result: { path: 'root/safety/risk', restarts: 1 } });
    expect(await ask('{"id":3,"cmd":"actor.get","args":{"path":"root/nope"}}')).toMatchObject({ id: 3, ok: false, error: { code: 'not_found' } });
    expect(await ask('{"id":4,"cmd":"killswitch.trip","args":{"reason":"test"}}')).toEqual({
      id: 4,
      ok: false,
      error: { code: 'not_available', message: 'kill switch is not wired in this build' },
    });
    expect(await ask('{"id":5,"cmd":"status"}')).toMatchObject({ id: 5, ok: false, error: { code: 'internal', message: 'status failed: status store exploded' } });
    expect(await ask('{"id":6,"cmd":"actor.get"')).toMatchObject({ id: null, ok: false, error: { code: 'bad_json' } });
    expect(await ask('{"id":7,"cmd":"launch.rockets"}')).toMatchObject({ id: 7, ok: false, error: { code: 'unknown_command' } });
    expect(await ask('{"id":8,"cmd":"actor.get","args":{}}')).toMatchObject({ id: 8, error: { code: 'bad_args', message: expect.stringContaining('args.path') } });
    expect(await ask('{"id":9,"cmd":"actor.get","args":{"path":42}}')).toMatchObject({ id: 9, error: { code: 'bad_args' } });
    expect(await ask('{"id":10,"cmd":"mode.set","args":{"mode":"yolo"}}')).toMatchObject({ id: 10, error: { code: 'bad_args', message: expect.stringContaining('args.mode') } });
    expect(await ask('{"id":11,"cmd":"tree","args":{"depth":2}}')).toMatchObject({ id: 11, error: { code: 'bad_args', message: expect.stringContaining('depth') } });
    expect(await ask('[1,2,3]')).toMatchObject({ id: null, error: { code: 'bad_request' } });
    expect(await ask(`{"id":12,"cmd":"tree","pad":"${'x'.repeat(5000)}"}`)).toMatchObject({ id: null, error: { code: 'line_too_long' } });
    expect(await ask('{"id":13,"cmd":"tree"}')).toMatchObject({ id: 13, ok: true });
    c.socket.destroy();
  });

  it('replies to shutdown first, then starts the shutdown with the reason', async () => {
    await start();
    const c = await rawConnect(socketPath);
    c.send('{"id":"s","cmd":"shutdown","args":{"reason":"maintenance"}}\n');
    expect(await c.next()).toEqual({ id: 's', ok: true, result: { accepted: true } });
    await waitFor(() => backend.shutdownReasons.length === 1);
    expect(backend.shutdownReasons).toEqual(['maintenance']);
    c.socket.destroy();
  });

  it('answers a client that half-closes right after its request', async () => {
    await start();
    const c = await rawConnect(socketPath);
    c.socket.end('{"id":"half","cmd":"tree"}\n');
    expect(await c.next()).toMatchObject({ id: 'half', ok: true });
    await c.closed;
  });
});

describe('admin server robustness', () => {
  it('serves many concurrent clients', async () => {
    await start({ maxClients: 100 });
    const clients = await Promise.all(Array.from({ length: 60 }, () => rawConnect(socketPath)));
    const replies = await Promise.all(
      clients.map(async (c, i) => {
        const got: Record<string, unknown>[] = [];
        for (let r = 0; r < 5; r++) {
          c.send(`{"id":${i * 100 + r},"cmd":"actor.get","args":{"path":"root/safety/kill-switch"}}\n`);
          got.push(await c.next());
        }
        return got;
      }),
    );
    replies.forEach((got, i) => got.forEach((reply, r) => expect(reply).toMatchObject({ id: i * 100 + r, ok: true, result: { node: { name: 'kill-switch' } } })));
    clients.forEach((c) => c.socket.destroy());
  });

  it('refuses clients beyond max_clients with too_many_clients', async () => {
    const server = await start({ maxClients: 2 });
    const a = await rawConnect(socketPath);
    const b = await rawConnect(socketPath);
    await waitFor(() => server.clientCount === 2);
    const third = await rawConnect(socketPath);
    expect(await third.next()).toMatchObject({ id: null, ok: false, error: { code: 'too_many_clients' } });
    await third.closed;
    a.send('{"id":1,"cmd":"tree"}\n');
    expect(await a.next()).toMatchObject({ id: 1, ok: true });
    a.socket.destroy();
    b.socket.destroy();
  });

  it('gives every refused client of 100 concurrent ones the too_many_clients line before closing, with no EPIPE', async () => {
    // The clients run in their own process, each writing its request the moment it connects,
    // as operators' `bot4 ctl` do: a refused one must read the refusal, not find the
    // connection gone under its write (EPIPE, and the refusal lost with it).
    const maxClients = 32;
    await start({ maxClients });
    const child = spawn(process.execPath, [BURST_CLIENTS, socketPath, '100'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(exitCode).toBe(0);
    const tally = JSON.parse(output) as Record<string, number>;
    expect(tally).toEqual({ 'ok/-': maxClients, 'too_many_clients/-': 100 - maxClients });
  });

  it('drops a client that never sends after the idle timeout, and only that one', async () => {
    const server = await start({ idleTimeoutMs: 300 });
    const silent = await rawConnect(socketPath);
    const subscriber = await rawConnect(socketPath);
    subscriber.send('{"id":"sub","cmd":"events.subscribe","args":{"topics":["lifecycle.*"]}}\n');
    expect(await subscriber.next()).toMatchObject({ id: 'sub', ok: true, result: { topics: ['lifecycle.*'] } });

    expect(await silent.next()).toMatchObject({ id: null, ok: false, error: { code: 'idle_timeout' } });
    await silent.closed;
    await waitFor(() => server.clientCount === 1);

    // the subscriber is exempt from the idle timeout and still receives events
    await new Promise((r) => setTimeout(r, 600));
    backend.emit('lifecycle.restart', { path: 'root/safety/risk' });
    expect(await subscriber.next()).toEqual({ event: 'lifecycle.restart', ts: new Date(0).toISOString(), data: { path: 'root/safety/risk' } });
    subscriber.socket.destroy();
  });

  it('survives a client that vanishes while its reply is being computed or written', async () => {
    const server = await start();
    let release!: () => void;
    backend.treeGate = new Promise<void>((r) => (release = r));
    const leaving = await rawConnect(socketPath);
    leaving.send('{"id":1,"cmd":"tree"}\n');
    await waitFor(() => server.clientCount === 1);
    leaving.socket.destroy();
    await leaving.closed;
    // the server only learns the client is gone when it answers; that must not hurt it
    release();
    backend.treeGate = undefined;
    await waitFor(() => server.clientCount === 0);

    // a reply of several megabytes, abandoned after the first chunk
    backend.root = { ...backend.root, lastError: 'x'.repeat(8 * 1024 * 1024) };
    const reader = await rawConnect(socketPath);
    reader.socket.removeAllListeners('data');
    const firstChunk = new Promise<void>((resolve) => reader.socket.once('data', () => resolve()));
    reader.send('{"id":2,"cmd":"tree"}\n');
    await firstChunk;
    reader.socket.destroy();

    backend.root = { ...backend.root, lastError: null };
    const other = await rawConnect(socketPath);
    other.send('{"id":3,"cmd":"tree"}\n');
    expect(await other.next()).toMatchObject({ id: 3, ok: true, result: { lastError: null } });
    other.socket.destroy();
  });

  it('drops events for a subscriber that does not read, with a counted notice once it catches up', async () => {
    const server = await start({ subscriberBacklogBytes: 32 * 1024 });
    const slow = await rawConnect(socketPath);
    slow.send('{"id":1,"cmd":"events.subscribe","args":{"topics":["*"]}}\n');
    expect(await slow.next()).toMatchObject({ id: 1, ok: true });
    slow.socket.pause();

    const payload = 'p'.repeat(8 * 1024);
    const emitted = 3000;
    for (let i = 0; i < emitted; i++) backend.emit('market.tick', { i, payload });
    expect(server.droppedEvents).toBeGreaterThan(0);

    // once it reads again and the next event comes, it learns how many it missed
    slow.socket.resume();
    await new Promise((r) => setTimeout(r, 200));
    await waitFor(() => slow.socket.readableLength === 0);
    backend.emit('market.tick', { i: emitted, payload: 'last' });
    let events = 0;
    let noticed = 0;
    for (;;) {
      const line = await slow.next();
      if (line.notice === 'events_dropped') noticed += line.count as number;
      else events += 1;
      if ((line.data as { i?: number } | undefined)?.i === emitted) break;
    }
    expect(noticed).toBe(server.droppedEvents);
    expect(events + noticed).toBe(emitted + 1);
    slow.socket.destroy();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
