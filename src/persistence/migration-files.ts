import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from './hash.js';

/** `plain` and `timescale` are two spellings of one version; exactly one of them is applied. */
export type MigrationVariant = 'all' | 'plain' | 'timescale';

export interface MigrationFile {
  version: number;
  name: string;
  variant: MigrationVariant;
  file: string;
  sql: string;
  /** sha256 of the file's bytes, hex. */
  checksum: string;
}

/** One version of the schema: either one file for every backend, or a plain and a timescale file. */
export interface MigrationStep {
  version: number;
  name: string;
  files: Partial<Record<MigrationVariant, MigrationFile>>;
}

const FILE_NAME = /^(\d{3,})_([a-z0-9_]+?)(?:\.(plain|timescale))?\.sql$/;

/** Reads sql/ into ordered steps, refusing names it cannot order and half-specified variants. */
export function loadMigrationSteps(dir: string): MigrationStep[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    throw new Error(`migrations: cannot read folder ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const steps = new Map<number, MigrationStep>();
  for (const file of entries.filter((entry) => entry.endsWith('.sql')).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`migrations: ${file} in ${dir} is not named NNN_name.sql or NNN_name.(plain|timescale).sql`);
    const version = Number(match[1]);
    const name = match[2] as string;
    const variant = (match[3] ?? 'all') as MigrationVariant;
    const bytes = readFileSync(join(dir, file));
    const migration: MigrationFile = { version, name, variant, file, sql: bytes.toString('utf8'), checksum: sha256Hex(bytes) };
    const step = steps.get(version) ?? { version, name, files: {} };
    if (step.name !== name) throw new Error(`migrations: version ${version} is used by two names (${step.name}, ${name}); ${file} must be renumbered`);
    if (step.files[variant]) throw new Error(`migrations: ${file} duplicates ${step.files[variant]?.file}`);
    step.files[variant] = migration;
    steps.set(version, step);
  }
  const ordered = [...steps.values()].sort((a, b) => a.version - b.version);
  for (const step of ordered) {
    const { all, plain, timescale } = step.files;
    if (all && (plain || timescale)) throw new Error(`migrations: version ${step.version} has both a common file and variants; keep one form`);
    if (!all && !(plain && timescale)) {
      const present = (plain ?? timescale) as MigrationFile;
      throw new Error(`migrations: ${present.file} has no ${plain ? 'timescale' : 'plain'} counterpart; a variant step needs both`);
    }
  }
  return ordered;
}
