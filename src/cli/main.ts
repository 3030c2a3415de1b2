/**
 * The `bot4` command. Each subcommand's module is imported only when used, so `bot4 ctl`
 * starts fast and does not load the actor runtime, and a bad config is reported before
 * anything heavy loads.
 */
import { BENCH_HELP } from './bench-help.js';
import { AUDIT_HELP, DB_HELP } from './db-help.js';
import { CTL_HELP, MAIN_HELP, SOAK_HELP, START_HELP, VENUE_HELP } from './help.js';
import { UsageError } from './usage-error.js';

const HELP_BY_COMMAND: Record<string, string> = { start: START_HELP, ctl: CTL_HELP, venue: VENUE_HELP, soak: SOAK_HELP, bench: BENCH_HELP, db: DB_HELP, audit: AUDIT_HELP };

async function main(argv: readonly string[]): Promise<{ code: number; exitNow: boolean }> {
  const [command, ...rest] = argv;
  switch (command) {
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(rest[0] && HELP_BY_COMMAND[rest[0]] ? HELP_BY_COMMAND[rest[0]]! : MAIN_HELP);
      return { code: 0, exitNow: false };
    case undefined:
      process.stderr.write(MAIN_HELP);
      return { code: 2, exitNow: false };
    case 'start': {
      const { runStart } = await import('./start.js');
      // Worker threads, sockets and timers may still hold the loop after shutdown; the exit is explicit.
      return { code: await runStart(rest), exitNow: true };
    }
    case 'ctl': {
      const { runCtl } = await import('./ctl.js');
      return { code: await runCtl(rest), exitNow: false };
    }
    case 'venue': {
      const { runVenue } = await import('./venue.js');
      return { code: await runVenue(rest), exitNow: true };
    }
    case 'soak': {
      const { runSoak } = await import('./soak.js');
      // the child processes are gone, but a pg or fetch socket must not hold the exit
      return { code: await runSoak(rest), exitNow: true };
    }
    case 'bench': {
      const { runBenchCommand } = await import('./bench.js');
      // suites' workers and pools are closed, but a timer left by a library must not hold the exit
      return { code: await runBenchCommand(rest), exitNow: true };
    }
    case 'db': {
      const { runDb } = await import('./db.js');
      return { code: await runDb(rest), exitNow: false };
    }
    case 'audit': {
      const { runAudit } = await import('./db.js');
      return { code: await runAudit(rest), exitNow: false };
    }
    default:
      throw new UsageError(`unknown command "${command}"`, '');
  }
}

main(process.argv.slice(2)).then(
  ({ code, exitNow }) => {
    if (exitNow) process.exit(code);
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`bot4${err.command ? ` ${err.command}` : ''}: ${err.message}\nsee: bot4 ${err.command ? `${err.command} ` : ''}--help\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`bot4: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
