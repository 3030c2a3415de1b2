import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/runtime/package-root.js';

/**
 * .ci/run must install a PostgreSQL server when there is none, so the real-PostgreSQL suites run in CI.
 * The scripts run for real, with stand-ins for apt-get and npm (a PATH holding only those and the few
 * tools the scripts use), which record how they were called.
 */
const root = packageRoot();
const work = mkdtempSync(join(tmpdir(), 'bot4-ci-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function sandbox(name: string, options: { pgConfigBindir?: string; aptFails?: boolean; lintFails?: boolean; missingTools?: readonly string[] }) {
  const bin = join(work, name, 'bin');
  mkdirSync(bin, { recursive: true });
  const log = join(work, name, 'calls.log');
  writeFileSync(log, '');
  for (const tool of ['bash', 'id', 'dirname']) symlinkSync(spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(), join(bin, tool));
  const stub = (tool: string, body: string) => {
    writeFileSync(join(bin, tool), `#!/bin/bash\necho "${tool} $*" >> ${log}\n${body}\n`);
    chmodSync(join(bin, tool), 0o755);
  };
  stub('apt-get', options.aptFails ? 'exit 100' : 'exit 0');
  stub('sudo', '"$@"');
  stub('npm', options.lintFails ? '[ "$1 $2" = "run lint" ] && exit 1; exit 0' : 'exit 0');
  if (options.pgConfigBindir) stub('pg_config', `echo ${options.pgConfigBindir}`);
  // nats-server and chromium are present unless a test says otherwise: what this machine has installed
  // must not decide what the scripts are seen to do.
  for (const tool of ['nats-server', 'chromium']) if (!options.missingTools?.includes(tool)) stub(tool, 'exit 0');
  const env = { PATH: bin, BOT4_CI_SBIN: join(work, name, 'sbin') };
  const run = (script: string) => spawnSync('/bin/bash', [join(root, '.ci', script)], { encoding: 'utf8', env });
  return { run, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

describe('.ci/run and .ci/ensure-postgres', () => {
  it('without pg_config: installs postgresql-15, then npm ci, then the linter, then npm test', () => {
    const box = sandbox('missing', {});
    const result = box.run('run');
    expect(result.status, result.stderr).toBe(0);
    expect(box.calls()).toEqual(['apt-get update', 'apt-get install -y postgresql-15', 'npm ci', 'npm run lint', 'npm test']);
    expect(result.stdout).toMatch(/installing Debian's postgresql-15/);
  });

  it('pg_config without a server (libpq-dev only) also installs; pg_config with initdb installs nothing', () => {
    const noServer = join(work, 'empty-bindir');
    mkdirSync(noServer, { recursive: true });
    const clientOnly = sandbox('client-only', { pgConfigBindir: noServer });
    expect(clientOnly.run('ensure-postgres').status).toBe(0);
    expect(clientOnly.calls()).toEqual(['pg_config --bindir', 'apt-get update', 'apt-get install -y postgresql-15']);

    const serverDir = join(work, 'server-bindir');
    mkdirSync(serverDir, { recursive: true });
    writeFileSync(join(serverDir, 'initdb'), '#!/bin/sh\n');
    chmodSync(join(serverDir, 'initdb'), 0o755);
    const present = sandbox('present', { pgConfigBindir: serverDir });
    const result = present.run('run');
    expect(result.status).toBe(0);
    expect(present.calls().filter((c) => !c.startsWith('pg_config'))).toEqual(['npm ci', 'npm run lint', 'npm test']);
  });

  it('.ci/ensure-tools installs only the missing ones of nats-server and chromium', () => {
    const both = sandbox('tools-missing', { missingTools: ['nats-server', 'chromium'] });
    const result = both.run('ensure-tools');
    expect(result.status, result.stderr).toBe(0);
    expect(both.calls()).toEqual(['apt-get update', 'apt-get install -y nats-server chromium']);

    const oneMissing = sandbox('chromium-missing', { missingTools: ['chromium'] });
    expect(oneMissing.run('ensure-tools').status).toBe(0);
    expect(oneMissing.calls()).toEqual(['apt-get update', 'apt-get install -y chromium']);

    const none = sandbox('tools-present', {});
    const quiet = none.run('ensure-tools');
    expect(quiet.status).toBe(0);
    expect(none.calls()).toEqual([]);
    expect(quiet.stdout).toMatch(/nats-server and chromium found/);
  });

  it('a lint finding fails the CI run before the tests', () => {
    const box = sandbox('lint-fails', { lintFails: true });
    const result = box.run('run');
    expect(result.status).not.toBe(0);
    expect(box.calls().filter((c) => c.startsWith('npm'))).toEqual(['npm ci', 'npm run lint']);
  });

  it('a failed install fails the CI run before the tests', () => {
    const box = sandbox('apt-fails', { aptFails: true });
    const result = box.run('run');
    expect(result.status).not.toBe(0);
    expect(box.calls()).toEqual(['apt-get update']);
  });
});
