import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { scratch, startTree, type Harness } from './harness.js';

const files = scratch();
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});
afterAll(() => files.cleanup());

describe('backoff between restarts (real workers)', () => {
  it('delays grow min*2^n up to max, and a replacement starts only after the old worker exited and the delay passed', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_one',
      intensity: 10,
      period_ms: 60_000,
      backoff: { min_ms: 40, max_ms: 120, random_factor: 0, reset_after_ms: 60_000 },
      children: [{ name: 'a', actor: 'flaky', config: { counterFile: files.file('a'), crashFirst: 4, crashAfterMs: 20 } }],
    });
    await harness.waitFor('child-started', (e) => e.path === 'root/a' && e.restarts === 4);
    expect(harness.eventsOf('restarting').map((e) => e.delayMs)).toEqual([40, 80, 120, 120]);
    const exits = harness.eventsOf('child-exited').filter((e) => e.path === 'root/a');
    const starts = harness.eventsOf('child-started').filter((e) => e.path === 'root/a');
    const delays = harness.eventsOf('restarting');
    for (let i = 0; i < 4; i++) {
      expect(harness.events.indexOf(exits[i]!)).toBeLessThan(harness.events.indexOf(starts[i + 1]!));
      // the start event comes after init, which itself began after the delay
      expect(starts[i + 1]!.at - exits[i]!.at).toBeGreaterThanOrEqual(delays[i]!.delayMs);
    }
  });

  it('the exponent resets after the children ran reset_after_ms without a failure; jitter stays within the factor', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_one',
      intensity: 10,
      period_ms: 60_000,
      backoff: { min_ms: 20, max_ms: 1000, random_factor: 0.5, reset_after_ms: 1500 },
      children: [{ name: 'a', actor: 'flaky', shutdown_ms: 500, config: { counterFile: files.file('b'), crashFirst: 2, crashAfterMs: 10 } }],
    });
    await harness.waitFor('child-started', (e) => e.path === 'root/a' && e.restarts === 2);
    const [first, second] = harness.eventsOf('restarting').map((e) => e.delayMs);
    expect(first).toBeGreaterThanOrEqual(20);
    expect(first).toBeLessThanOrEqual(30);
    expect(second).toBeGreaterThanOrEqual(40);
    expect(second).toBeLessThanOrEqual(60);
    // stable now; after reset_after_ms an operator kill is the next failure: back to the short delay
    await harness.tree.whenNode('root/a', (n) => (n.uptimeMs ?? 0) >= 1600, 'uptime of 1600 ms');
    await harness.tree.killActor('root/a');
    const third = await harness.waitFor('restarting', (e) => e.cause === 'root/a', harness.events.length - 1);
    expect(third.delayMs).toBeGreaterThanOrEqual(20);
    expect(third.delayMs).toBeLessThanOrEqual(30);
  });
});

describe('stopping (real workers)', () => {
  it('a graceful stop that does not finish is terminated after shutdown_ms, and is not taken for a crash', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        { name: 'quick', actor: 'flaky', shutdown_ms: 500 },
        { name: 'stubborn', actor: 'flaky', shutdown_ms: 200, config: { stopHangs: true } },
      ],
    });
    const h = harness;
    harness = undefined;
    const report = await h.tree.stop(10_000);
    expect(report).toMatchObject({ complete: true, notStopped: [] });
    const stubborn = h.eventsOf('child-exited').find((e) => e.path === 'root/stubborn')!;
    expect(stubborn).toMatchObject({ requested: true, reason: { kind: 'killed', requested: true } });
    expect(h.eventsOf('restarting')).toHaveLength(0);
  });

  it('stop(deadline) reports what had not stopped in time and what it was waiting for', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        { name: 'first', actor: 'flaky', shutdown_ms: 500 },
        { name: 'slow', actor: 'flaky', shutdown_ms: 1500, config: { stopHangs: true } },
      ],
    });
    const h = harness;
    harness = undefined;
    const report = await h.tree.stop(300);
    expect(report.complete).toBe(false);
    expect(report.notStopped).toEqual([
      expect.objectContaining({ path: 'root/first', waitingFor: 'its turn (children after it stop first)' }),
      expect.objectContaining({ path: 'root/slow', waitingFor: 'graceful stop (shutdown_ms 1500)' }),
    ]);
    await h.tree.terminated;
    expect(h.tree.snapshot().status).toBe('stopped');
  });
});

describe('operator commands (real workers)', () => {
  it('actor.kill is a crash: a transient child is restarted under the normal policy', async () => {
    harness = await startTree({ name: 'root', strategy: 'one_for_one', children: [{ name: 'a', actor: 'flaky', restart: 'transient' }] });
    const before = harness.threadIdOf('root/a');
    const reason = await harness.tree.killActor('root/a');
    expect(reason).toEqual({ kind: 'killed', requested: false });
    await harness.waitFor('child-started', (e) => e.path === 'root/a' && e.restarts === 1);
    expect(harness.threadIdOf('root/a')).not.toBe(before);
    expect(harness.eventsOf('restarting')[0]).toMatchObject({ requested: false, restartsInPeriod: 1 });
  });

  it('actor.restart restarts only that actor, gracefully, without counting toward intensity', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_all',
      intensity: 0,
      children: [{ name: 'a', actor: 'flaky', shutdown_ms: 500 }, { name: 'b', actor: 'flaky', shutdown_ms: 500 }],
    });
    const a = harness.threadIdOf('root/a');
    const b = harness.threadIdOf('root/b');
    await harness.tree.restartActor('root/b');
    await harness.tree.restartActor('root/b');
    expect(harness.threadIdOf('root/a')).toBe(a);
    expect(harness.threadIdOf('root/b')).not.toBe(b);
    expect(harness.tree.node('root/b')!.restarts).toBe(2);
    expect(harness.eventsOf('child-exited').filter((e) => e.path === 'root/b').every((e) => e.requested)).toBe(true);
    expect(harness.eventsOf('supervisor-gave-up')).toHaveLength(0);
    expect(harness.eventsOf('restarting').every((e) => e.requested)).toBe(true);
  });

  it('commands on unknown paths fail with an error naming the path', async () => {
    harness = await startTree({ name: 'root', strategy: 'one_for_one', children: [{ name: 'a', actor: 'flaky' }] });
    await expect(harness.tree.restartActor('root/nope')).rejects.toThrow('no running node at root/nope');
    await expect(harness.tree.killActor('root')).rejects.toThrow('no running node at root');
  });

  it('snapshot shows the tree with statuses, threads, uptime and the handle stats', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_one',
      children: [{ name: 'safety', strategy: 'one_for_all', children: [{ name: 'kill-switch', actor: 'flaky', sends: ['risk'] }, { name: 'risk', actor: 'flaky' }] }],
    });
    const snap = harness.tree.snapshot();
    expect(snap).toMatchObject({ name: 'root', path: 'root', kind: 'supervisor', status: 'running', strategy: 'one_for_one', restarts: 0 });
    const safety = snap.children![0]!;
    expect(safety).toMatchObject({ path: 'root/safety', kind: 'supervisor', strategy: 'one_for_all', status: 'running' });
    const risk = safety.children![1]!;
    expect(risk).toMatchObject({ name: 'risk', path: 'root/safety/risk', kind: 'actor', actor: 'flaky', status: 'running', restarts: 0 });
    expect(risk.threadId).toBe(harness.handles.get('root/safety/risk')!.threadId);
    expect(risk.uptimeMs).toBeGreaterThanOrEqual(0);
    expect(risk.stats).toMatchObject({ mailbox: [{ peer: 'kill-switch' }] });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });
});
