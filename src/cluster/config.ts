/**
 * The `cluster` section: this process is one node of a Bot4 cluster joined through NATS
 * (docs/cluster.md). Absent, the process is a single node and nothing here runs.
 *
 * Credentials never come from the YAML file (secret keys are refused there): set
 * BOT4_CLUSTER__TOKEN, or BOT4_CLUSTER__USER and BOT4_CLUSTER__PASSWORD.
 */
import { z } from 'zod';
import type { ActorNodeSpec, SupervisorNodeSpec, TreeNodeSpec } from '../runtime/supervision/tree-spec.js';

const nodeName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'node names are lower-case letters, digits, _ and - (they become NATS subject tokens)');
const positiveMs = z.number().int().positive();

export const clusterSchema = z
  .strictObject({
    /** This node's name: unique in the cluster (a second process claiming it is refused at start). */
    node: nodeName,
    /** NATS server URLs, tried in order and on every reconnect. */
    servers: z.array(z.string().regex(/^(nats|tls):\/\/[^\s]+$/, 'expected a nats:// or tls:// URL')).min(1).readonly(),
    /** Every node of the cluster, this one included: a `sends`/`receives` entry may only name these. */
    nodes: z.array(nodeName).min(1).readonly(),
    /** The node whose kill switch owns the cluster's trading state and publishes it with a lease. */
    kill_switch_node: nodeName,
    /** Subject and stream prefix, so that two clusters may share a server. */
    prefix: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected lower-case letters, digits, _ and -').default('bot4'),
    /** How often the kill switch's node publishes the trading state, and every node its presence. */
    heartbeat_ms: positiveMs.min(10).default(200),
    /** A node that has not heard the trading state for this long closes its own gate (fail safe). */
    lease_ms: positiveMs.min(50).default(1000),
    /** A peer node not heard from for this long is lost: its edges' dependency breaker opens. */
    node_timeout_ms: positiveMs.default(1500),
    /** JetStream's duplicate window: a message id (client order id, fill id) seen within it is dropped. */
    dedup_window_ms: positiveMs.min(1000).default(120_000),
    /** How long a reconnect waits between tries, and how long the first connection may take per try. */
    reconnect_wait_ms: positiveMs.default(250),
    connect_timeout_ms: positiveMs.default(2000),
    /** From the environment only (BOT4_CLUSTER__USER / __PASSWORD / __TOKEN). */
    user: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
  })
  .superRefine((cluster, ctx) => {
    const seen = new Set<string>();
    cluster.nodes.forEach((node, i) => {
      if (seen.has(node)) ctx.addIssue({ code: 'custom', path: ['nodes', i], message: `node name "${node}" is used twice; every node of a cluster needs its own name`, input: node });
      seen.add(node);
    });
    if (!seen.has(cluster.node)) ctx.addIssue({ code: 'custom', path: ['node'], message: `"${cluster.node}" is not in cluster.nodes [${cluster.nodes.join(', ')}]`, input: cluster.node });
    if (!seen.has(cluster.kill_switch_node)) {
      ctx.addIssue({ code: 'custom', path: ['kill_switch_node'], message: `"${cluster.kill_switch_node}" is not in cluster.nodes [${cluster.nodes.join(', ')}]`, input: cluster.kill_switch_node });
    }
    if (cluster.lease_ms <= cluster.heartbeat_ms) {
      ctx.addIssue({ code: 'custom', path: ['lease_ms'], message: `lease_ms (${cluster.lease_ms}) must exceed heartbeat_ms (${cluster.heartbeat_ms}): a lease shorter than a beat lapses between beats`, input: cluster.lease_ms });
    }
    if (cluster.password !== undefined && cluster.user === undefined) ctx.addIssue({ code: 'custom', path: ['user'], message: 'a password needs a user (BOT4_CLUSTER__USER)', input: undefined });
  });

export type ClusterConfig = z.output<typeof clusterSchema>;

/**
 * The tree's cross-node edges against the cluster section: every `node:` must be a known node
 * other than this one, and an edge to another node needs a cluster at all. Each problem names
 * the actor, the list (`sends` / `receives`) and the peer.
 */
export function clusterTreeIssues(cluster: ClusterConfig | undefined, tree: SupervisorNodeSpec): string[] {
  const issues: string[] = [];
  for (const actor of actorsOf(tree)) {
    const ends = [
      ...actor.remoteSends.map((edge) => ({ ...edge, what: `sends to "${edge.actor}"` })),
      ...actor.remoteReceives.map((edge) => ({ ...edge, what: `receives from "${edge.actor}"` })),
    ];
    for (const end of ends) {
      if (!cluster) issues.push(`${actor.path} ${end.what} on node "${end.node}", but this config has no cluster section`);
      else if (end.node === cluster.node) issues.push(`${actor.path} ${end.what} on node "${end.node}", which is this node; name a local peer without node:`);
      else if (!cluster.nodes.includes(end.node)) issues.push(`${actor.path} ${end.what} on unknown node "${end.node}"; cluster.nodes are [${cluster.nodes.join(', ')}]`);
    }
  }
  return issues;
}

export function actorsOf(node: TreeNodeSpec): ActorNodeSpec[] {
  return node.type === 'actor' ? [node] : node.children.flatMap(actorsOf);
}
