import type { Queryable } from './db.js';

export interface TimescaleSupport {
  /** The extension can be created (or already is) in this database. */
  usable: boolean;
  /** Version offered by pg_available_extensions, if any. */
  availableVersion: string | null;
  /** Version already created in this database, if any. */
  installedVersion: string | null;
  /** Why it is (not) usable, for the migration report and logs. */
  reason: string;
}

/**
 * TimescaleDB needs two things: the extension files (pg_available_extensions) and the library in
 * shared_preload_libraries (CREATE EXTENSION fails without it). Both are checked so that a server with
 * the package installed but not preloaded falls back to the plain schema instead of failing mid-migration.
 */
export async function detectTimescale(db: Queryable): Promise<TimescaleSupport> {
  const available = await db.query<{ default_version: string | null; installed_version: string | null }>(
    `SELECT default_version, installed_version FROM pg_available_extensions WHERE name = 'timescaledb'`,
  );
  const row = available.rows[0];
  if (!row) {
    return { usable: false, availableVersion: null, installedVersion: null, reason: 'timescaledb is not in pg_available_extensions' };
  }
  if (row.installed_version) {
    return { usable: true, availableVersion: row.default_version, installedVersion: row.installed_version, reason: `timescaledb ${row.installed_version} is installed` };
  }
  const preload = await db.query<{ setting: string }>(`SELECT current_setting('shared_preload_libraries') AS setting`);
  const preloaded = (preload.rows[0]?.setting ?? '').split(',').some((lib) => lib.trim().replace(/"/g, '') === 'timescaledb');
  if (!preloaded) {
    return {
      usable: false,
      availableVersion: row.default_version,
      installedVersion: null,
      reason: `timescaledb ${row.default_version} is available but not in shared_preload_libraries`,
    };
  }
  return { usable: true, availableVersion: row.default_version, installedVersion: null, reason: `timescaledb ${row.default_version} is available and preloaded` };
}
