/**
 * What a strategy keeps across restarts, in one small JSON file per strategy:
 *
 * - `reservedIntentId`: the highest intent id this strategy may have used. Ids are reserved in
 *   blocks and the file is written before the first id of a new block leaves, so a restart
 *   starting after `reservedIntentId` can never repeat an id (client order ids derive from
 *   them; a repeat would collide at the venue). Unused ids of a block are skipped.
 * - its positions and quote balances (its allocation, moved by its own fills), and the keys of
 *   its latest fills: a fill frame being handled when the actor died is delivered again after
 *   the restart (at-least-once), and must not move the position twice. These hold for the
 *   process (`session`) that wrote them: after an actor restart they continue; a new process
 *   starts from the configured allocation, as risk's ledger starts flat and the paper venues
 *   start with fresh accounts (rebuilding positions from the venue is not done yet).
 *
 * Written atomically (temp file, fsync, rename, fsync of the folder), like the kill switch's
 * latch: a crash leaves the old or the new file, never a torn one.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../src/runtime/atomic-file.js';
import { z } from 'zod';

/** Fill keys kept in the file: only the frame in flight at a crash can come again. */
export const PERSISTED_FILL_KEYS = 64;

const stateSchema = z.strictObject({
  version: z.literal(1),
  strategyId: z.number().int().min(0),
  kind: z.string(),
  reservedIntentId: z.number().int().min(0),
  positions: z.array(z.strictObject({ venue: z.number().int().min(0), instrument: z.number().int().min(0), qty: z.number(), avgPrice: z.number().min(0) })),
  quote: z.array(z.strictObject({ venue: z.number().int().min(0), balance: z.number() })),
  recentFills: z.array(z.string()).max(PERSISTED_FILL_KEYS),
  session: z.strictObject({ pid: z.number().int(), startedAtMs: z.number() }),
  savedAtMs: z.number(),
});

export type StrategyState = z.output<typeof stateSchema>;

export type StrategyStateLoad = { kind: 'missing' } | { kind: 'loaded'; state: StrategyState };

/**
 * Reads the file. Missing is a first start; anything unreadable or invalid throws, naming the
 * file and the problem: without a trustworthy counter the strategy must not trade (its ids could
 * repeat), so the actor refuses to start until an operator looks.
 */
export function loadStrategyState(file: string, strategyId: number): StrategyStateLoad {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw new Error(`strategy state ${file}: cannot read it: ${(error as Error).message}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`strategy state ${file} is not valid JSON (${(error as Error).message}); refusing to start: its intent counter is unknown`, { cause: error });
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`strategy state ${file} is invalid (${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}); refusing to start: its intent counter is unknown`);
  }
  if (parsed.data.strategyId !== strategyId) {
    throw new Error(`strategy state ${file} belongs to strategy ${parsed.data.strategyId}, not ${strategyId}: give each strategy its own state_file`);
  }
  return { kind: 'loaded', state: parsed.data };
}

export function saveStrategyState(file: string, state: StrategyState): void {
  writeFileAtomic(file, `${JSON.stringify(state)}\n`);
}

export interface ProcessSession {
  pid: number;
  startedAtMs: number;
}

/** This process: its pid and start time (the same on every worker thread of it); `nowMs` is the actor clock's now. */
export function currentSession(nowMs: number): ProcessSession {
  return { pid: process.pid, startedAtMs: Math.round(nowMs - process.uptime() * 1000) };
}

/** The start time is derived from two clocks read at different moments: allow for the jitter. */
export const sameSession = (a: ProcessSession, b: ProcessSession): boolean => a.pid === b.pid && Math.abs(a.startedAtMs - b.startedAtMs) < 5_000;
