import { describe, expect, it } from 'vitest';
import { parseTreeSpec, TreeSpecError, type TreeNodeSpec, type TreeSpecProblem } from '../../src/runtime/supervision/tree-spec.js';

function childrenOf(node: TreeNodeSpec | undefined): readonly TreeNodeSpec[] {
  if (node?.type !== 'supervisor') throw new Error(`expected a supervisor, got ${node?.type}`);
  return node.children;
}

function problems(raw: unknown): TreeSpecProblem[] {
  try {
    parseTreeSpec(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(TreeSpecError);
    return [...(error as TreeSpecError).problems];
  }
  throw new Error('expected the tree to be rejected');
}

const defaultTree = {
  name: 'root',
  strategy: 'one_for_one',
  children: [
    { name: 'safety', strategy: 'one_for_all', children: [{ name: 'kill-switch', actor: 'kill-switch', sends: ['order-manager'] }, { name: 'risk', actor: 'risk', sends: ['kill-switch'] }] },
    { name: 'execution', strategy: 'rest_for_one', children: [{ name: 'order-manager', actor: 'order-manager' }, { name: 'recorder', actor: 'recorder' }] },
    {
      name: 'venues',
      strategy: 'one_for_one',
      children: [{ name: 'binance', strategy: 'one_for_one', isolated: true, reset_timeout_ms: 1000, children: [{ name: 'exchange-binance', actor: 'exchange', config: { venue: 'binance' } }] }],
    },
    { name: 'strategies', strategy: 'one_for_one', isolated: true, backoff: { min_ms: 10, max_ms: 100 }, children: [{ name: 'mm', actor: 'strategy', restart: 'transient', depends_on: ['binance'] }] },
  ],
};

describe('parseTreeSpec', () => {
  it('normalises a valid tree: defaults, camelCase, paths, depends_on resolved to paths', () => {
    const root = parseTreeSpec(defaultTree);
    expect(root).toMatchObject({ type: 'supervisor', path: 'root', intensity: 3, periodMs: 5000, isolated: false });
    const killSwitch = childrenOf(root.children[0])[0];
    expect(killSwitch).toEqual({
      type: 'actor', name: 'kill-switch', path: 'root/safety/kill-switch', kind: 'kill-switch', restart: 'permanent',
      shutdownMs: 5000, startTimeoutMs: 10000, heartbeatTimeoutMs: 5000, wait: 'spin-then-park', sends: ['order-manager'],
      ringBytes: 65536, fullPolicy: 'block', edgeOverrides: {}, remoteSends: [], remoteReceives: [], dependsOn: [], standby: true, config: {},
    });
    const strategies = root.children[3]!;
    expect(strategies).toMatchObject({ isolated: true, backoff: { minMs: 10, maxMs: 100, randomFactor: 0.2, resetAfterMs: 5000 } });
    expect(childrenOf(strategies)[0]).toMatchObject({ path: 'root/strategies/mm', dependsOn: ['root/venues/binance'], restart: 'transient' });
  });

  it('names every shape problem with its path, the expectation and what it got', () => {
    const found = problems({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        { name: 'a', actor: 'x' },
        { name: 'sub', strategy: 'one_for_everyone', intensity: -1, children: [{ name: 'b', actor: 'x', restart: 'sometimes', shutdown_ms: 0, restrat: 1 }] },
        { name: 'Bad Name', actor: 'x', ring_bytes: 1000 },
        { name: 'neither' },
        42,
      ],
    });
    expect(found).toEqual([
      { path: 'tree.children[1].strategy', message: 'expected "one_for_one" | "one_for_all" | "rest_for_one", got "one_for_everyone"' },
      { path: 'tree.children[1].intensity', message: 'expected >= 0, got -1' },
      { path: 'tree.children[1].children[0].restart', message: 'expected "permanent" | "transient" | "temporary", got "sometimes"' },
      { path: 'tree.children[1].children[0].shutdown_ms', message: 'expected > 0, got 0' },
      { path: 'tree.children[1].children[0].restrat', message: 'unknown field' },
      { path: 'tree.children[2].name', message: 'expected a name of lowercase letters, digits, "-" or "_" (it becomes a path segment), got "Bad Name"' },
      { path: 'tree.children[2].ring_bytes', message: 'expected a power of two, got 1000' },
      { path: 'tree.children[3]', message: 'a node needs either `actor` (an actor node) or `children` (a supervisor node)' },
      { path: 'tree.children[4]', message: 'expected a node (an object with `actor` or `children`), got 42' },
    ]);
  });

  it('reports a missing field and a wrong type', () => {
    expect(problems({ strategy: 'one_for_one', children: [{ name: 'a', actor: 'x', wait: 3 }] })).toEqual([
      { path: 'tree.name', message: 'missing (expected string)' },
      { path: 'tree.children[0].wait', message: 'expected "busy-spin" | "spin-then-park" | "park", got 3' },
    ]);
  });

  it('checks the tree as a whole: unique names, sends and depends_on targets, empty supervisors, backoff bounds', () => {
    const found = problems({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        { name: 'risk', actor: 'risk', sends: ['kill-swich', 'risk', 'group', 'other', 'other'] },
        { name: 'group', strategy: 'one_for_all', backoff: { min_ms: 500, max_ms: 100 }, children: [{ name: 'risk', actor: 'x' }] },
        { name: 'empty', strategy: 'one_for_one', children: [] },
        { name: 'other', actor: 'x', depends_on: ['group', 'nowhere'] },
        { name: 'kill-switch', actor: 'x' },
      ],
    });
    expect(found).toEqual([
      { path: 'tree.children[1].backoff', message: 'min_ms (500) must not exceed max_ms (100)' },
      { path: 'tree.children[1].children[0].name', message: 'duplicate name "risk" (also used at tree.children[0]); names must be unique in the whole tree' },
      { path: 'tree.children[2].children', message: 'a supervisor needs at least one child' },
      { path: 'tree.children[0].sends[0]', message: 'unknown actor "kill-swich" (did you mean "kill-switch"?)' },
      { path: 'tree.children[0].sends[1]', message: 'an actor cannot send to itself ("risk")' },
      { path: 'tree.children[0].sends[2]', message: '"group" is a supervisor; sends must name actors' },
      { path: 'tree.children[0].sends[4]', message: '"other" is listed twice; one ring per edge' },
      { path: 'tree.children[3].depends_on[0]', message: '"group" is not an isolated supervisor; only isolated subtrees have a breaker to depend on' },
      { path: 'tree.children[3].depends_on[1]', message: 'unknown subtree "nowhere"' },
    ]);
  });

  it('takes a ring size or full policy per edge: market data may be dropped, reports and commands not', () => {
    const root = parseTreeSpec({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        { name: 'exchange', actor: 'x', full_policy: 'drop-newest', sends: [{ to: 'order-manager', full_policy: 'block', ring_bytes: 1024 }, 'strategy'] },
        { name: 'order-manager', actor: 'x' },
        { name: 'strategy', actor: 'x' },
      ],
    });
    expect(root.children[0]).toMatchObject({
      sends: ['order-manager', 'strategy'],
      fullPolicy: 'drop-newest',
      ringBytes: 65536,
      edgeOverrides: { 'order-manager': { fullPolicy: 'block', ringBytes: 1024 } },
    });
  });

  it('names a bad edge entry and a duplicate or unknown target written as an object', () => {
    const found = problems({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        { name: 'a', actor: 'x', sends: [{ to: 'b', full_policy: 'drop-oldest' }, { to: 'b', ring_bytes: 1000 }, { peer: 'b' }, 7] },
        { name: 'b', actor: 'x' },
      ],
    });
    expect(found).toEqual([
      { path: 'tree.children[0].sends[0].full_policy', message: 'expected "block" | "drop-newest" | "fail", got "drop-oldest"' },
      { path: 'tree.children[0].sends[1].ring_bytes', message: 'expected a power of two, got 1000' },
      { path: 'tree.children[0].sends[2].to', message: 'missing (expected string)' },
      { path: 'tree.children[0].sends[2].peer', message: 'unknown field' },
      { path: 'tree.children[0].sends[3]', message: 'expected an actor name or {to, node?, ring_bytes?, full_policy?}, got 7' },
    ]);
    const targets = problems({
      name: 'root',
      strategy: 'one_for_one',
      children: [{ name: 'a', actor: 'x', sends: [{ to: 'c' }, 'b', { to: 'b', full_policy: 'fail' }] }, { name: 'b', actor: 'x' }],
    });
    expect(targets).toEqual([
      { path: 'tree.children[0].sends[0]', message: 'unknown actor "c" (did you mean "a" or "b"?)' },
      { path: 'tree.children[0].sends[2]', message: '"b" is listed twice; one ring per edge' },
    ]);
  });

  it('requires a supervisor at the root and says so', () => {
    expect(problems({ name: 'solo', actor: 'x' })).toEqual([{ path: 'tree', message: 'the root of the tree must be a supervisor (a node with `strategy` and `children`)' }]);
    expect(problems(undefined)).toEqual([{ path: 'tree', message: 'expected a node (an object with `actor` or `children`), got nothing' }]);
  });

  it('puts every problem in the error message', () => {
    expect(() => parseTreeSpec({ name: 'root', strategy: 'x', children: [{ name: 'a', actor: 'y', restart: 'no' }] })).toThrow(
      /2 problems[\s\S]*tree\.strategy[\s\S]*tree\.children\[0\]\.restart/,
    );
  });
});
