import { afterEach, describe, expect, it } from 'vitest';
import { startTree, type Harness } from './harness.js';

const actor = (name: string, config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  ({ name, actor: 'flaky', shutdown_ms: 500, heartbeat_timeout_ms: 2000, config, ...extra });

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

async function crash(h: Harness, path: string, how: 'throw' | 'exit' | 'hang'): Promise<void> {
  await h.handles.get(path)!.invoke('crash', { how }, 15_000);
}

describe('strategies with real workers (OTP semantics)', () => {
  it('one_for_one restarts only the child that crashed (by throw)', async () => {
    harness = await startTree({ name: 'root', strategy: 'one_for_one', children: [actor('a'), actor('b'), actor('c')] });
    const before = { a: harness.threadIdOf('root/a'), b: harness.threadIdOf('root/b'), c: harness.threadIdOf('root/c') };
    await crash(harness, 'root/b', 'throw');
    const restarted = await harness.waitFor('child-started', (e) => e.path === 'root/b' && e.restarts === 1);
    expect(restarted.threadId).not.toBe(before.b);
    const exit = harness.eventsOf('child-exited').find((e) => e.path === 'root/b')!;
    expect(exit.reason).toMatchObject({ kind: 'error', error: { message: 'flaky crash on start 1' } });
    expect(exit.requested).toBe(false);
    expect(harness.threadIdOf('root/a')).toBe(before.a);
    expect(harness.threadIdOf('root/c')).toBe(before.c);
    expect(harness.tree.node('root/a')!.restarts).toBe(0);
    expect(harness.tree.node('root/b')!.lastError).toContain('flaky crash on start 1');
  });

  it('one_for_all stops the others in reverse order and restarts all in order (after process.exit)', async () => {
    harness = await startTree({ name: 'root', strategy: 'one_for_all', children: [actor('a'), actor('b'), actor('c')] });
    const mark = harness.events.length;
    const oldThreads = ['a', 'b', 'c'].map((n) => harness!.threadIdOf(`root/${n}`));
    await crash(harness, 'root/b', 'exit');
    await harness.waitFor('child-started', (e) => e.path === 'root/c', mark);
    const sequence = harness.events.slice(mark)
      .filter((e) => e.type === 'child-exited' || e.type === 'child-started')
      .map((e) => `${e.type === 'child-started' ? 'start' : 'exit'} ${'path' in e ? e.path : ''}`);
    expect(sequence).toEqual(['exit root/b', 'exit root/c', 'exit root/a', 'start root/a', 'start root/b', 'start root/c']);
    expect(harness.eventsOf('child-exited').find((e) => e.path === 'root/b')!.reason).toEqual({ kind: 'exit-code', code: 3 });
    const bystander = harness.eventsOf('child-exited').find((e) => e.path === 'root/c')!;
    expect(bystander.requested).toBe(true);
    const newThreads = ['a', 'b', 'c'].map((n) => harness!.threadIdOf(`root/${n}`));
    newThreads.forEach((t, i) => expect(t).not.toBe(oldThreads[i]));
  });

  it('rest_for_one restarts the failed child and those after it, not those before', async () => {
    harness = await startTree({ name: 'root', strategy: 'rest_for_one', children: [actor('a'), actor('b'), actor('c')] });
    const mark = harness.events.length;
    const a = harness.threadIdOf('root/a');
    await crash(harness, 'root/b', 'throw');
    await harness.waitFor('child-started', (e) => e.path === 'root/c', mark);
    const sequence = harness.events.slice(mark)
      .filter((e) => e.type === 'child-exited' || e.type === 'child-started')
      .map((e) => `${e.type === 'child-started' ? 'start' : 'exit'} ${'path' in e ? e.path : ''}`);
    expect(sequence).toEqual(['exit root/b', 'exit root/c', 'start root/b', 'start root/c']);
    expect(harness.threadIdOf('root/a')).toBe(a);
    const restarting = harness.eventsOf('restarting')[0]!;
    expect(restarting).toMatchObject({ supervisor: 'root', cause: 'root/b', children: ['root/b', 'root/c'], requested: false });
  });

  it('a hung actor (endless loop) is detected by its heartbeat and restarted', async () => {
    harness = await startTree({ name: 'root', strategy: 'one_for_one', children: [actor('a', {}, { heartbeat_timeout_ms: 300 }), actor('b')] });
    const b = harness.threadIdOf('root/b');
    await crash(harness, 'root/a', 'hang');
    await harness.waitFor('child-started', (e) => e.path === 'root/a' && e.restarts === 1);
    expect(harness.eventsOf('child-exited').find((e) => e.path === 'root/a')!.reason.kind).toBe('hung');
    expect(harness.threadIdOf('root/b')).toBe(b);
  });

  it('starts children in order and stops them in reverse order', async () => {
    harness = await startTree({ name: 'root', strategy: 'one_for_one', children: [actor('a'), { name: 'sub', strategy: 'one_for_one', children: [actor('b'), actor('c')] }, actor('d')] });
    expect(harness.eventsOf('child-started').map((e) => e.path)).toEqual(['root/a', 'root/sub/b', 'root/sub/c', 'root/sub', 'root/d']);
    const h = harness;
    harness = undefined;
    const mark = h.events.length;
    await h.stop();
    expect(h.events.slice(mark).filter((e) => e.type === 'child-exited').map((e) => 'path' in e && e.path))
      .toEqual(['root/d', 'root/sub/c', 'root/sub/b', 'root/sub', 'root/a']);
    expect(h.events.slice(mark).every((e) => e.type !== 'child-exited' || e.requested)).toBe(true);
    expect(h.tree.snapshot().status).toBe('stopped');
  });
});

