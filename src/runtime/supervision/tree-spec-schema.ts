import { z } from 'zod';

/**
 * The supervision tree as written in the config file (YAML, snake_case), before the
 * semantic checks and the normalisation done by `parseTreeSpec` (tree-spec.ts).
 *
 * A node is an actor when it has `actor` (its kind) and a supervisor when it has
 * `children`. Objects are strict so that a misspelt key (`restrat:`) is an error
 * instead of a silently ignored setting.
 */

const nodeName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a name of lowercase letters, digits, "-" or "_" (it becomes a path segment)');
const positiveMs = z.number().int().positive();
const nonNegativeMs = z.number().int().nonnegative();

export const restartTypes = ['permanent', 'transient', 'temporary'] as const;
export const strategies = ['one_for_one', 'one_for_all', 'rest_for_one'] as const;
export const waitStrategies = ['busy-spin', 'spin-then-park', 'park'] as const;
export const fullPolicies = ['block', 'drop-newest', 'fail'] as const;

export const backoffSchema = z.strictObject({
  min_ms: nonNegativeMs,
  max_ms: nonNegativeMs,
  random_factor: z.number().min(0).max(1).default(0.2),
  reset_after_ms: positiveMs.optional(),
});

/** Ring sizes must be powers of two: the ring masks its monotonic counters. */
const ringBytes = z
  .number()
  .int()
  .min(256)
  .refine((n) => (n & (n - 1)) === 0, 'expected a power of two');

/**
 * One outbound edge: a peer's name, or the name with this edge's own ring size or full
 * policy (e.g. market data may be dropped when a consumer falls behind, reports and
 * commands may not).
 */
const sendSchema = z.union([
  nodeName,
  z.strictObject({
    to: nodeName,
    /** The cluster node the peer runs on (src/cluster/): the edge is carried over NATS, not a ring. */
    node: nodeName.optional(),
    ring_bytes: ringBytes.optional(),
    full_policy: z.enum(fullPolicies).optional(),
  }),
]);

/** An inbound edge from an actor on another cluster node: the local ring its frames arrive in. */
const receiveSchema = z.strictObject({
  from: nodeName,
  node: nodeName,
});

export const actorNodeSchema = z.strictObject({
  name: nodeName,
  actor: z.string().min(1),
  restart: z.enum(restartTypes).default('permanent'),
  shutdown_ms: positiveMs.default(5_000),
  start_timeout_ms: positiveMs.default(10_000),
  heartbeat_timeout_ms: positiveMs.default(5_000),
  wait: z.enum(waitStrategies).default('spin-then-park'),
  sends: z.array(sendSchema).default([]),
  receives: z.array(receiveSchema).default([]),
  ring_bytes: ringBytes.default(65_536),
  full_policy: z.enum(fullPolicies).default('block'),
  depends_on: z.array(nodeName).default([]),
  /** Keep a warm standby worker of this actor's kind for fast restarts (docs/supervision.md). */
  standby: z.boolean().default(true),
  config: z.record(z.string(), z.unknown()).default({}),
});

const supervisorFields = z.strictObject({
  name: nodeName,
  strategy: z.enum(strategies),
  intensity: z.number().int().nonnegative().default(3),
  period_ms: positiveMs.default(5_000),
  isolated: z.boolean().default(false),
  reset_timeout_ms: positiveMs.default(30_000),
  backoff: backoffSchema.optional(),
});

export const supervisorNodeSchema = supervisorFields.extend({
  get children(): z.ZodArray<z.ZodType<RawTreeNode, unknown>> {
    return z.array(treeNodeSchema);
  },
});

export const treeNodeSchema: z.ZodType<RawTreeNode, unknown> = z.union([actorNodeSchema, supervisorNodeSchema]);

/** Index of each branch of `treeNodeSchema`'s union, used to explain which one a node meant. */
export const ACTOR_BRANCH = 0;
export const SUPERVISOR_BRANCH = 1;

export type RawActorNode = z.output<typeof actorNodeSchema>;
export type RawSupervisorNode = z.output<typeof supervisorFields> & { children: RawTreeNode[] };
export type RawTreeNode = RawActorNode | RawSupervisorNode;
export type RestartType = (typeof restartTypes)[number];
export type Strategy = (typeof strategies)[number];
export type WaitStrategy = (typeof waitStrategies)[number];
export type FullPolicy = (typeof fullPolicies)[number];
