import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';

/** Every bad input to `bot4 soak` exits 2 naming it, through the real CLI, before anything starts. */
const dir = mkdtempSync(join(tmpdir(), 'bot4-soak-cli-'));
const noVenues = join(dir, 'no-venues.yaml');
writeFileSync(noVenues, 'tree:\n  name: root\n  children:\n    - { name: risk, actor: risk }\n');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bot4 soak: bad input exits 2 and names it', () => {
  it.each([
    [['--minutes', '1', '--seed', '1', '--hours', '2'], "Unknown option '--hours'"],
    [['--minutes', '-1', '--seed', '1'], '--minutes: must be a positive number of minutes, got "-1"'],
    [['--minutes', '0', '--seed', '1'], '--minutes: must be a positive number of minutes, got "0"'],
    [['--minutes', 'ten', '--seed', '1'], '--minutes: must be a positive number of minutes, got "ten"'],
    [['--seed', '1'], '--minutes is required'],
    [['--minutes', '1'], '--seed is required'],
    [['--minutes', '1', '--seed', '-3'], '--seed: must be an integer from 0 to 4294967295, got "-3"'],
    [['--minutes', '1', '--seed', '1.5'], '--seed: must be an integer from 0 to 4294967295, got "1.5"'],
    [['--minutes', '1', '--seed', 'abc'], '--seed: must be an integer from 0 to 4294967295, got "abc"'],
    [['--minutes', '1', '--seed', '4294967296'], '--seed: must be an integer from 0 to 4294967295, got "4294967296"'],
    [['--minutes', '1', '--seed', '1', '--config', '/nonexistent/paper.yaml'], '--config: no such file /nonexistent/paper.yaml'],
    [['--minutes', '1', '--seed', '1', '--config', noVenues], 'no venue-sim actor'],
    [['--minutes', '1', '--seed', '1', '--database', 'mysql'], '--database: must be pglite or postgres, got "mysql"'],
  ])('bot4 soak %j', async (args, message) => {
    const result = await runCli(['soak', ...args]);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('bot4 soak: ');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  }, 120_000);

  it('--help prints the usage and exits 0; bot4 --help lists soak', async () => {
    const help = await runCli(['soak', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: bot4 soak --minutes N --seed S');
    const main = await runCli(['--help']);
    expect(main.stdout).toMatch(/^ {2}soak --minutes N --seed S/m);
  }, 120_000);
});
