/**
 * Runs one PostgreSQL server tool (initdb, pg_ctl, psql) of `bindir`, as the `postgres` OS user
 * when this process is root (initdb and the server refuse root). Used by the soak's throwaway
 * cluster and the test suite's; a failure names the tool, its arguments and what it printed.
 */
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export function runPostgresTool(bindir: string, tool: string, args: string[]): string {
  const path = join(bindir, tool);
  const [command, fullArgs] = userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  try {
    return execFileSync(command, fullArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${failure.stderr || failure.message}`, { cause: error });
  }
}
