import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/admin/client.js';
import { cleanEnv, runCli, startCli } from './run-cli.js';
import { fixtureActor, startBot4, type Bot4Process } from './running-bot4.js';

/**
 * Every `bot4 ctl` subcommand against a real `bot4 start`: a real kill-switch actor with
 * simulated GPIO lines, two test actors under one_for_one. The tests run in order on one
 * process; the last one shuts it down with `ctl shutdown`.
 */
let bot4: Bot4Process;

beforeAll(async () => {
  bot4 = await startBot4(
    (dir) => `
runtime:
  actor_modules:
    misbehaving: ${fixtureActor('misbehaving')}
admin:
  socket_path: ${dir}/run/bot4.sock
logging:
  dir: ${dir}/logs
  console: json
killswitch:
  gpio:
    mode: simulated
    button: { line: 17, active_low: true, debounce_ms: 20 }
tree:
  name: root
  strategy: one_for_one
  children:
    - name: safety
      strategy: one_for_all
      children:
        - name: kill-switch
          actor: kill-switch
          # a loaded test machine must not trip the dead man's switch or let the lease lapse
          config: { state_file: ${dir}/kill-switch.json, dead_man_timeout_ms: 0, lease_ms: 10000 }
    - name: workers
      strategy: one_for_one
      children:
        - { name: a, actor: misbehaving }
        - { name: b, actor: misbehaving }
`,
  );
}, 90_000);

afterAll(async () => {
  await bot4?.dispose();
});

const ctl = (...args: string[]) => runCli(['ctl', '--socket', bot4.socket, ...args]);
const ctlJson = async (...args: string[]): Promise<{ code: number | null; reply: Record<string, unknown>; stderr: string }> => {
  const { code, stdout, stderr } = await ctl('--json', ...args);
  return { code, reply: JSON.parse(stdout) as Record<string, unknown>, stderr };
};
const ISO_TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
const tradingLine = (state: string, reason: string): RegExp => new RegExp(`^trading state: ${state} since ${ISO_TIME} — ${reason.replace(/[()]/g, '\\$&')}\n$`);

interface Node {
  path: string;
  status: string;
  restarts: number;
  threadId: number | null;
  children: Node[];
}
const find = (node: Node, path: string): Node | undefined => (node.path === path ? node : node.children.map((c) => find(c, path)).find(Boolean));
/** Checks that are not about the CLI itself go over a plain client: one process spawn fewer each. */
async function ask<T>(cmd: 'tree' | 'status'): Promise<T> {
  const client = await AdminClient.connect(bot4.socket);
  try {
    return (await client.request(cmd, {})) as T;
  } finally {
    client.close();
  }
}
const tree = (): Promise<Node> => ask<Node>('tree');

describe('bot4 ctl against a running bot4 start', () => {
  it('status: the trading state and why, and what this tree cannot report', async () => {
    const text = await ctl('status');
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    // The warm standbys (one per actor kind, loading or ready) have their own lines, checked apart.
    const standbyLine = /^ {2}(kill-switch|misbehaving) +thread \d+ (loading|ready(, heap [\d.]+ MiB)?)$/;
    const lines = text.stdout.split('\n');
    expect(lines.filter((l) => standbyLine.test(l)).length).toBeLessThanOrEqual(2);
    expect(lines.filter((l) => !standbyLine.test(l) && !/^standbys {2}\d+$/.test(l))).toEqual([
      expect.stringMatching(new RegExp(`^trading   ACTIVE since ${ISO_TIME} — initial state$`)),
      'venues    not available',
      'positions not available',
      'orders    not available',
      'pnl       not available',
      '  (venues: no exchange actor in this tree)',
      '  (positions and PnL: no risk actor in this tree)',
      '  (open orders: no order-manager actor in this tree)',
      '',
    ]);

    const { code, reply } = await ctlJson('status');
    expect(code).toBe(0);
    expect(reply).toEqual({
      id: 1,
      ok: true,
      result: {
        trading: { state: 'ACTIVE', reason: 'initial state', since: expect.stringMatching(new RegExp(`^${ISO_TIME}$`)) },
        venues: null,
        positions: null,
        openOrders: null,
        pnl: null,
        safety: {
          gpio: expect.objectContaining({ mode: 'simulated', button: { line: 17, pressed: false }, leds: expect.objectContaining({ green: 1, red: 0 }) }),
          gate: { stored: 'ACTIVE', effective: 'ACTIVE', leaseUntil: expect.stringMatching(new RegExp(`^${ISO_TIME}$`)) },
        },
        standbys: expect.any(Array),
        unavailable: ['venues: no exchange actor in this tree', 'positions and PnL: no risk actor in this tree', 'open orders: no order-manager actor in this tree'],
        risk: null,
        recentFills: null,
        killSwitchHistory: expect.any(Array),
      },
    });
    const standbys = (reply as { result: { standbys: Array<{ kind: string; state: string }> } }).result.standbys;
    for (const standby of standbys) expect(standby).toMatchObject({ kind: expect.stringMatching(/^(kill-switch|misbehaving)$/), state: expect.stringMatching(/^(loading|ready)$/) });

    // without --socket: $BOT4_ADMIN__SOCKET_PATH names the socket
    const fromEnv = await runCli(['ctl', 'status'], cleanEnv({ BOT4_ADMIN__SOCKET_PATH: bot4.socket }));
    expect(fromEnv).toMatchObject({ code: 0, stderr: '' });
    expect(fromEnv.stdout).toMatch(/^trading {3}ACTIVE since/);
  });

  it('mode: moves between active, reducing and paused, and the gate follows', async () => {
    const paused = await ctl('mode', 'paused');
    expect(paused).toMatchObject({ code: 0, stderr: '' });
    expect(paused.stdout).toMatch(tradingLine('PAUSED', 'operator set mode paused (admin socket)'));
    expect(await ask('status')).toMatchObject({ trading: { state: 'PAUSED' }, safety: { gate: { stored: 'PAUSED', effective: 'PAUSED' } } });

    const reducing = await ctl('mode', 'reducing');
    expect(reducing.stdout).toMatch(tradingLine('REDUCING', 'operator set mode reducing (admin socket)'));

    const active = await ctlJson('mode', 'active');
    expect(active.code).toBe(0);
    expect(active.reply).toEqual({
      id: 1,
      ok: true,
      result: { state: 'ACTIVE', reason: 'operator set mode active (admin socket)', since: expect.stringMatching(new RegExp(`^${ISO_TIME}$`)) },
    });
  });

  it('kill: latches HALTED with the reason; mode is refused until reset; reset leaves only HALTED', async () => {
    const kill = await ctl('kill', 'fat', 'finger');
    expect(kill).toMatchObject({ code: 0, stderr: '' });
    expect(kill.stdout).toMatch(tradingLine('HALTED', 'fat finger'));
    expect(await ask('status')).toMatchObject({ trading: { state: 'HALTED', reason: 'fat finger' }, safety: { gate: { effective: 'HALTED' } } });

    const refused = await ctl('mode', 'active');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^bot4 ctl mode: \w+: .*HALTED is latched: reset it with a reason before setting mode "active"\n$/);
    const refusedJson = await ctlJson('mode', 'active');
    expect(refusedJson.code).toBe(1);
    expect(refusedJson.stderr).toBe('');
    expect(refusedJson.reply).toEqual({ id: 1, ok: false, error: { code: expect.any(String), message: expect.stringContaining('HALTED is latched') } });

    const reset = await ctl('reset', 'checked the book, all fine');
    expect(reset).toMatchObject({ code: 0, stderr: '' });
    expect(reset.stdout).toMatch(tradingLine('ACTIVE', 'checked the book, all fine'));

    const resetAgain = await ctl('reset', 'once more');
    expect(resetAgain.code).toBe(1);
    expect(resetAgain.stderr).toMatch(/^bot4 ctl reset: \w+: .*reset only leaves HALTED; the trading state is ACTIVE\n$/);
  });

  it('gpio press: the simulated button trips the kill switch', async () => {
    const press = await ctl('gpio', 'press');
    expect(press).toMatchObject({ code: 0, stderr: '' });
    expect(press.stdout).toMatch(tradingLine('HALTED', 'kill-switch button pressed (GPIO 17)'));
    const reset = await ctl('reset', 'button test over');
    expect(reset.stdout).toMatch(tradingLine('ACTIVE', 'button test over'));
  });

  it('restart: one actor restarts gracefully on a new thread, its sibling untouched; bad paths are named', async () => {
    const before = await tree();
    const restart = await ctl('restart', 'root/workers/a');
    expect(restart).toMatchObject({ code: 0, stderr: '', stdout: 'root/workers/a: running, restarts 1\n' });
    const after = await tree();
    expect(find(after, 'root/workers/a')!.threadId).not.toBe(find(before, 'root/workers/a')!.threadId);
    expect(find(after, 'root/workers/b')).toMatchObject({ status: 'running', restarts: 0, threadId: find(before, 'root/workers/b')!.threadId });
    expect(find(after, 'root/safety/kill-switch')).toMatchObject({ status: 'running', restarts: 0 });

    const missing = await ctl('restart', 'root/workers/zz');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe('bot4 ctl restart: not_found: no node at "root/workers/zz"; paths look like "root/<child>/…" (see the tree command)\n');

    const supervisor = await ctl('kill-actor', 'root/workers');
    expect(supervisor).toMatchObject({ code: 1, stderr: 'bot4 ctl kill-actor: bad_args: root/workers is a supervisor; actor.kill terminates one actor\n' });
  });

  it('events: streams the lifecycle of a killed actor as JSON lines until SIGINT', async () => {
    const events = startCli(['ctl', '--socket', bot4.socket, '--json', 'events', 'lifecycle.*', 'killswitch']);
    let stdout = '';
    events.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    const exited = new Promise<number | null>((resolve) => events.once('close', resolve));
    const lines = (): { event: string; ts: string; data: Record<string, unknown> }[] =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { event: string; ts: string; data: Record<string, unknown> });

    // Nothing is printed on subscribing: mode changes probe until the stream is live.
    const probe = await AdminClient.connect(bot4.socket);
    try {
      let mode: 'active' | 'paused' = 'active';
      for (let i = 0; !lines().some((l) => l.event === 'killswitch'); i++) {
        if (i > 300) throw new Error(`ctl events printed no killswitch event; output so far:\n${stdout}`);
        mode = mode === 'active' ? 'paused' : 'active';
        await probe.request('mode.set', { mode });
        await new Promise((r) => setTimeout(r, 100));
      }
      if (mode === 'paused') await probe.request('mode.set', { mode: 'active' });
    } finally {
      probe.close();
    }

    const kill = await ctl('kill-actor', 'root/workers/b');
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stdout).toMatch(/^root\/workers\/b: \w+, restarts 1, last error: killed \(abrupt terminate\)\n$/);
    const restarted = (l: { event: string; data: Record<string, unknown> }) => l.event === 'lifecycle.child-started' && l.data.path === 'root/workers/b';
    for (let i = 0; !lines().some(restarted); i++) {
      if (i > 300) throw new Error(`no child-started event for root/workers/b; output so far:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    events.kill('SIGINT');
    expect(await exited).toBe(0);

    const all = lines();
    for (const line of all) {
      expect(line.event).toMatch(/^(lifecycle\.|killswitch$)/);
      expect(line.ts).toMatch(new RegExp(`^${ISO_TIME}$`));
    }
    // standby-used comes between exit and start when the kind's warm standby was ready (not asserted: a slow machine may still be loading it)
    const aboutB = all.filter((l) => l.data.path === 'root/workers/b' && l.event.startsWith('lifecycle.') && !l.event.startsWith('lifecycle.standby-'));
    expect(aboutB.map((l) => l.event)).toEqual(['lifecycle.kill-requested', 'lifecycle.child-exited', 'lifecycle.child-started']);
    expect(aboutB[1]!.data).toMatchObject({ supervisor: 'root/workers', requested: false });
    expect(aboutB[2]!.data).toMatchObject({ supervisor: 'root/workers', restarts: 1, nodeKind: 'actor' });
    expect(all.some((l) => l.event === 'lifecycle.restarting' && (l.data.children as string[]).includes('root/workers/b'))).toBe(true);

    // the same events are pino lines in the process log, each carrying the actor's path and the reason
    const killedLine = () =>
      bot4.logLines().find((l) => l.msg === 'supervision child-exited' && (l.supervision as { path?: string }).path === 'root/workers/b');
    for (let i = 0; !killedLine(); i++) {
      if (i > 100) throw new Error('no "supervision child-exited" log line for root/workers/b');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(killedLine()).toMatchObject({ level: 40, path: 'supervisor', supervision: { type: 'child-exited', supervisor: 'root/workers', reason: { kind: 'killed', requested: false } } });
  });

  it('shutdown: the process stops gracefully and exits 0; then ctl says nobody is listening', async () => {
    const shutdown = await ctl('shutdown', 'ctl test over');
    expect(shutdown).toMatchObject({ code: 0, stderr: '', stdout: 'shutdown accepted; the runtime is stopping\n' });
    const { code } = await bot4.exited;
    expect(code, bot4.stderr()).toBe(0);
    expect(bot4.logLines().find((l) => l.msg === 'shutdown started')).toMatchObject({ reason: 'admin: ctl test over' });

    const after = await ctl('status');
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(new RegExp(`^bot4 ctl: no bot4 runtime is listening on ${bot4.socket.replace(/[.]/g, '\\.')} \\(.+\\)\n$`));
  }, 60_000);
});
