import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { scratch, startTree, type Harness } from './harness.js';

const files = scratch();
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});
afterAll(() => files.cleanup());

describe('restart intensity and escalation with real workers', () => {
  it('the (intensity+1)-th restart within the period stops the children in reverse and escalates; the parent restarts the subtree', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        { name: 'bystander', actor: 'flaky', shutdown_ms: 500 },
        {
          name: 'inner',
          strategy: 'one_for_one',
          intensity: 2,
          period_ms: 60_000,
          children: [
            { name: 'steady', actor: 'flaky', shutdown_ms: 500 },
            // crashes on its first three starts: the third crash is the third restart in the window -> give up
            { name: 'looper', actor: 'flaky', shutdown_ms: 500, config: { counterFile: files.file('looper'), crashFirst: 3, crashAfterMs: 30 } },
          ],
        },
      ],
    });
    const bystander = harness.threadIdOf('root/bystander');
    const gaveUp = await harness.waitFor('supervisor-gave-up', (e) => e.supervisor === 'root/inner');
    expect(gaveUp).toMatchObject({ intensity: 2, restartsInPeriod: 3 });
    expect(gaveUp.cause).toContain('root/inner/looper');
    const escalated = await harness.waitFor('escalated', (e) => e.supervisor === 'root/inner');
    expect(escalated.to).toBe('root');
    // children of the giving-up supervisor were stopped (the looper had already exited)
    const steadyStop = harness.events.findIndex((e) => e.type === 'child-exited' && e.path === 'root/inner/steady' && e.requested);
    expect(steadyStop).toBeGreaterThan(harness.events.indexOf(gaveUp));
    // the parent treats the subtree as a failed child and restarts it (fresh window: start 4 is stable)
    const restart = await harness.waitFor('restarting', (e) => e.supervisor === 'root');
    expect(restart.cause).toBe('root/inner');
    await harness.waitFor('child-started', (e) => e.path === 'root/inner' && e.restarts === 1);
    expect(harness.tree.node('root/inner')!.status).toBe('running');
    expect(harness.threadIdOf('root/bystander')).toBe(bystander);
    expect(harness.tree.node('root/bystander')!.restarts).toBe(0);
  });

  it('a root that gives up ends the tree: terminated resolves with the escalation', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_one',
      intensity: 1,
      period_ms: 60_000,
      children: [{ name: 'a', actor: 'flaky', shutdown_ms: 500, config: { crashFirst: 1_000, crashAfterMs: 30, crashHow: 'exit' } }],
    });
    const reason = await harness.tree.terminated;
    expect(reason).toMatchObject({ kind: 'escalated', supervisor: 'root' });
    expect(harness.tree.snapshot().status).toBe('failed');
    expect(harness.eventsOf('escalated')).toEqual([expect.objectContaining({ supervisor: 'root', to: undefined })]);
  });

  it('a child that fails to start counts as a restart: a start loop escalates', async () => {
    harness = await startTree({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        {
          name: 'inner',
          strategy: 'one_for_one',
          intensity: 2,
          period_ms: 60_000,
          // four refusals: three inside the first instance of inner (give up), one in the next
          children: [{ name: 'refuser', actor: 'flaky', config: { counterFile: files.file('refuser'), failInitFirst: 4 } }],
        },
      ],
    });
    // root was up as soon as inner ran; inner needed one escalation and a second instance
    const failures = harness.eventsOf('child-start-failed').filter((e) => e.path === 'root/inner/refuser');
    expect(failures).toHaveLength(4);
    expect(failures[0]!.reason).toMatchObject({ kind: 'start-failed', error: { message: 'flaky init refused on start 1' } });
    expect(harness.eventsOf('supervisor-gave-up').map((e) => e.supervisor)).toEqual(['root/inner']);
    expect(harness.eventsOf('child-start-failed').filter((e) => e.path === 'root/inner')).toHaveLength(1);
    expect(harness.tree.node('root/inner/refuser')!.status).toBe('running');
  });
});
