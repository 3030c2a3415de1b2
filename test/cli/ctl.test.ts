import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from '../../src/admin/server.js';
import { MemoryBackend, sampleTree } from '../admin/memory-backend.js';
import { runCtl } from '../../src/cli/ctl.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { runCli, startCli } from './run-cli.js';

let dir: string;
let socketPath: string;
let server: AdminServer;
let backend: MemoryBackend;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bot4-ctl-'));
  socketPath = join(dir, 'run', 'bot4.sock');
  backend = new MemoryBackend();
  server = await startAdminServer({ socketPath, backend, maxLineBytes: 65536, idleTimeoutMs: 30_000, maxClients: 16, subscriberBacklogBytes: 1 << 20 });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bot4 ctl against a running admin socket', () => {
  it('prints the tree with indentation, status, restarts, mailbox depth and p99', async () => {
    const { code, stdout, stderr } = await runCli(['ctl', '--socket', socketPath, 'tree']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^root\s+supervisor one_for_one\s+running\s+restarts 0$/);
    expect(lines[1]).toMatch(/^├─ safety\s+supervisor one_for_all\s+running\s+restarts 0$/);
    expect(lines[2]).toMatch(/^│ {2}├─ kill-switch\s+actor kill-switch\s+running\s+restarts 0\s+mailbox 128B\/64KiB\s+p99 12\.3µs\s+up 1\.2s\s+thread 7$/);
    expect(lines[3]).toMatch(/^│ {2}└─ risk\s+actor risk\s+running/);
    expect(lines[4]).toMatch(/^└─ execution\s+supervisor rest_for_one/);
    expect(lines[5]).toMatch(/^ {3}└─ order-manager\s+actor order-manager\s+running/);
    expect(stdout).not.toContain('\x1b['); // no colour when stdout is not a TTY
  });

  it('prints the raw reply with --json', async () => {
    const { code, stdout } = await runCli(['ctl', '--json', '--socket', socketPath, 'tree']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ id: 1, ok: true, result: sampleTree() });
  });

  it('kills an actor and reports its restarts; relays a typed error with exit code 1', async () => {
    const killed = await runCli(['ctl', '--socket', socketPath, 'kill-actor', 'root/safety/risk']);
    expect(killed).toMatchObject({ code: 0, stdout: 'root/safety/risk: running, restarts 1\n' });

    const trip = await runCli(['ctl', '--socket', socketPath, 'kill', 'fat', 'finger']);
    expect(trip).toMatchObject({ code: 1, stdout: '', stderr: 'bot4 ctl kill: not_available: kill switch is not wired in this build\n' });

    const missing = await runCli(['ctl', '--socket', socketPath, 'restart', 'root/nope']);
    expect(missing).toMatchObject({ code: 1, stderr: 'bot4 ctl restart: not_found: no actor at root/nope\n' });
  });

  it('refuses wrong usage with exit code 2 and a message naming what is wrong, before connecting', async () => {
    const cases: [args: string[], message: string | RegExp][] = [
      [[], 'missing subcommand'],
      [['frobnicate'], 'unknown ctl subcommand "frobnicate"'],
      [['--bogus', 'tree'], /^Unknown option '--bogus'\./],
      [['tree', '--socket'], /^Option '--socket <value>' argument missing/],
      [['tree', 'extra'], 'ctl tree takes no arguments (got extra)'],
      [['status', 'now', 'please'], 'ctl status takes no arguments (got now please)'],
      [['kill'], 'ctl kill needs a reason, e.g. bot4 ctl kill "spread blow-out on BTC"'],
      [['kill', '  '], 'ctl kill needs a reason, e.g. bot4 ctl kill "spread blow-out on BTC"'],
      [['reset'], 'ctl reset needs a reason, e.g. bot4 ctl reset "spread blow-out on BTC"'],
      [['shutdown'], 'ctl shutdown needs a reason, e.g. bot4 ctl shutdown "spread blow-out on BTC"'],
      [['mode'], 'ctl mode takes exactly one mode (active, reducing, paused)'],
      [['mode', 'active', 'now'], 'ctl mode takes exactly one mode (active, reducing, paused)'],
      [['mode', 'yolo'], 'unknown mode "yolo"; modes: active, reducing, paused (HALTED is entered with ctl kill)'],
      [['mode', 'halted'], 'unknown mode "halted"; modes: active, reducing, paused (HALTED is entered with ctl kill)'],
      [['restart'], 'ctl restart takes exactly one actor path'],
      [['restart', 'root/a', 'root/b'], 'ctl restart takes exactly one actor path'],
      [['kill-actor', ''], 'ctl kill-actor takes exactly one actor path'],
      [['gpio'], 'the gpio subcommand is: bot4 ctl gpio press'],
      [['gpio', 'hold'], 'the gpio subcommand is: bot4 ctl gpio press'],
    ];
    // Each message checked in process (a spawn per case would cost seconds); no socket at this
    // path, so a UsageError (not "nobody listening") shows usage is checked before connecting.
    const absent = join(dir, 'absent.sock');
    const sink = { write: () => true };
    for (const [args, message] of cases) {
      const refused = await runCtl(['--socket', absent, ...args], sink, sink).then(() => undefined, (e: unknown) => e);
      expect(refused, args.join(' ')).toBeInstanceOf(UsageError);
      expect((refused as UsageError).command).toBe('ctl');
      if (typeof message === 'string') expect((refused as Error).message, args.join(' ')).toBe(message);
      else expect((refused as Error).message).toMatch(message);
    }
    // and through the real command: exit code 2, the message and where to read more
    const results = await Promise.all([['mode', 'halted'], ['--bogus', 'tree']].map((args) => runCli(['ctl', '--socket', absent, ...args])));
    expect(results[0]).toEqual({
      code: 2,
      stdout: '',
      stderr: 'bot4 ctl: unknown mode "halted"; modes: active, reducing, paused (HALTED is entered with ctl kill)\nsee: bot4 ctl --help\n',
    });
    expect(results[1]).toMatchObject({ code: 2, stdout: '' });
    expect(results[1]!.stderr).toMatch(/^bot4 ctl: Unknown option '--bogus'\..*\nsee: bot4 ctl --help\n$/);
  });

  it('streams subscribed events until interrupted', async () => {
    const child = startCli(['ctl', '--socket', socketPath, 'events', 'lifecycle.*']);
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    await waitFor(() => backend.subscriberCount === 1);
    backend.emit('trading.state', { state: 'HALTED' }); // not subscribed
    backend.emit('lifecycle.restart', { path: 'root/safety/risk', restarts: 2 });
    await waitFor(() => stdout.includes('\n'));
    const exited = new Promise<number | null>((r) => child.once('close', r));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toBe(`${new Date(0).toISOString()}  lifecycle.restart  {"path":"root/safety/risk","restarts":2}\n`);
    await waitFor(() => backend.subscriberCount === 0);
  });
});

describe('bot4 ctl with nothing listening', () => {
  it('says so in one line and exits non-zero', async () => {
    const absent = join(dir, 'nobody', 'bot4.sock');
    const { code, stdout, stderr } = await runCli(['ctl', '--socket', absent, 'tree']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`bot4 ctl: no bot4 runtime is listening on ${absent} (no socket file)\n`);
  });

  it('events says so too, instead of waiting for events that cannot come', async () => {
    const absent = join(dir, 'nobody', 'bot4.sock');
    const { code, stdout, stderr } = await runCli(['ctl', '--socket', absent, 'events', 'lifecycle.*']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`bot4 ctl: no bot4 runtime is listening on ${absent} (no socket file)\n`);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
