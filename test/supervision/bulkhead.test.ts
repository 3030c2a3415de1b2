import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { scratch, startTree, type Harness } from './harness.js';

const files = scratch();
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});
afterAll(() => files.cleanup());

/** root is one_for_all on purpose: one escalation out of the bulkhead would restart everything. */
function treeWithVenue(venueConfig: Record<string, unknown>, resetTimeoutMs: number) {
  return {
    name: 'root',
    strategy: 'one_for_all',
    intensity: 0,
    children: [
      { name: 'risk', actor: 'flaky', shutdown_ms: 500 },
      {
        name: 'venue',
        strategy: 'one_for_one',
        isolated: true,
        intensity: 1,
        period_ms: 60_000,
        reset_timeout_ms: resetTimeoutMs,
        children: [{ name: 'exchange', actor: 'flaky', shutdown_ms: 500, config: venueConfig }],
      },
      { name: 'strategy', actor: 'flaky', shutdown_ms: 500, depends_on: ['venue'] },
    ],
  };
}

describe('isolated subtrees are bulkheads with a circuit breaker (real workers)', () => {
  it('a crash-looping child opens the breaker, never restarts actors outside, and opens it again after the half-open try', async () => {
    harness = await startTree(treeWithVenue({ crashFirst: 1_000_000, crashAfterMs: 30, crashHow: 'exit' }, 300));
    const outside = { risk: harness.threadIdOf('root/risk'), strategy: harness.threadIdOf('root/strategy') };
    const opened = await harness.waitFor('breaker-opened', (e) => e.supervisor === 'root/venue');
    expect(opened.dependants).toEqual(['root/strategy']);
    expect(opened.cause).toContain('root/venue/exchange');
    // on a loaded machine reset_timeout_ms may already have passed by now
    expect(['open', 'half-open']).toContain(harness.tree.node('root/venue')!.status);
    const halfOpen = await harness.waitFor('breaker-half-open', (e) => e.supervisor === 'root/venue');
    expect(halfOpen.dependants).toEqual(['root/strategy']);
    const reopenedAt = harness.events.indexOf(halfOpen);
    await harness.waitFor('breaker-opened', (e) => e.supervisor === 'root/venue', reopenedAt);
    expect(harness.eventsOf('escalated')).toHaveLength(0);
    expect(harness.eventsOf('restarting').filter((e) => e.supervisor === 'root')).toHaveLength(0);
    expect(harness.threadIdOf('root/risk')).toBe(outside.risk);
    expect(harness.threadIdOf('root/strategy')).toBe(outside.strategy);
    expect(harness.tree.node('root/risk')!.restarts).toBe(0);
    expect(harness.tree.node('root/strategy')!.restarts).toBe(0);
    expect(harness.tree.snapshot().status).toBe('running');
  });

  it('closes again when the half-open start succeeds', async () => {
    // two crashes exceed intensity 1; the third start (the half-open try) is stable
    harness = await startTree(treeWithVenue({ counterFile: files.file('venue'), crashFirst: 2, crashAfterMs: 30 }, 200));
    await harness.waitFor('breaker-opened', (e) => e.supervisor === 'root/venue');
    const closed = await harness.waitFor('breaker-closed', (e) => e.supervisor === 'root/venue');
    expect(closed.dependants).toEqual(['root/strategy']);
    expect(harness.tree.node('root/venue')!.status).toBe('running');
    expect(harness.tree.node('root/venue/exchange')!.status).toBe('running');
    const order = harness.events.map((e) => e.type).filter((t) => t.startsWith('breaker-'));
    expect(order).toEqual(['breaker-opened', 'breaker-half-open', 'breaker-closed']);
    // The dependant was told, in order, ending closed (it may have started after the breaker opened).
    const states = await noticesUntilClosed(harness, 'root/strategy');
    expect(states.at(-1)).toBe('closed');
    expect(['open', 'half-open', 'closed'].filter((s) => states.includes(s))).toEqual(states);
    expect(harness.dependencies.dependenciesOf('root/strategy')).toEqual({ 'root/venue': 'closed' });
    expect(harness.dependencies.dependenciesOf('root/risk')).toEqual({});
    expect(await harness.handles.get('root/risk')!.invoke('notices', {})).toEqual([]);
  });

  it('an isolated subtree whose start loops opens instead of failing the tree start; a failed half-open start re-opens', async () => {
    harness = await startTree(treeWithVenue({ failInitFirst: 1_000_000 }, 300));
    expect(['open', 'half-open']).toContain(harness.tree.node('root/venue')!.status);
    expect(harness.tree.node('root/strategy')!.status).toBe('running');
    expect(harness.eventsOf('child-start-failed').filter((e) => e.path === 'root/venue/exchange').length).toBeGreaterThanOrEqual(2);
    const halfOpen = await harness.waitFor('breaker-half-open', (e) => e.supervisor === 'root/venue');
    await harness.waitFor('breaker-opened', (e) => e.supervisor === 'root/venue', harness.events.indexOf(halfOpen));
    expect(harness.eventsOf('breaker-closed')).toHaveLength(0);
    expect(harness.eventsOf('escalated')).toHaveLength(0);
    // The dependant started while the breaker was already open: it was told at its start.
    const notices = (await harness.handles.get('root/strategy')!.invoke('notices', {}, 15_000)) as { subtree: string; state: string; cause?: string }[];
    expect(notices[0]).toMatchObject({ subtree: 'root/venue', state: 'open' });
    expect(notices[0]!.cause).toContain('root/venue/exchange');
  });
});

/** The breaker states the dependant at `path` has been told, once the last one is `closed`. */
async function noticesUntilClosed(h: Harness, path: string): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const states = ((await h.handles.get(path)!.invoke('notices', {}, 15_000)) as { state: string }[]).map((n) => n.state);
    if (states.at(-1) === 'closed' || Date.now() > deadline) return states;
    await new Promise((r) => setTimeout(r, 50));
  }
}
