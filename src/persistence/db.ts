import pg from 'pg';

/** Anything `pg` can run a query on: a pool, a pooled client or a standalone client. */
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/**
 * Runs `work` inside BEGIN/COMMIT on one connection (a pool lends one for the duration), rolling back
 * on any error. A pool is needed to get a dedicated connection; a client is used as is, so the caller
 * must not already have a transaction open on it.
 */
export async function withTransaction<T>(db: Queryable, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  const client = db instanceof pg.Pool ? await db.connect() : db;
  let broken: Error | undefined;
  // a checked-out pooled client has no 'error' listener, and a socket dying under it (server stopped)
  // would otherwise be an uncaught exception; the failing query reports the error to the caller
  const onSocketError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onSocketError);
  try {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        // the connection itself is gone; a pooled client must then be discarded, not reused
        broken ??= rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    }
  } finally {
    client.off('error', onSocketError);
    if (db instanceof pg.Pool) (client as pg.PoolClient).release(broken);
  }
}

/** The last second usToTimestamp formatted: a recorder's timestamps come in runs within one second. */
let cachedSecond = Number.NaN;
let cachedSecondText = '';

/** Microseconds since the epoch as an exact ISO-8601 UTC text PostgreSQL reads into timestamptz. */
export function usToTimestamp(us: number): string {
  if (!Number.isFinite(us)) throw new RangeError(`timestamp: expected finite microseconds since epoch, got ${us}`);
  const whole = Math.round(us);
  const second = Math.floor(whole / 1_000_000);
  const micro = whole - second * 1_000_000;
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
    if (iso.length !== 24) throw new RangeError(`timestamp: ${us} µs is outside years 0000-9999`);
    cachedSecond = second;
    cachedSecondText = iso.slice(0, 20);
  }
  return `${cachedSecondText}${String(micro).padStart(6, '0')}Z`;
}

/** SQL expression that renders a timestamptz column as the same text `usToTimestamp` produces. */
export function timestampText(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** Reads the microsecond epoch of a timestamptz column exactly (as a decimal text, parsed here). */
export function timestampUs(column: string): string {
  return `(extract(epoch from ${column}) * 1000000)::bigint::text`;
}

/** bigint columns arrive as text; the runtime's ids are JS numbers, so anything unsafe is an error. */
export function toSafeInteger(value: unknown, what: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what}: ${String(value)} is not a safe integer`);
  return n;
}
