/**
 * The chaos soak's fault schedule (`bot4 soak`, docs/soak.md): a pure function of the seed, the
 * run's length and what the run has (actors by kind, venues, a database that can be taken away).
 * The same inputs give the same schedule, so a run that found a violation can be repeated.
 *
 * Episodes run one after another, never overlapping, so what the end-of-run checks blame can be
 * traced to one fault. The first round injects every kind once (kills cover every actor kind), in
 * a seeded order; later rounds draw kinds at random until the run's length is used up.
 */
import { seededRandom, type Random } from '../domain/random.js';

export const VENUE_FAULT_KINDS = ['venue-disconnect', 'venue-silence', 'venue-drop-market-data', 'venue-429', 'venue-latency'] as const;
export const FAULT_KINDS = ['kill-actor', ...VENUE_FAULT_KINDS, 'db-outage', 'mode-flip', 'trip-reset', 'sigkill'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type SoakFault =
  | { readonly kind: 'kill-actor'; readonly actorKind: string; readonly path: string }
  /** Every WebSocket of the venue terminated (market and user data). */
  | { readonly kind: 'venue-disconnect'; readonly venue: string }
  /** Market streams send nothing for `ms`; sockets stay open. */
  | { readonly kind: 'venue-silence'; readonly venue: string; readonly ms: number }
  /** Depth diffs left out (`count` gaps in the update ids), so the book must resync. */
  | { readonly kind: 'venue-drop-market-data'; readonly venue: string; readonly count: number }
  /** The next `count` REST requests answered 429. */
  | { readonly kind: 'venue-429'; readonly venue: string; readonly count: number }
  /** Every REST reply and WS message delayed by `latencyMs`, for `ms`. */
  | { readonly kind: 'venue-latency'; readonly venue: string; readonly latencyMs: number; readonly ms: number }
  /** The database server stopped for `ms`, then started again. */
  | { readonly kind: 'db-outage'; readonly ms: number }
  /** Trading mode set to `mode` for `ms`, then back to active. */
  | { readonly kind: 'mode-flip'; readonly mode: 'paused' | 'reducing'; readonly ms: number }
  /** Kill switch tripped, held `ms`, then reset; with `restartWhileHalted` the bot is SIGKILLed and started again while HALTED. */
  | { readonly kind: 'trip-reset'; readonly ms: number; readonly restartWhileHalted: boolean }
  /** The whole `bot4 start` process SIGKILLed and started again. */
  | { readonly kind: 'sigkill' };

export interface ScheduledFault {
  /** When the episode starts, from the start of the chaos phase. */
  readonly atMs: number;
  readonly fault: SoakFault;
}

export interface SoakTarget {
  /** Actor paths by actor kind (kill-switch, risk, exchange, ...). */
  readonly actors: ReadonlyMap<string, readonly string[]>;
  /** Names of the venue processes faults go to. */
  readonly venues: readonly string[];
  /** Whether the database can be taken away (a PostgreSQL server the soak runs; not the embedded PGlite). */
  readonly databaseOutage: boolean;
}

export class SoakScheduleError extends Error {
  override readonly name = 'SoakScheduleError';
}

/** Quiet time after each episode, so the tree recovers before the next fault. */
const GAP_MS = { min: 2000, max: 4000 };

const between = (random: Random, min: number, max: number): number => min + random.int(max - min + 1);
const pick = <T>(random: Random, items: readonly T[]): T => items[random.int(items.length)]!;

function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** How long an episode of this fault occupies the schedule before its gap. */
export function episodeMs(fault: SoakFault): number {
  switch (fault.kind) {
    case 'venue-silence':
    case 'venue-latency':
    case 'db-outage':
    case 'mode-flip':
    case 'trip-reset':
      return fault.ms;
    default:
      return 0;
  }
}

function draw(kind: FaultKind, random: Random, target: SoakTarget, actorKind: () => string, firstTrip: boolean): SoakFault {
  const venue = (): string => pick(random, target.venues);
  switch (kind) {
    case 'kill-actor': {
      const chosen = actorKind();
      return { kind, actorKind: chosen, path: pick(random, target.actors.get(chosen)!) };
    }
    case 'venue-disconnect':
      return { kind, venue: venue() };
    case 'venue-silence':
      return { kind, venue: venue(), ms: between(random, 2000, 6000) };
    case 'venue-drop-market-data':
      return { kind, venue: venue(), count: between(random, 1, 3) };
    case 'venue-429':
      return { kind, venue: venue(), count: between(random, 2, 8) };
    case 'venue-latency':
      return { kind, venue: venue(), latencyMs: between(random, 100, 800), ms: between(random, 2000, 5000) };
    case 'db-outage':
      return { kind, ms: between(random, 3000, 8000) };
    case 'mode-flip':
      return { kind, mode: random.int(2) === 0 ? 'paused' : 'reducing', ms: between(random, 2000, 4000) };
    case 'trip-reset':
      // The first trip always restarts the bot while HALTED: the latch must be seen to survive.
      return { kind, ms: between(random, 2000, 4000), restartWhileHalted: firstTrip || random.int(2) === 0 };
    case 'sigkill':
      return { kind };
  }
}

export function planSoak(seed: number, durationMs: number, target: SoakTarget): ScheduledFault[] {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new SoakScheduleError(`seed: must be an integer in [0, 4294967295], got ${seed}`);
  if (!Number.isFinite(durationMs) || durationMs <= 0) throw new SoakScheduleError(`duration: must be a positive number of milliseconds, got ${durationMs}`);
  if (target.venues.length === 0) throw new SoakScheduleError('venues: the soak needs at least one venue to inject faults into');
  const actorKinds = [...target.actors.keys()].filter((kind) => target.actors.get(kind)!.length > 0).sort();
  if (actorKinds.length === 0) throw new SoakScheduleError('actors: the soak needs at least one actor to kill');
  const random = seededRandom(seed);
  const kinds = FAULT_KINDS.filter((kind) => kind !== 'db-outage' || target.databaseOutage);
  // Kills cycle through the actor kinds in a seeded order, so every kind is killed early on.
  let killOrder: string[] = [];
  const nextActorKind = (): string => {
    if (killOrder.length === 0) killOrder = shuffled(random, actorKinds);
    return killOrder.shift()!;
  };
  const firstRound = shuffled(random, [...kinds.filter((k) => k !== 'kill-actor'), ...actorKinds.map(() => 'kill-actor' as const)]);
  const schedule: ScheduledFault[] = [];
  let atMs = between(random, GAP_MS.min, GAP_MS.max);
  let trips = 0;
  while (atMs < durationMs) {
    const kind = firstRound.shift() ?? pick(random, kinds);
    const fault = draw(kind, random, target, nextActorKind, kind === 'trip-reset' && trips++ === 0);
    schedule.push({ atMs, fault });
    atMs += episodeMs(fault) + between(random, GAP_MS.min, GAP_MS.max);
  }
  return schedule;
}
