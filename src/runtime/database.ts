/**
 * The runtime's database, around the supervision tree (docs/persistence.md, "Runtime database"):
 *
 * 1. Only when the tree has a recorder (the one writer); otherwise nothing starts and nothing is
 *    recovered from a database: without a recorder nothing keeps the database current, and recovering
 *    from a stale one would be worse than starting from the journal and the venues.
 * 2. Without a URL (no DATABASE_URL), the embedded PGlite server starts on a Unix socket in a 0700
 *    folder next to its data folder (`database.data_dir`, default data/pglite); with one, that server.
 * 3. Migrations run; the report is logged.
 * 4. Crash recovery of the kill switch latch: the newest kill_switch_events row is reconciled into the
 *    kill switch's state file (src/runtime/kill-switch-latch-recovery.ts) before any actor starts. A
 *    database that cannot be reached or migrated latches HALTED instead: trading never starts on a
 *    latch nobody could check.
 * 5. The tree is rewritten: every database actor (recorder, order manager, risk) gets `database_url`
 *    (the recorder also the kill switch's `kill_switch_state_file`) in its config; the kill switch sends
 *    to the recorder, so its transitions reach the database; the order manager and risk get
 *    `recorder_peer` and `venue_names` (the recorder's `venues`) and send to it, so what they must find
 *    again after a crash (orders, fills, positions) is recorded without YAML wiring.
 * 6. `stop()`, after the tree has stopped, stops the embedded server.
 *
 * The URL may carry a password: its password and any `password=` parameter are registered with the
 * log scrubber before anything can log it.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { latchHaltedExternally } from '../../actors/kill-switch/latch-store.js';
import { describeError } from '../persistence/db-errors.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../persistence/embedded.js';
import { migrate, type MigrationReport } from '../persistence/migrate.js';
import { loadKillSwitchLatch } from '../persistence/recovery.js';
import { reconcileLatchWithDatabase, type LatchRecovery } from './kill-switch-latch-recovery.js';
import { packageRoot } from './package-root.js';
import type { ActorNodeSpec, SupervisorNodeSpec, TreeNodeSpec } from './supervision/tree-spec.js';

/** Actor kinds that write to or read from the database; the runtime injects `database_url` into them. */
export const DATABASE_ACTOR_KINDS: ReadonlySet<string> = new Set(['recorder', 'order-manager', 'risk']);
/** The kind that writes the database: a tree gets a database only when it has one. */
export const RECORDER_KIND = 'recorder';
/** Kinds that send the recorder what they must recover after a crash (`recorder_peer`, `venue_names`). */
export const RECORDING_KINDS: ReadonlySet<string> = new Set(['order-manager', 'risk']);
const KILL_SWITCH_KIND = 'kill-switch';
const DEFAULT_KILL_SWITCH_STATE_FILE = 'data/kill-switch.json';
const ORDER_MANAGER_KIND = 'order-manager';
/** The order manager's own default (actors/order-manager/config.ts). */
const DEFAULT_ORDER_JOURNAL_FILE = 'data/order-manager.jsonl';

export interface RuntimeDatabaseOptions {
  /** DATABASE_URL; absent = the embedded PGlite server. */
  url?: string;
  /** The embedded database's folder; relative paths resolve against the checkout root. Default data/pglite. */
  dataDir?: string;
  /** Registers a value the log must never show (Logging.addSecret). */
  addSecret?: (value: string) => void;
}

export interface RuntimeDatabase {
  /** What the database actors connect to. */
  readonly connectionString: string;
  readonly embedded: boolean;
  /** The tree with database URLs injected and the kill switch wired to the database actors. */
  readonly tree: SupervisorNodeSpec;
  readonly migration: MigrationReport | null;
  readonly latch: LatchRecovery | null;
  stop(): Promise<void>;
}

export function databaseActors(tree: TreeNodeSpec): ActorNodeSpec[] {
  return actorsOf(tree).filter((a) => DATABASE_ACTOR_KINDS.has(a.kind));
}

/** Steps 1-5 above; null when the tree has no recorder. */
export async function openRuntimeDatabase(tree: SupervisorNodeSpec, options: RuntimeDatabaseOptions, logger: Logger): Promise<RuntimeDatabase | null> {
  if (!actorsOf(tree).some((a) => a.kind === RECORDER_KIND)) return null;
  const log = logger.child({ path: 'supervisor/database' });
  if (options.url) registerUrlSecrets(options.url, options.addSecret);

  let embedded: EmbeddedDatabase | undefined;
  if (!options.url) {
    const dataDir = resolveFromRoot(options.dataDir ?? 'data/pglite');
    log.info({ dataDir }, `starting the embedded database (PGlite) in ${dataDir}`);
    embedded = await startEmbeddedDatabase({ dataDir, socketDir: join(dirname(dataDir), `${basenameOf(dataDir)}-socket`) });
  }
  const connectionString = options.url ?? embedded!.connectionString;

  const killSwitches = actorsOf(tree).filter((a) => a.kind === KILL_SWITCH_KIND);
  let migration: MigrationReport | null = null;
  let latch: LatchRecovery | null = null;
  try {
    const pool = new pg.Pool({ connectionString, max: 1, connectionTimeoutMillis: 10_000 });
    pool.on('error', () => undefined); // an idle connection dropped by the server: the next query says so
    try {
      migration = await migrate(pool);
      log.info({ applied: migration.applied.map((m) => m.file), timescale: migration.timescale }, describeMigration(migration));
      const latest = await loadKillSwitchLatch(pool);
      for (const node of killSwitches) {
        latch = reconcileLatchWithDatabase(killSwitchStateFileOf(node), latest, Date.now());
        const line = `kill switch latch vs database: ${latch.action} (${latch.why})`;
        if (latch.action === 'none') log.info({ latch: latest }, line);
        else log.warn({ latch: latest }, line);
      }
    } finally {
      await pool.end().catch(() => undefined); // closing after the work is done or failed: nothing is left to lose, and the failure that matters is already reported
    }
  } catch (error) {
    // the database is the second memory of the latch: without it, halt rather than trust the file alone
    const reason = `database unreachable or not migrated at start (${describeError(error)}): the kill switch latch could not be checked against it`;
    log.error({ err: error }, `${reason}; latching HALTED`);
    for (const node of killSwitches) latchHaltedExternally(killSwitchStateFileOf(node), 'startup-latch', reason, Date.now());
  }

  return {
    connectionString,
    embedded: embedded !== undefined,
    tree: wireDatabaseActors(tree, connectionString),
    migration,
    latch,
    stop: async () => {
      await embedded?.stop();
    },
  };
}

/**
 * Injects the URL into database actors (and the kill switch's state file into the recorder), makes the
 * kill switch send to the recorders, and wires the order manager and risk to the recorder: a config
 * that names `recorder_peer` itself (a peer, or null for "record nothing") is left as written.
 */
export function wireDatabaseActors(tree: SupervisorNodeSpec, connectionString: string): SupervisorNodeSpec {
  const recorders = actorsOf(tree).filter((a) => a.kind === RECORDER_KIND);
  const killSwitch = actorsOf(tree).find((a) => a.kind === KILL_SWITCH_KIND);
  // With several recorders the runtime cannot know which one keeps the orders: the YAML must say.
  const recorder = recorders.length === 1 ? recorders[0] : undefined;
  const orderManager = actorsOf(tree).find((a) => a.kind === ORDER_MANAGER_KIND);
  const rewrite = (node: TreeNodeSpec): TreeNodeSpec => {
    if (node.type === 'supervisor') return { ...node, children: node.children.map(rewrite) };
    if (node.kind === KILL_SWITCH_KIND) return { ...node, sends: [...new Set([...node.sends, ...recorders.map((r) => r.name)])] };
    if (!DATABASE_ACTOR_KINDS.has(node.kind)) return node;
    const config = { ...node.config, database_url: connectionString };
    if (node.kind === RECORDER_KIND) {
      const journal = node === recorder ? orderJournalFileOf(orderManager) : undefined;
      return { ...node, config: { ...(killSwitch ? { kill_switch_state_file: killSwitchStateFileOf(killSwitch) } : {}), ...(journal ? { order_journal_file: journal } : {}), ...config } };
    }
    if (!RECORDING_KINDS.has(node.kind) || recorder === undefined || 'recorder_peer' in node.config) return { ...node, config };
    return {
      ...node,
      sends: [...new Set([...node.sends, recorder.name])],
      config: { venue_names: recorderVenues(recorder), ...config, recorder_peer: recorder.name },
    };
  };
  return rewrite(tree) as SupervisorNodeSpec;
}

/** The order manager's journal, which the recorder backfills missed orders from; both threads read the path against the same working folder. */
function orderJournalFileOf(orderManager: ActorNodeSpec | undefined): string | undefined {
  if (!orderManager) return undefined;
  const file = (orderManager.config as { journal_file?: unknown }).journal_file;
  return typeof file === 'string' ? file : DEFAULT_ORDER_JOURNAL_FILE;
}

function recorderVenues(recorder: ActorNodeSpec): unknown {
  return (recorder.config as { venues?: unknown }).venues ?? {};
}

/**
 * The password of a URL, and a `password=` query parameter, go to the log scrubber (raw and decoded).
 * Regexes rather than WHATWG URL, which refuses URLs pg accepts (`postgresql://u:p@/db?host=/run`).
 */
export function registerUrlSecrets(url: string, addSecret: ((value: string) => void) | undefined): void {
  if (!addSecret) return;
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:([^@/?#]+)@/i.exec(url)?.[1];
  const params = [...url.matchAll(/[?&]password=([^&#]+)/gi)].map((m) => m[1] as string);
  for (const value of [userinfo, ...params]) {
    if (!value) continue;
    addSecret(value);
    const decoded = safeDecode(value);
    if (decoded !== value) addSecret(decoded);
  }
}

function describeMigration(report: MigrationReport): string {
  const applied = report.applied.length ? `applied ${report.applied.map((m) => m.file).join(', ')}` : 'schema up to date';
  return `database migrated: ${applied}; schema variant ${report.timescale.schemaVariant ?? 'none'} (${report.timescale.reason})`;
}

/** The kill switch's state_file, as the actor reads it (its default when the config names none). */
export function killSwitchStateFileOf(node: ActorNodeSpec): string {
  const file = (node.config as { state_file?: unknown }).state_file;
  return typeof file === 'string' && file !== '' ? file : DEFAULT_KILL_SWITCH_STATE_FILE;
}

function actorsOf(node: TreeNodeSpec): ActorNodeSpec[] {
  return node.type === 'actor' ? [node] : node.children.flatMap(actorsOf);
}

function resolveFromRoot(path: string): string {
  return isAbsolute(path) ? path : resolve(packageRoot(), path);
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not percent-encoded after all: the value is shown as written.
    return value;
  }
}
