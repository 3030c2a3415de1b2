/** The recorder's config block (docs/persistence.md, "Recorder actor"). */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ActorConfigError } from '../../src/domain/instrument-config.js';
import { DEFAULT_BATCH_SIZE } from '../../src/persistence/batch-writer.js';
import { packageRoot } from '../../src/runtime/package-root.js';

const idKey = z.string().regex(/^[0-9]{1,10}$/, 'an id (digits)');

export const recorderConfigSchema = z.strictObject({
  /**
   * Injected by the runtime (src/runtime/database.ts): DATABASE_URL or the embedded server's address.
   * Never written in a config file (it may carry a password).
   */
  database_url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL'),
  /** Venue id (hot messages) -> venue name (the database). */
  venues: z.record(idKey, z.string().min(1)).refine((v) => Object.keys(v).length > 0, 'at least one venue'),
  /** The instruments list shared with risk and the order manager (only id and symbol are read here). */
  instruments: z.array(z.looseObject({ id: z.number().int().min(0).max(0xffffffff), symbol: z.string().min(1) })).min(1),
  /** Strategy id -> name, for the orders table's strategy column (unknown ids are recorded as null). */
  strategies: z.record(idKey, z.string().min(1)).default({}),
  /** Namespace of the client order ids (the order manager's `namespace`). */
  client_id_namespace: z.string().regex(/^[A-Za-z0-9]{1,12}$/, '1-12 letters or digits').default('bot4'),
  /** Append-only spool used while the database is away; relative paths resolve against the checkout root. */
  spool_path: z.string().min(1).default('data/recorder-spool.jsonl'),
  /** Records per INSERT transaction. */
  batch_size: z.number().int().min(1).max(10_000).default(DEFAULT_BATCH_SIZE),
  /** How often queued records are written. */
  flush_interval_ms: z.number().int().min(10).max(60_000).default(200),
  /** Retry delay while the database is away: min * 2^n up to max, plus up to 20 % seeded jitter. */
  backoff: z.strictObject({ min_ms: z.number().int().min(1).default(200), max_ms: z.number().int().min(1).default(5_000) }).prefault({}),
  /**
   * The kill switch's state file (injected by the runtime from the kill-switch node): the reason of a
   * transition is read from there, because the TradingStateChange frame carries none.
   */
  kill_switch_state_file: z.string().min(1).optional(),
  /**
   * The order manager's journal (injected by the runtime from the order-manager node's `journal_file`):
   * at start, journalled orders the database lacks get their SUBMIT rebuilt from it (journal-backfill.ts).
   */
  order_journal_file: z.string().min(1).optional(),
});

export type RecorderConfigInput = z.input<typeof recorderConfigSchema>;
export type RecorderConfig = z.output<typeof recorderConfigSchema> & {
  venueNames: ReadonlyMap<number, string>;
  instrumentNames: ReadonlyMap<number, string>;
  strategyNames: ReadonlyMap<number, string>;
  spoolFile: string;
};

export function parseRecorderConfig(raw: unknown): RecorderConfig {
  const parsed = recorderConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ActorConfigError('recorder', parsed.error.issues);
  const config = parsed.data;
  if (config.backoff.max_ms < config.backoff.min_ms) throw new Error(`recorder config: backoff.max_ms (${config.backoff.max_ms}) must be >= backoff.min_ms (${config.backoff.min_ms})`);
  const instrumentNames = new Map<number, string>();
  for (const { id, symbol } of config.instruments) {
    if (instrumentNames.has(id)) throw new Error(`recorder config: instruments: id ${id} is listed twice (${instrumentNames.get(id)} and ${symbol})`);
    instrumentNames.set(id, symbol);
  }
  return {
    ...config,
    venueNames: numericKeys(config.venues),
    instrumentNames,
    strategyNames: numericKeys(config.strategies),
    spoolFile: isAbsolute(config.spool_path) ? config.spool_path : resolve(packageRoot(), config.spool_path),
  };
}

function numericKeys(record: Readonly<Record<string, string>>): Map<number, string> {
  return new Map(Object.entries(record).map(([id, name]) => [Number(id), name]));
}
