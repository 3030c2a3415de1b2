import { describe, expect, it } from 'vitest';
import { describeWaits } from '../../src/cli/start.js';
import { fixtureActor, startBot4, type Bot4Process } from './running-bot4.js';

/**
 * `bot4 start` when its shutdown cannot finish: an actor whose graceful stop never
 * returns (flaky with stopHangs) and a shutdown_ms far beyond the runtime's deadline, so
 * only the process's own rules decide when and how it ends.
 */
const configWithStuckActor = (shutdownDeadlineMs: number) => (dir: string) => `
runtime:
  shutdown_deadline_ms: ${shutdownDeadlineMs}
  actor_modules:
    flaky: ${fixtureActor('flaky')}
admin:
  socket_path: ${dir}/run/bot4.sock
logging:
  dir: ${dir}/logs
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
          config: { state_file: ${dir}/kill-switch.json, dead_man_timeout_ms: 0 }
    - name: workers
      strategy: one_for_one
      children:
        - { name: stuck, actor: flaky, shutdown_ms: 600000, config: { stopHangs: true } }
        - { name: fine, actor: flaky }
`;

/** Runs `body` on a fresh bot4 and always disposes of it (the tests run concurrently, each with its own process). */
async function withBot4(shutdownDeadlineMs: number, body: (bot4: Bot4Process) => Promise<void>): Promise<void> {
  const bot4 = await startBot4(configWithStuckActor(shutdownDeadlineMs));
  try {
    await body(bot4);
  } finally {
    await bot4.dispose();
  }
}

describe.concurrent('bot4 start when its shutdown cannot finish', () => {
  it('a shutdown past runtime.shutdown_deadline_ms exits 1 naming on stderr what it still waits for, and only that', () =>
    withBot4(5000, async (bot4) => {
      bot4.child.kill('SIGTERM');
      const { code } = await bot4.exited;
      const stderr = bot4.stderr();
      expect(code, stderr).toBe(1);
      expect(stderr).toContain('bot4: SIGTERM received, shutting down');
      const [deadlineLine] = stderr.split('\n').filter((line) => line.includes('deadline'));
      expect(deadlineLine).toBe(
        'bot4: shutdown deadline (5000 ms) passed; still waiting for: ' +
          // workers stop before safety (reverse order): the stuck actor holds up the kill switch
          'root/safety/kill-switch (its turn (children after it stop first)), root/workers/stuck (graceful stop (shutdown_ms 600000))',
      );
      expect(deadlineLine).not.toContain('root/workers/fine');

      const logged = bot4.logLines();
      expect(logged.find((l) => String(l.msg).startsWith('shutdown deadline (5000 ms) passed'))).toMatchObject({ level: 50 });
      expect(logged.find((l) => l.msg === 'shutdown complete')).toMatchObject({ complete: false });
    }), 60_000);

  it('a second signal forces an immediate exit with 128 + its number while the shutdown is stuck', () =>
    withBot4(600_000, async (bot4) => {
      bot4.child.kill('SIGTERM');
      await bot4.waitForStderr('SIGTERM received');
      bot4.child.kill('SIGINT');
      const { code } = await bot4.exited; // the shutdown alone would take ten minutes (test timeout: 60 s)
      const stderr = bot4.stderr();
      expect(code, stderr).toBe(130);
      expect(stderr).toBe(
        'bot4: SIGTERM received, shutting down (send it again to force an immediate exit)\n' +
          'bot4: second signal (SIGINT), exiting now without waiting for the shutdown\n',
      );
      const logged = bot4.logLines();
      expect(logged.find((l) => l.msg === 'forced exit')).toMatchObject({ level: 40, signal: 'SIGINT' });
      expect(logged.some((l) => l.msg === 'shutdown complete')).toBe(false);
    }), 60_000);

  it('a second SIGTERM exits 143', () =>
    withBot4(600_000, async (bot4) => {
      bot4.child.kill('SIGTERM');
      await bot4.waitForStderr('SIGTERM received');
      bot4.child.kill('SIGTERM');
      const { code } = await bot4.exited;
      expect(code, bot4.stderr()).toBe(143);
      expect(bot4.stderr()).toContain('bot4: second signal (SIGTERM), exiting now without waiting for the shutdown\n');
    }), 60_000);
});

describe('describeWaits', () => {
  it('keeps the deepest stops only: a supervisor waiting for its children adds nothing', () => {
    const waits = [
      { path: 'root/safety', waitingFor: 'its turn (children after it stop first)', sinceMs: 0 },
      { path: 'root/safety/kill-switch', waitingFor: 'its turn (children after it stop first)', sinceMs: 0 },
      { path: 'root/workers', waitingFor: 'its children to stop', sinceMs: 1499 },
      { path: 'root/workers/stuck', waitingFor: 'graceful stop (shutdown_ms 60000)', sinceMs: 1485 },
      { path: 'root/other', waitingFor: 'its start to finish', sinceMs: 10 },
    ];
    expect(describeWaits(waits)).toBe(
      'root/safety/kill-switch (its turn (children after it stop first)), root/workers/stuck (graceful stop (shutdown_ms 60000)), root/other (its start to finish)',
    );
    expect(describeWaits([])).toBe('');
  });
});
