import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAdminServer } from '../../src/admin/server.js';
import { REDACTED } from '../../src/logging/redaction.js';
import { MemoryBackend } from '../admin/memory-backend.js';
import { cleanEnv, runCli } from './run-cli.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bot4-start-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const VALID_TREE = `
tree:
  name: root
  strategy: one_for_one
  children:
    - { name: probe, actor: echo }
`;

describe('bot4 start with an invalid configuration', () => {
  it('exits with code 2 and names each bad path', async () => {
    const bad = configFile('bad.yaml', `runtime:\n  heartbeat_ms: soon\n  seeds: 3\nadmin:\n  max_clients: 0\nlogging:\n  level: chatty\n${VALID_TREE}`);
    const { code, stdout, stderr } = await runCli(['start', '--config', bad], cleanEnv({ BOT4_ADMIN__IDLE_TIMEOUT_MS: 'never' }));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^bot4 start: invalid configuration/);
    expect(stderr).toMatch(/- runtime\.heartbeat_ms: .*expected number.* \(from .*bad\.yaml\)/);
    expect(stderr).toMatch(/- runtime\.seeds: unknown key/);
    expect(stderr).toMatch(/- admin\.max_clients: /);
    expect(stderr).toMatch(/- logging\.level: /);
    expect(stderr).toMatch(/- admin\.idle_timeout_ms: .* \(from BOT4_ADMIN__IDLE_TIMEOUT_MS\)/);
  });

  it('refuses a secret written in the YAML without repeating it', async () => {
    const leaky = configFile('leaky.yaml', `venues:\n  paper:\n    api_key: LEAKED-KEY-123\n${VALID_TREE}`);
    const { code, stderr } = await runCli(['start', '--config', leaky]);
    expect(code).toBe(2);
    expect(stderr).toContain('- venues.paper.api_key: secrets may not be written in a config file; set BOT4_VENUES__PAPER__API_KEY or name a file with api_key_file');
    expect(stderr).not.toContain('LEAKED-KEY-123');
  });

  it('exits with code 2 on unknown options', async () => {
    const { code, stderr } = await runCli(['start', '--confg', 'x.yaml']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^bot4 start: .*--confg.*\nsee: bot4 start --help\n$/s);
  });
});

describe('bot4 start when another instance holds the socket', () => {
  it('is refused with a clear message naming the socket and pid, and logs no secret', async () => {
    const socketPath = join(dir, 'run', 'bot4.sock');
    const holder = await startAdminServer({ socketPath, backend: new MemoryBackend(), maxLineBytes: 4096, idleTimeoutMs: 30_000, maxClients: 4, subscriberBacklogBytes: 65536 });
    try {
      const logDir = join(dir, 'logs');
      const file = configFile('second.yaml', `admin:\n  socket_path: ${socketPath}\nlogging:\n  dir: ${logDir}\n${VALID_TREE}`);
      const env = cleanEnv({ BOT4_VENUES__PAPER__API_KEY: 'ENV-KEY-abcdef', BOT4_VENUES__PAPER__SECRET: 'ENV-SECRET-987654', DATABASE_URL: 'postgres://bot:dbpass-4321@127.0.0.1:5432/bot4' });
      const { code, stdout, stderr } = await runCli(['start', '--config', file], env);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(`bot4 start: another bot4 is running on ${socketPath} (pid ${process.pid}); stop it first or choose another admin.socket_path\n`);

      // the configuration was logged whole before the refusal: every secret is redacted
      const [logFile] = readdirSync(logDir);
      const text = readFileSync(join(logDir, logFile!), 'utf8');
      expect(text).toContain('configuration loaded');
      for (const secret of ['ENV-KEY-abcdef', 'ENV-SECRET-987654', 'dbpass-4321']) expect(text).not.toContain(secret);
      expect(text).toContain(REDACTED);
    } finally {
      await holder.close();
    }
  });
});
