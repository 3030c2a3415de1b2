/** The order manager's config block (docs/order-manager.md, "Config"). */
import { z } from 'zod';
import { ActorConfigError, instrumentSpecsFromConfig, instrumentsConfigSchema } from '../../src/domain/instrument-config.js';
import type { InstrumentSpec } from '../../src/domain/instrument.js';

const ms = (min: number) => z.number().int().min(min);

export const orderManagerConfigSchema = z.strictObject({
  /** Namespace of our client order ids; must equal the exchange actors' client_id_namespace. */
  namespace: z.string().regex(/^[A-Za-z0-9]{1,12}$/, '1-12 letters or digits').default('bot4'),
  /** Venue id (as a string key: YAML maps) -> name of the exchange actor of that venue. */
  venues: z.record(z.string().regex(/^[0-9]{1,5}$/, 'a venue id (0-65535)'), z.string().min(1)).refine((v) => Object.keys(v).length > 0, 'at least one venue'),
  /** Gets every report and fill, and a `venue.error` notice for every venue error. */
  risk_peer: z.string().min(1).default('risk'),
  /** Get every report and fill (a strategy keeps those of its own intents). */
  strategy_peers: z.array(z.string().min(1)).default([]),
  instruments: instrumentsConfigSchema,
  journal_file: z.string().min(1).default('data/order-manager.jsonl'),
  /** SUBMITTED without a word from the venue for this long: query the venue. */
  ack_timeout_ms: ms(10).default(5000),
  /** A venue that has not answered a reconcile request in this long is asked again. */
  reconcile_timeout_ms: ms(10).default(15_000),
  /** How far back the venue's fills are fetched at reconciliation. */
  reconcile_lookback_ms: ms(0).default(86_400_000),
  /** A reconciled venue is checked again this long after its last reconciliation (0 = only at start and after stream gaps). */
  reconcile_every_ms: ms(0).default(30_000),
  /** A re-check fetches fills from the previous venue read minus this (clock skew, trades still settling). */
  recheck_overlap_ms: ms(0).default(60_000),
  /** Intents held while a venue is not reconciled are rejected (NOT_RECONCILED) once older than this. */
  hold_intents_ms: ms(0).default(5000),
  max_held_intents: z.number().int().min(0).default(1024),
  /** Cancel-all not confirmed in this long: send it again. */
  cancel_all_retry_ms: ms(10).default(3000),
  /** Finished orders kept in memory and in the compacted journal (duplicate detection). */
  keep_finished_orders: z.number().int().min(0).default(5000),
  retry: z
    .strictObject({ base_backoff_ms: ms(1).default(250), max_backoff_ms: ms(1).default(30_000), max_attempts: z.number().int().min(1).default(5) })
    .default({ base_backoff_ms: 250, max_backoff_ms: 30_000, max_attempts: 5 }),
  /** Period of the timer that fires timeouts and retries. */
  tick_ms: ms(5).default(100),
  /**
   * Injected by the runtime when the tree has a recorder (src/runtime/database.ts), never written in
   * a config file: open orders the journal lacks are read back from here at start. Absent = no
   * database recovery (journal and venue reconciliation only).
   */
  database_url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  /**
   * The recorder that gets a copy of every SUBMIT, report and fill (so the `orders` and `fills` tables
   * can be recovered from); injected by the runtime when the tree has one recorder. null = record nothing.
   */
  recorder_peer: z.string().min(1).nullable().optional(),
  /** Venue id -> the venue's name in the database (the recorder's `venues`; injected with recorder_peer). */
  venue_names: z.record(z.string().regex(/^[0-9]{1,5}$/, 'a venue id (0-65535)'), z.string().min(1)).default({}),
});

export type OrderManagerConfig = z.output<typeof orderManagerConfigSchema> & { specs: Map<number, InstrumentSpec>; venueIds: Map<number, string> };

export function parseOrderManagerConfig(raw: unknown): OrderManagerConfig {
  const parsed = orderManagerConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ActorConfigError('order-manager', parsed.error.issues);
  const specs = instrumentSpecsFromConfig(parsed.data.instruments);
  const venueIds = new Map<number, string>();
  for (const [id, peer] of Object.entries(parsed.data.venues)) {
    const venue = Number(id);
    if (venue > 65535) throw new Error(`order-manager config: venues.${id}: a venue id must be <= 65535`);
    venueIds.set(venue, peer);
  }
  return { ...parsed.data, specs, venueIds };
}
