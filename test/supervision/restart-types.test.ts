import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { scratch, startTree, type Harness } from './harness.js';

const files = scratch();
const actor = (name: string, restart: string, config: Record<string, unknown> = {}) =>
  ({ name, actor: 'flaky', restart, shutdown_ms: 500, config });

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});
afterAll(() => files.cleanup());

describe('restart types with real workers', () => {
  it('transient: an exit with code 0 stays down, a crash is restarted; permanent: restarted after exit 0 too', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        actor('clean-exit', 'transient', { counterFile: files.file('t1'), crashFirst: 1, crashHow: 'exit', exitCode: 0 }),
        actor('crasher', 'transient', { counterFile: files.file('t2'), crashFirst: 1, crashHow: 'throw' }),
        actor('always-on', 'permanent', { counterFile: files.file('t3'), crashFirst: 1, crashHow: 'exit', exitCode: 0 }),
      ],
    });
    await harness.waitFor('child-started', (e) => e.path === 'root/crasher' && e.restarts === 1);
    await harness.waitFor('child-started', (e) => e.path === 'root/always-on' && e.restarts === 1);
    await harness.waitFor('child-exited', (e) => e.path === 'root/clean-exit');
    await harness.tree.whenStatus('root/clean-exit', 'stopped');
    expect(harness.eventsOf('child-started').filter((e) => e.path === 'root/clean-exit')).toHaveLength(1);
    expect(harness.eventsOf('restarting').map((e) => e.cause).sort()).toEqual(['root/always-on', 'root/crasher']);
  });

  it('temporary: never restarted, also not when killed as a bystander of one_for_all (a transient bystander is)', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_all',
      children: [
        actor('temp', 'temporary'),
        actor('trans', 'transient'),
        actor('perm', 'permanent', { counterFile: files.file('p'), crashFirst: 1, crashAfterMs: 100 }),
      ],
    });
    await harness.waitFor('child-started', (e) => e.path === 'root/perm' && e.restarts === 1);
    expect(harness.eventsOf('restarting')[0]!.children).toEqual(['root/temp', 'root/trans', 'root/perm']);
    expect(harness.eventsOf('child-started').filter((e) => e.path === 'root/temp')).toHaveLength(1);
    expect(harness.eventsOf('child-started').filter((e) => e.path === 'root/trans')).toHaveLength(2);
    expect(harness.tree.node('root/temp')!.status).toBe('stopped');
    expect(harness.tree.node('root/trans')!.status).toBe('running');
  });

  it('a temporary child that crashes is left down and its siblings are untouched', async () => {
    harness = await startTree({ name: 'root', strategy: 'one_for_all', children: [actor('temp', 'temporary', { crashFirst: 1, crashAfterMs: 50 }), actor('other', 'permanent')] });
    const other = harness.threadIdOf('root/other');
    await harness.waitFor('child-exited', (e) => e.path === 'root/temp');
    await harness.tree.whenStatus('root/temp', 'stopped');
    expect(harness.eventsOf('restarting')).toHaveLength(0);
    expect(harness.threadIdOf('root/other')).toBe(other);
  });
});
