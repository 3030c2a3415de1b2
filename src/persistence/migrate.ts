import { join } from 'node:path';
import { packageRoot } from '../runtime/package-root.js';
import { withTransaction, type Queryable } from './db.js';
import { loadMigrationSteps, type MigrationFile, type MigrationStep, type MigrationVariant } from './migration-files.js';
import { detectTimescale, type TimescaleSupport } from './timescale-detect.js';

/** `auto` uses TimescaleDB where usable, `off` never does, `require` fails without it. */
export type TimescaleMode = 'auto' | 'off' | 'require';

export interface MigrateOptions {
  /** Folder of NNN_name.sql files; default `<package root>/sql`. */
  dir?: string;
  timescale?: TimescaleMode;
}

export interface AppliedMigration {
  version: number;
  file: string;
  variant: MigrationVariant;
  checksum: string;
  durationMs: number;
}

export interface MigrationReport {
  applied: AppliedMigration[];
  alreadyApplied: Array<Omit<AppliedMigration, 'durationMs'>>;
  timescale: TimescaleSupport & { mode: TimescaleMode; schemaVariant: 'plain' | 'timescale' | null };
  notes: string[];
}

/** An applied migration's file no longer matches what was applied; nothing is run until it is restored. */
export class MigrationChecksumError extends Error {
  constructor(
    readonly file: string,
    readonly appliedChecksum: string,
    readonly fileChecksum: string,
  ) {
    super(
      `migration ${file} was edited after it was applied: applied checksum ${appliedChecksum}, file checksum ${fileChecksum}. ` +
        'Restore the file and put the change in a new migration.',
    );
    this.name = 'MigrationChecksumError';
  }
}

interface AppliedRow {
  version: number;
  file: string;
  variant: MigrationVariant;
  checksum: string;
}

const CREATE_LEDGER = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  variant     text NOT NULL CHECK (variant IN ('all', 'plain', 'timescale')),
  file        text NOT NULL,
  checksum    text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now(),
  duration_ms integer NOT NULL
)`;

/**
 * Brings the database to the newest schema in `dir`: every pending step in version order, each in its
 * own transaction together with its schema_migrations row, so a failed step leaves no trace. Applied
 * steps are checked against their files first; an edited one stops everything (MigrationChecksumError).
 */
export async function migrate(db: Queryable, options: MigrateOptions = {}): Promise<MigrationReport> {
  const dir = options.dir ?? join(packageRoot(), 'sql');
  const mode = options.timescale ?? 'auto';
  if (!['auto', 'off', 'require'].includes(mode)) throw new Error(`migrate: timescale mode must be auto, off or require, got ${String(mode)}`);
  const steps = loadMigrationSteps(dir);

  await db.query(CREATE_LEDGER);
  const support = await detectTimescale(db);
  if (mode === 'require' && !support.usable) throw new Error(`migrate: TimescaleDB required but not usable: ${support.reason}`);
  const useTimescale = mode !== 'off' && support.usable;

  const applied = await readLedger(db);
  for (const row of applied.values()) checkUnchanged(row, steps, dir);

  const report: MigrationReport = {
    applied: [],
    alreadyApplied: [...applied.values()].map(({ version, file, variant, checksum }) => ({ version, file, variant, checksum })),
    timescale: { ...support, mode, schemaVariant: null },
    notes: [],
  };

  for (const step of steps) {
    if (applied.has(step.version)) continue;
    const file = chooseFile(step, useTimescale);
    const started = performance.now();
    const ranNow = await withTransaction(db, async (client) => {
      // a second migrator waits here and then sees the step as done
      await client.query('LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE');
      const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [step.version]);
      if (done.rowCount) return false;
      try {
        await client.query(file.sql);
      } catch (error) {
        throw new Error(`migration ${file.file} failed: ${(error as Error).message}`, { cause: error });
      }
      await client.query(
        'INSERT INTO schema_migrations (version, name, variant, file, checksum, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)',
        [step.version, step.name, file.variant, file.file, file.checksum, Math.round(performance.now() - started)],
      );
      return true;
    });
    if (ranNow) {
      report.applied.push({ version: step.version, file: file.file, variant: file.variant, checksum: file.checksum, durationMs: Math.round(performance.now() - started) });
    }
  }

  const variants = (await readLedger(db)).values();
  for (const row of variants) {
    if (row.variant === 'plain' || row.variant === 'timescale') report.timescale.schemaVariant = row.variant;
  }
  if (report.timescale.schemaVariant === 'plain' && useTimescale) {
    report.notes.push('TimescaleDB is usable now but the time-series step was applied as plain; converting needs a new migration.');
  }
  return report;
}

function chooseFile(step: MigrationStep, useTimescale: boolean): MigrationFile {
  const file = step.files.all ?? (useTimescale ? step.files.timescale : step.files.plain);
  if (!file) throw new Error(`migrations: version ${step.version} has no file for this backend`);
  return file;
}

function checkUnchanged(row: AppliedRow, steps: MigrationStep[], dir: string): void {
  const step = steps.find((candidate) => candidate.version === row.version);
  const file = step?.files[row.variant];
  if (!file) throw new Error(`migration ${row.file} (version ${row.version}) was applied but is missing from ${dir}`);
  if (file.file !== row.file) throw new Error(`migration version ${row.version} was applied from ${row.file} but the folder now has ${file.file}`);
  if (file.checksum !== row.checksum) throw new MigrationChecksumError(row.file, row.checksum, file.checksum);
}

async function readLedger(db: Queryable): Promise<Map<number, AppliedRow>> {
  const result = await db.query<AppliedRow>('SELECT version, file, variant, checksum FROM schema_migrations ORDER BY version');
  return new Map(result.rows.map((row) => [row.version, row]));
}
