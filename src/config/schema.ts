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

const envVarName = () => z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must name an environment variable (upper-case letters, digits and _)');
const loopbackHosts = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopbackHost = (host: string): boolean => loopbackHosts.has(host) || host.startsWith('127.');

/**
 * `GET /metrics` in the Prometheus text format (src/metrics/, docs/metrics.md); `metrics: false`
 * turns it off. On a non-loopback host every scrape must carry the bearer token set in the
 * environment variable `token_env` (start refuses without it); on loopback the token is asked
 * for only when that variable is set.
 */
export const metricsSchema = z.union([
  z.literal(false),
  z.strictObject({
    /** 0 picks a free port (the banner prints the URL). */
    port: z.number().int().min(0).max(65_535).default(18_481),
    host: z.string().min(1).default('127.0.0.1'),
    token_env: envVarName().default('BOT4_METRICS_TOKEN'),
    /** Scrapes closer together than this are answered from the last sample: actors are asked at most this often. */
    min_sample_interval_ms: z.number().int().min(0).max(60_000).default(1000),
  }),
]);

/** One place alerts go. Secrets (a webhook URL carries its token; the Telegram bot token) come from environment variables named here. */
const alertSinkSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('webhook'), name: z.string().min(1), url_env: envVarName() }),
  z.strictObject({ type: z.literal('slack'), name: z.string().min(1), url_env: envVarName() }),
  z.strictObject({ type: z.literal('discord'), name: z.string().min(1), url_env: envVarName() }),
  z.strictObject({
    type: z.literal('telegram'),
    name: z.string().min(1),
    token_env: envVarName(),
    chat_id: z.union([z.string().min(1), z.number().int()]).transform(String),
    /** Telegram's Bot API; a test points it at a local receiver. */
    base_url: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
  }),
]);

/** Alerts (src/alerts/, docs/alerts.md): which incidents raise one, how often, and where they go. */
export const alertsSchema = z.strictObject({
  sinks: z.array(alertSinkSchema).max(16).readonly().default([]).refine((sinks) => new Set(sinks.map((s) => s.name)).size === sinks.length, 'sink names must be unique'),
  /** A venue whose market feed stays stale or disconnected this long raises `venue-down`. */
  venue_down_after_ms: positiveInt().default(30_000),
  /** An actor that exits unrequested this many times within `crash_loop_window_ms` raises `crash-loop`. */
  crash_loop_exits: positiveInt().max(1000).default(3),
  crash_loop_window_ms: positiveInt().default(60_000),
  /** The same incident raised again (it closed and reopened) within this is suppressed and counted. */
  repeat_after_ms: z.number().int().min(0).default(300_000),
  /** At most this many alerts per minute in all; the rest are suppressed and counted. */
  max_per_minute: positiveInt().max(10_000).default(30),
  /** Delivery retries per sink, doubling from retry_min_ms up to retry_max_ms. */
  retry_attempts: z.number().int().min(0).max(20).default(5),
  retry_min_ms: positiveInt().default(500),
  retry_max_ms: positiveInt().default(30_000),
  request_timeout_ms: positiveInt().max(120_000).default(10_000),
  /** How often the recorder is asked whether it spools (and venue deadlines are checked). */
  poll_ms: z.number().int().min(100).max(600_000).default(2000),
});

/**
 * The read-only web dashboard `bot4 start` serves (docs/dashboard.md); `dashboard: false` turns it off.
 * Its access token is never configured here: it is read from (or created in) `token_path`, mode 0600,
 * or taken from the BOT4_DASHBOARD_TOKEN environment variable, which a non-loopback `host` requires.
 */
export const dashboardSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 = any free port (the banner and `bot4 ctl dashboard` print the one taken). */
  port: z.number().int().min(0).max(65535).default(18480),
  /** A file holding the token, created with a random one on first start; relative to the checkout root. */
  token_path: z.string().min(1).default('data/dashboard.token'),
  /** Show a button that trips the kill switch (HALTED). Nothing on the page can reset or raise the mode. */
  allow_trip: z.boolean().default(false),
  /** How often a connected page gets a fresh snapshot (events push one at once besides). */
  refresh_ms: z.number().int().min(100).max(1000).default(500),
});

export const configSchema = z.strictObject({
  runtime: runtimeSchema.prefault({}),
  admin: adminSchema.prefault({}),
  logging: loggingSchema.prefault({}),
  tree: treeSchema,
  venues: venuesSchema,
  database: databaseSchema.prefault({}),
  killswitch: killswitchSchema,
  metrics: metricsSchema.default({ port: 18_481, host: '127.0.0.1', token_env: 'BOT4_METRICS_TOKEN', min_sample_interval_ms: 1000 }),
  alerts: alertsSchema.prefault({}),
  dashboard: z.union([z.literal(false), dashboardSchema]).prefault({}),
  /** This process as one node of a cluster over NATS (src/cluster/config.ts, docs/cluster.md); absent: a single node. */
  cluster: clusterSchema.optional(),
}).superRefine((config, ctx) => {
  for (const message of clusterTreeIssues(config.cluster, config.tree)) ctx.addIssue({ code: 'custom', path: ['tree'], message, input: undefined });
});

export type Bot4Config = z.output<typeof configSchema>;
export type RuntimeConfig = z.output<typeof runtimeSchema>;
export type AdminConfig = z.output<typeof adminSchema>;
export type LoggingConfig = z.output<typeof loggingSchema>;
export type MetricsConfig = Exclude<z.output<typeof metricsSchema>, false>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type AlertSinkConfig = z.output<typeof alertSinkSchema>;
export type DashboardConfig = z.output<typeof dashboardSchema>;
