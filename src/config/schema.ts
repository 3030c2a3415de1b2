/**
 * The one schema of a Bot4 configuration (config/default.yaml <- --config file <- env).
 *
 * Keys are snake_case so that an environment override `BOT4_ADMIN__SOCKET_PATH` maps to
 * `admin.socket_path` without guessing. Sections this issue owns are strict (an unknown
 * key is an error: a typo must not be silently ignored); sections later issues will
 * define (venues) stay open records until those issues make them strict.
 */
import { z } from 'zod';
import { parseTreeSpec, TreeSpecError } from '../runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../safety/gpio-panel.js';
import { clusterSchema, clusterTreeIssues } from '../cluster/config.js';

const positiveInt = () => z.number().int().positive();

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const runtimeSchema = z.strictObject({
  /** Seeds every generator in the process (actors fork their own streams from it). */
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /**
   * How often the supervisor's event loop beats in shared memory: the kill switch's dead
   * man's switch trips when the beats stop, and the GPIO LEDs refresh on each beat.
   * (Actors' own heartbeats are per actor in the tree: heartbeat_timeout_ms.)
   */
  heartbeat_ms: positiveInt().max(60_000).default(100),
  /**
   * Keep one preloaded idle worker per actor kind so a crashed actor restarts without
   * loading its modules again (docs/supervision.md, "Warm standby"). Per actor: `standby`.
   */
  standby_workers: z.boolean().default(true),
  /**
   * Actor kinds implemented outside actors/ — e.g. a strategy of your own in one file:
   * kind -> path of its compiled module (.js), relative to the checkout root.
   */
  actor_modules: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'actor kinds are lower-case letters, digits and -'), z.string().min(1)).default({}),
  /** Upper bound on a graceful shutdown; past it the process says what it still waits for. */
  shutdown_deadline_ms: positiveInt().default(15_000),
  exit_policy: z
    .strictObject({
      /** On shutdown, cancel every open order on every venue (after closing the order gate). */
      cancel_open_orders: z.boolean().default(true),
    })
    .prefault({}),
});

export const adminSchema = z.strictObject({
  /** Relative paths resolve against the checkout root. */
  socket_path: z.string().min(1).default('run/bot4.sock'),
  /** A request line longer than this is refused with `line_too_long`. */
  max_line_bytes: z.number().int().min(256).max(16 * 1024 * 1024).default(64 * 1024),
  /** A connection that sends no complete request for this long is closed (subscribers are exempt). */
  idle_timeout_ms: positiveInt().default(30_000),
  /** Connections beyond this are refused with `too_many_clients`. */
  max_clients: positiveInt().max(10_000).default(32),
  /** An event subscriber whose unsent output exceeds this drops events (counted) until it catches up. */
  subscriber_backlog_bytes: z.number().int().min(1024).default(1024 * 1024),
});

export const loggingSchema = z.strictObject({
  level: z.enum(LOG_LEVELS).default('info'),
  /** JSON-lines files `bot4-<UTC date>.log` go here; relative paths resolve against the checkout root. */
  dir: z.string().min(1).default('logs'),
  /** Console output: `auto` = readable lines when stdout is a TTY, nothing otherwise. */
  console: z.enum(['auto', 'pretty', 'json', 'off']).default('auto'),
});

/**
 * The supervision tree. Its schema and semantic checks belong to the supervision package
 * (parseTreeSpec); each problem it finds becomes an issue at its own path under `tree`,
 * so a bad tree is reported together with every other config problem.
 */
export const treeSchema = z.unknown().transform((raw, ctx) => {
  try {
    return parseTreeSpec(raw, 'tree');
  } catch (err) {
    if (!(err instanceof TreeSpecError)) throw err;
    for (const problem of err.problems) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: pathSegments(problem.path).slice(1), input: raw });
    }
    return z.NEVER;
  }
});

/** `tree.children[1].restart` -> ['tree', 'children', 1, 'restart']. */
function pathSegments(path: string): (string | number)[] {
  return [...path.matchAll(/\[(\d+)\]|[^.[\]]+/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[0]));
}

/** Venue name -> venue settings (defined by the exchange-connector issue). */
export const venuesSchema = z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'venue names are lower-case letters, digits, _ and -'), z.record(z.string(), z.unknown())).default({});

export const databaseSchema = z.looseObject({
  /** Only ever from the DATABASE_URL environment variable (it usually carries a password). */
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** The embedded PGlite database's folder when there is no DATABASE_URL; relative to the checkout root. */
  data_dir: z.string().min(1).default('data/pglite'),
});

/** The kill switch's main-thread side: its GPIO panel (the actor's own settings live in its tree node). */
export const killswitchSchema = z.strictObject({ gpio: gpioConfigSchema.prefault({}) }).prefault({});

export const configSchema = z.strictObject({
  runtime: runtimeSchema.prefault({}),
  admin: adminSchema.prefault({}),
  logging: loggingSchema.prefault({}),
  tree: treeSchema,
  venues: venuesSchema,
  database: databaseSchema.prefault({}),
  killswitch: killswitchSchema,
  /** This process as one node of a cluster over NATS (src/cluster/config.ts, docs/cluster.md); absent: a single node. */
  cluster: clusterSchema.optional(),
}).superRefine((config, ctx) => {
  for (const message of clusterTreeIssues(config.cluster, config.tree)) ctx.addIssue({ code: 'custom', path: ['tree'], message, input: undefined });
});

export type Bot4Config = z.output<typeof configSchema>;
export type RuntimeConfig = z.output<typeof runtimeSchema>;
export type AdminConfig = z.output<typeof adminSchema>;
export type LoggingConfig = z.output<typeof loggingSchema>;
