import type { z } from 'zod';
import {
  ACTOR_BRANCH,
  SUPERVISOR_BRANCH,
  treeNodeSchema,
  type FullPolicy,
  type RawActorNode,
  type RawSupervisorNode,
  type RawTreeNode,
  type RestartType,
  type Strategy,
  type WaitStrategy,
} from './tree-spec-schema.js';

/**
 * The validated, normalised supervision tree: camelCase, defaults filled in, every node
 * knowing its `path` ("root/safety/kill-switch"), send edges resolved to objects.
 */
export type TreeNodeSpec = ActorNodeSpec | SupervisorNodeSpec;

export interface SupervisorNodeSpec {
  readonly type: 'supervisor';
  readonly name: string;
  readonly path: string;
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly periodMs: number;
  readonly isolated: boolean;
  readonly resetTimeoutMs: number;
  /** Absent: restarts happen immediately (OTP behaviour). */
  readonly backoff?: BackoffSpec;
  readonly children: readonly TreeNodeSpec[];
}

export interface BackoffSpec {
  readonly minMs: number;
  readonly maxMs: number;
  readonly randomFactor: number;
  /** A restarted child that runs this long without a failure resets the exponent. */
  readonly resetAfterMs: number;
}

export interface ActorNodeSpec {
  readonly type: 'actor';
  readonly name: string;
  readonly path: string;
  /** Actor kind: folder under actors/. */
  readonly kind: string;
  readonly restart: RestartType;
  readonly shutdownMs: number;
  readonly startTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly wait: WaitStrategy;
  /** Actors this one sends to: one SPSC ring per edge, of `ringBytes` with `fullPolicy` unless `edgeOverrides` says otherwise. */
  readonly sends: readonly string[];
  readonly ringBytes: number;
  readonly fullPolicy: FullPolicy;
  /** Per-peer ring size or full policy, from `sends` entries written as `{to, ring_bytes, full_policy}`. */
  readonly edgeOverrides: Readonly<Record<string, EdgeOverride>>;
  /** Peers on other cluster nodes (`sends` entries with `node:`), carried over NATS (src/cluster/). */
  readonly remoteSends: readonly RemoteEdge[];
  /** Actors on other cluster nodes that send to this one (`receives`). */
  readonly remoteReceives: readonly RemoteEdge[];
  /** Paths of the isolated subtrees whose breaker state this actor is told about. */
  readonly dependsOn: readonly string[];
  /** Restarts may be handed a preloaded standby worker of this kind (src/runtime/standby-pool.ts). */
  readonly standby: boolean;
  readonly config: Readonly<Record<string, unknown>>;
}

/** One end of a cross-node edge: an actor's name and the cluster node it runs on. */
export interface RemoteEdge {
  readonly actor: string;
  readonly node: string;
}

export interface EdgeOverride {
  readonly ringBytes?: number;
  readonly fullPolicy?: FullPolicy;
}

export interface TreeSpecProblem {
  /** Where in the config, e.g. `tree.children[1].restart`. */
  readonly path: string;
  readonly message: string;
}

export class TreeSpecError extends Error {
  override readonly name = 'TreeSpecError';
  constructor(readonly problems: readonly TreeSpecProblem[]) {
    super(`invalid supervision tree (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
      problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'));
  }
}

/**
 * Validates the `tree` block of the config. Throws a TreeSpecError listing every problem
 * with its location; shape problems are reported first, and the cross-node checks
 * (unique names, `sends` and `depends_on` targets) run once the shape is right, since
 * they need a well-formed tree to reason about.
 */
export function parseTreeSpec(raw: unknown, rootLabel = 'tree'): SupervisorNodeSpec {
  const parsed = treeNodeSchema.safeParse(raw);
  if (!parsed.success) {
    throw new TreeSpecError(parsed.error.issues.flatMap((issue) => explainIssue(issue, raw, [rootLabel])));
  }
  const rawRoot = parsed.data;
  if (!isRawSupervisor(rawRoot)) {
    throw new TreeSpecError([{ path: rootLabel, message: 'the root of the tree must be a supervisor (a node with `strategy` and `children`)' }]);
  }
  const root = normalise(rawRoot, undefined, pathsByName(rawRoot)) as SupervisorNodeSpec;
  const problems = checkSemantics(rawRoot, root, rootLabel);
  if (problems.length > 0) throw new TreeSpecError(problems);
  return root;
}

function isRawSupervisor(node: RawTreeNode): node is RawSupervisorNode {
  return 'children' in node;
}

/** First path of every name; duplicates are reported by checkSemantics. */
function pathsByName(root: RawSupervisorNode): ReadonlyMap<string, string> {
  const paths = new Map<string, string>();
  const walk = (node: RawTreeNode, parentPath: string | undefined): void => {
    const path = parentPath === undefined ? node.name : `${parentPath}/${node.name}`;
    if (!paths.has(node.name)) paths.set(node.name, path);
    if (isRawSupervisor(node)) node.children.forEach((child) => walk(child, path));
  };
  walk(root, undefined);
  return paths;
}

function normalise(node: RawTreeNode, parentPath: string | undefined, paths: ReadonlyMap<string, string>): TreeNodeSpec {
  const path = parentPath === undefined ? node.name : `${parentPath}/${node.name}`;
  if (isRawSupervisor(node)) {
    return {
      type: 'supervisor',
      name: node.name,
      path,
      strategy: node.strategy,
      intensity: node.intensity,
      periodMs: node.period_ms,
      isolated: node.isolated,
      resetTimeoutMs: node.reset_timeout_ms,
      ...(node.backoff && {
        backoff: {
          minMs: node.backoff.min_ms,
          maxMs: node.backoff.max_ms,
          randomFactor: node.backoff.random_factor,
          resetAfterMs: node.backoff.reset_after_ms ?? node.period_ms,
        },
      }),
      children: node.children.map((child) => normalise(child, path, paths)),
    };
  }
  return normaliseActor(node, path, paths);
}

function normaliseActor(node: RawActorNode, path: string, paths: ReadonlyMap<string, string>): ActorNodeSpec {
  return {
    type: 'actor',
    name: node.name,
    path,
    kind: node.actor,
    restart: node.restart,
    shutdownMs: node.shutdown_ms,
    startTimeoutMs: node.start_timeout_ms,
    heartbeatTimeoutMs: node.heartbeat_timeout_ms,
    wait: node.wait,
    sends: node.sends.filter((send) => typeof send === 'string' || send.node === undefined).map(sendTarget),
    ringBytes: node.ring_bytes,
    fullPolicy: node.full_policy,
    edgeOverrides: edgeOverrides(node.sends),
    remoteSends: node.sends.flatMap((send) => (typeof send !== 'string' && send.node !== undefined ? [{ actor: send.to, node: send.node }] : [])),
    remoteReceives: node.receives.map((r) => ({ actor: r.from, node: r.node })),
    dependsOn: node.depends_on.map((name) => paths.get(name) ?? name),
    standby: node.standby,
    config: node.config,
  };
}

type RawSend = RawActorNode['sends'][number];

const sendTarget = (send: RawSend): string => (typeof send === 'string' ? send : send.to);

function edgeOverrides(sends: readonly RawSend[]): Record<string, EdgeOverride> {
  const overrides: Record<string, EdgeOverride> = {};
  for (const send of sends) {
    if (typeof send === 'string') continue;
    overrides[send.to] = {
      ...(send.ring_bytes !== undefined && { ringBytes: send.ring_bytes }),
      ...(send.full_policy !== undefined && { fullPolicy: send.full_policy }),
    };
  }
  return overrides;
}

interface Located<N> {
  readonly node: N;
  readonly at: string;
}

function checkSemantics(rawRoot: RawSupervisorNode, root: SupervisorNodeSpec, rootLabel: string): TreeSpecProblem[] {
  const problems: TreeSpecProblem[] = [];
  const byName = new Map<string, Located<TreeNodeSpec>>();
  const all: Located<TreeNodeSpec>[] = [];

  const walk = (node: TreeNodeSpec, raw: RawTreeNode, at: string): void => {
    all.push({ node, at });
    const seen = byName.get(node.name);
    if (seen) problems.push({ path: `${at}.name`, message: `duplicate name "${node.name}" (also used at ${seen.at}); names must be unique in the whole tree` });
    else byName.set(node.name, { node, at });
    if (node.type === 'supervisor' && isRawSupervisor(raw)) {
      if (node.children.length === 0) problems.push({ path: `${at}.children`, message: 'a supervisor needs at least one child' });
      if (node.backoff && node.backoff.minMs > node.backoff.maxMs) {
        problems.push({ path: `${at}.backoff`, message: `min_ms (${node.backoff.minMs}) must not exceed max_ms (${node.backoff.maxMs})` });
      }
      node.children.forEach((child, i) => walk(child, raw.children[i]!, `${at}.children[${i}]`));
    }
  };
  walk(root, rawRoot, rootLabel);

  for (const { node, at } of all) {
    if (node.type !== 'actor') continue;
    const peers = new Set<string>();
    const rawActor = rawOf(rawRoot, at, rootLabel);
    const localSends = rawActor ? rawActor.sends.flatMap((send, i) => (typeof send === 'string' || send.node === undefined ? [i] : [])) : node.sends.map((_, i) => i);
    node.sends.forEach((peer, j) => {
      const where = `${at}.sends[${localSends[j] ?? j}]`;
      const target = byName.get(peer)?.node;
      if (peer === node.name) problems.push({ path: where, message: `an actor cannot send to itself ("${peer}")` });
      else if (!target) problems.push({ path: where, message: `unknown actor "${peer}"${suggest(peer, byName.keys())}` });
      else if (target.type !== 'actor') problems.push({ path: where, message: `"${peer}" is a supervisor; sends must name actors` });
      if (peers.has(peer)) problems.push({ path: where, message: `"${peer}" is listed twice; one ring per edge` });
      peers.add(peer);
    });
    // A remote peer is reached through an outbox named after it, so no local actor may share its name.
    node.remoteSends.forEach((remote) => {
      const i = rawActor?.sends.findIndex((send) => typeof send !== 'string' && send.to === remote.actor && send.node === remote.node) ?? -1;
      const where = `${at}.sends[${i}]`;
      if (byName.has(remote.actor)) problems.push({ path: where, message: `"${remote.actor}" on node ${remote.node}: an actor of this node has that name; names must be unique across the cluster` });
      if (peers.has(remote.actor)) problems.push({ path: where, message: `"${remote.actor}" is listed twice; one edge per peer` });
      peers.add(remote.actor);
    });
    const senders = new Set<string>();
    node.remoteReceives.forEach((remote, i) => {
      const where = `${at}.receives[${i}]`;
      if (byName.has(remote.actor)) problems.push({ path: where, message: `"${remote.actor}" on node ${remote.node}: an actor of this node has that name; names must be unique across the cluster` });
      if (senders.has(remote.actor)) problems.push({ path: where, message: `"${remote.actor}" is listed twice; one inbound ring per sender` });
      senders.add(remote.actor);
    });
    node.dependsOn.forEach((dependency, i) => {
      const where = `${at}.depends_on[${i}]`;
      const name = dependency.slice(dependency.lastIndexOf('/') + 1);
      const target = byName.get(name)?.node;
      if (!target) problems.push({ path: where, message: `unknown subtree "${name}"${suggest(name, byName.keys())}` });
      else if (target.type !== 'supervisor' || !target.isolated) {
        problems.push({ path: where, message: `"${name}" is not an isolated supervisor; only isolated subtrees have a breaker to depend on` });
      }
    });
  }
  return problems;
}

/** The raw actor node at a config path such as `tree.children[1].children[0]`. */
function rawOf(root: RawSupervisorNode, at: string, rootLabel: string): RawActorNode | undefined {
  let node: RawTreeNode | undefined = root;
  for (const match of at.slice(rootLabel.length).matchAll(/\.children\[(\d+)\]/g)) {
    node = node && isRawSupervisor(node) ? node.children[Number(match[1])] : undefined;
  }
  return node && !isRawSupervisor(node) ? node : undefined;
}

function suggest(name: string, known: Iterable<string>): string {
  const close = [...known].filter((k) => editDistance(k, name) <= 2);
  return close.length > 0 ? ` (did you mean ${close.map((k) => `"${k}"`).join(' or ')}?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

type Issue = z.core.$ZodIssue;

/** Turns one zod issue into problems with config paths and the offending value. */
function explainIssue(issue: Issue, rootValue: unknown, basePath: readonly (string | number)[]): TreeSpecProblem[] {
  const path = [...basePath, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
  const value = valueAt(rootValue, issue.path);
  const where = formatPath(path);
  switch (issue.code) {
    case 'invalid_union': {
      if (path[path.length - 2] === 'sends') {
        const sendBranch = typeof value === 'string' ? 0 : isPlainObject(value) ? 1 : undefined;
        if (sendBranch === undefined) return [{ path: where, message: `expected an actor name or {to, node?, ring_bytes?, full_policy?}, got ${show(value)}` }];
        return issue.errors[sendBranch]!.flatMap((inner) => explainIssue(inner, value, path));
      }
      const branch = chooseBranch(value);
      if (branch === undefined) {
        const message = isPlainObject(value)
          ? 'a node needs either `actor` (an actor node) or `children` (a supervisor node)'
          : `expected a node (an object with \`actor\` or \`children\`), got ${show(value)}`;
        return [{ path: where, message }];
      }
      return issue.errors[branch]!.flatMap((inner) => explainIssue(inner, value, path));
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: 'unknown field' }));
    case 'invalid_value':
      return [{ path: where, message: `expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${show(value)}` }];
    case 'invalid_type':
      return [{ path: where, message: value === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${show(value)}` }];
    case 'too_small':
      return [{ path: where, message: `expected ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}${issue.origin === 'array' ? ' items' : ''}, got ${show(value)}` }];
    case 'too_big':
      return [{ path: where, message: `expected ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}, got ${show(value)}` }];
    default:
      return [{ path: where, message: `${issue.message}, got ${show(value)}` }];
  }
}

/** Which kind of node the author meant: `actor` makes an actor, `children`/`strategy` a supervisor. */
function chooseBranch(value: unknown): number | undefined {
  if (!isPlainObject(value)) return undefined;
  if ('actor' in value) return ACTOR_BRANCH;
  if ('children' in value || 'strategy' in value) return SUPERVISOR_BRANCH;
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'an object';
  return JSON.stringify(value);
}
