import { runPostgresTool } from '../../src/persistence/postgres-tool.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp folder, served only on a Unix socket in
 * that folder (no TCP port to collide with), stopped and removed by `destroy`. initdb refuses to run as
 * root, so as root the cluster belongs to the `postgres` OS user and its commands run through runuser.
 */
export interface TestPostgres {
  connectionString: string;
  version: string;
  bindir: string;
  /** Stop the server (fast shutdown: open connections are terminated). */
  stop(): Promise<void>;
  /** Start it again on the same socket. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export interface PostgresAvailability {
  bindir: string | null;
  /** Why tests must skip, when bindir is null. */
  reason: string;
}

export function findPostgres(): PostgresAvailability {
  const candidates: string[] = [];
  const fromPgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromPgConfig.status === 0) candidates.push(fromPgConfig.stdout.trim());
  candidates.push('/usr/lib/postgresql/15/bin', '/usr/local/pgsql/bin');
  const bindir = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'postgres')));
  if (!bindir) return { bindir: null, reason: `no PostgreSQL server binaries (initdb, pg_ctl, postgres) in ${candidates.join(', ')}` };
  if (userInfo().uid === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return { bindir: null, reason: 'running as root and there is no postgres OS user to own the cluster (initdb refuses root)' };
  }
  return { bindir, reason: `PostgreSQL binaries in ${bindir}` };
}

export async function startTestPostgres(bindir: string): Promise<TestPostgres> {
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'bot4-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = 5432;
  if (asRoot) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const run = (tool: string, args: string[]): string => runPostgresTool(bindir, tool, args);
  const start = async (): Promise<void> => {
    // no TCP; fsync off because the cluster is thrown away (this says nothing about production settings)
    run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses='' -c fsync=off -c full_page_writes=off`, 'start']);
  };
  const stop = async (): Promise<void> => {
    run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  };
  try {
    run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await start();
    run('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-qAt', '-c', 'CREATE DATABASE bot4_test']);
  } catch (error) {
    spawnSync(asRoot ? 'runuser' : join(bindir, 'pg_ctl'), asRoot ? ['-u', 'postgres', '--', join(bindir, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop'] : ['-D', dataDir, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const version = run('postgres', ['--version']).trim();
  let destroyed = false;
  return {
    connectionString: `postgresql://postgres@/bot4_test?host=${dir}&port=${port}`,
    version,
    bindir,
    stop,
    start,
    async destroy(): Promise<void> {
      if (destroyed) return;
      destroyed = true;
      try {
        if (existsSync(join(dataDir, 'postmaster.pid'))) run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}
