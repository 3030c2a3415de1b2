/**
 * `bot4 db migrate` and `bot4 audit verify`: one-shot commands against the configured database,
 * DATABASE_URL or the embedded PGlite folder (opened here, on a private Unix socket, and closed again).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load.js';
import { verifyAuditChain } from '../persistence/audit.js';
import { describeError } from '../persistence/db-errors.js';
import { startEmbeddedDatabase } from '../persistence/embedded.js';
import { migrate, MigrationChecksumError, type MigrationReport, type TimescaleMode } from '../persistence/migrate.js';
import { packageRoot } from '../runtime/package-root.js';
import { AUDIT_HELP, DB_HELP } from './db-help.js';
import { UsageError } from './usage-error.js';

export interface Output {
  write(text: string): unknown;
}

interface Connection {
  pool: pg.Pool;
  /** Where it is, for the report, without a password. */
  where: string;
  close(): Promise<void>;
}

export async function runDb(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help' || sub === 'help') {
    out.write(DB_HELP);
    return 0;
  }
  if (sub !== 'migrate') throw new UsageError(sub === undefined ? 'missing subcommand (migrate)' : `unknown subcommand "${sub}" (known: migrate)`, 'db');
  const options = parse(rest, 'db', { timescale: { type: 'string' } });
  if (options.help) {
    out.write(DB_HELP);
    return 0;
  }
  const mode = options.timescale ?? 'auto';
  if (!['auto', 'off', 'require'].includes(mode)) throw new UsageError(`--timescale must be auto, off or require, got "${mode}"`, 'db');
  return withDatabase(options.config, 'db migrate', err, async (connection) => {
    try {
      const report = await migrate(connection.pool, { timescale: mode as TimescaleMode });
      out.write(formatReport(connection.where, report));
      return 0;
    } catch (error) {
      err.write(`bot4 db migrate: ${error instanceof MigrationChecksumError ? error.message : `migration failed: ${describeError(error)}`}\n`);
      return 1;
    }
  });
}

export async function runAudit(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '-h' || sub === '--help' || sub === 'help') {
    out.write(AUDIT_HELP);
    return 0;
  }
  if (sub !== 'verify') throw new UsageError(sub === undefined ? 'missing subcommand (verify)' : `unknown subcommand "${sub}" (known: verify)`, 'audit');
  const options = parse(rest, 'audit', {});
  if (options.help) {
    out.write(AUDIT_HELP);
    return 0;
  }
  return withDatabase(options.config, 'audit verify', err, async (connection) => {
    const result = await verifyAuditChain(connection.pool);
    if (result.ok) {
      out.write(`audit chain OK: ${result.rows} rows verified in ${connection.where}\nhead hash: ${result.headHash}\n`);
      return 0;
    }
    err.write(`bot4 audit verify: audit chain BROKEN at row id ${result.badRowId} (${result.rows} rows before it verified): ${result.reason}\n`);
    return 1;
  });
}

type ParsedOptions = { config?: string; help?: boolean; timescale?: string };

function parse(argv: readonly string[], command: string, extra: Record<string, { type: 'string' }>): ParsedOptions {
  try {
    const { values } = parseArgs({ args: [...argv], options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...extra }, strict: true, allowPositionals: false });
    return values;
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

async function withDatabase(configFile: string | undefined, command: string, err: Output, work: (connection: Connection) => Promise<number>): Promise<number> {
  let url: string | undefined;
  let dataDir: string;
  try {
    const { config } = loadConfig({ configFile });
    url = config.database.url;
    dataDir = isAbsolute(config.database.data_dir) ? config.database.data_dir : resolve(packageRoot(), config.database.data_dir);
  } catch (error) {
    if (error instanceof ConfigError) {
      err.write(`bot4 ${command}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let connection: Connection;
  try {
    connection = url ? external(url) : await embedded(dataDir);
  } catch (error) {
    err.write(`bot4 ${command}: ${describeError(error)}\n`);
    return 1;
  }
  try {
    return await work(connection);
  } catch (error) {
    err.write(`bot4 ${command}: ${describeError(error)} (database: ${connection.where})\n`);
    return 1;
  } finally {
    await connection.close();
  }
}

function external(url: string): Connection {
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined); // a dropped idle connection: the next query reports it
  return { pool, where: `DATABASE_URL ${withoutPassword(url)}`, close: () => pool.end() };
}

async function embedded(dataDir: string): Promise<Connection> {
  const socketDir = mkdtempSync(join(tmpdir(), 'bot4-db-'));
  try {
    const db = await startEmbeddedDatabase({ dataDir, socketDir });
    const pool = new pg.Pool(db.poolConfig);
    pool.on('error', () => undefined);
    return {
      pool,
      where: `embedded PGlite database ${dataDir}`,
      close: async () => {
        await pool.end();
        await db.stop();
        rmSync(socketDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(socketDir, { recursive: true, force: true });
    throw error;
  }
}

/** The URL for a report: the password (userinfo or `password=`) masked. Regexes, because pg accepts URLs WHATWG URL does not (`postgresql://u@/db?host=/run`). */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:)[^@/?#]*@/i, '$1***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}

export function formatReport(where: string, report: MigrationReport): string {
  const lines = [`database: ${where}`];
  if (report.applied.length === 0) lines.push(`schema up to date: ${report.alreadyApplied.length} migrations already applied, nothing to do`);
  else {
    lines.push(`applied ${report.applied.length} migration${report.applied.length === 1 ? '' : 's'}${report.alreadyApplied.length ? ` (${report.alreadyApplied.length} already applied)` : ''}:`);
    for (const m of report.applied) lines.push(`  ${m.file}  ${m.variant}  ${m.durationMs} ms  sha256 ${m.checksum.slice(0, 12)}…`);
  }
  const ts = report.timescale;
  lines.push(`timescaledb: ${ts.usable ? 'usable' : 'not usable'} (${ts.reason}); mode ${ts.mode}; time-series schema variant: ${ts.schemaVariant ?? 'none applied'}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}
