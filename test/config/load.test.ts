import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';

let base: string;

const DEFAULTS = `
runtime:
  seed: 1
  heartbeat_ms: 1000
admin:
  socket_path: run/bot4.sock
  max_clients: 32
logging:
  level: info
tree:
  name: root
  strategy: one_for_one
  children:
    - { name: probe, actor: echo }
`;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'bot4-config-'));
  mkdirSync(join(base, 'config'));
  writeFileSync(join(base, 'config', 'default.yaml'), DEFAULTS);
});

afterEach(() => rmSync(base, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(base, name);
  writeFileSync(file, text);
  return file;
}

function load(configFile?: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfig({ baseDir: base, configFile, env });
}

function issuesOf(fn: () => unknown): { path: string; message: string; source?: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig layering', () => {
  it('layers default.yaml <- --config file <- environment, and fills schema defaults', () => {
    const file = write('paper.yaml', 'runtime:\n  seed: 7\n  heartbeat_ms: 250\nadmin:\n  max_clients: 8\n');
    const { config, files } = load(file, { BOT4_RUNTIME__SEED: '99', BOT4_ADMIN__IDLE_TIMEOUT_MS: '1500' });
    expect(files).toEqual([join(base, 'config', 'default.yaml'), file]);
    expect(config.runtime.seed).toBe(99); // env beats file beats default
    expect(config.runtime.heartbeat_ms).toBe(250); // file beats default
    expect(config.admin.max_clients).toBe(8);
    expect(config.admin.idle_timeout_ms).toBe(1500);
    expect(config.logging.level).toBe('info'); // default file
    expect(config.runtime.exit_policy.cancel_open_orders).toBe(true); // schema default
    expect(config.runtime.shutdown_deadline_ms).toBe(15_000);
    expect(config.tree).toMatchObject({ type: 'supervisor', path: 'root', strategy: 'one_for_one', children: [{ type: 'actor', path: 'root/probe', kind: 'echo' }] });
  });

  it('coerces environment values by the type the schema expects', () => {
    const { config } = load(undefined, {
      BOT4_RUNTIME__EXIT_POLICY__CANCEL_OPEN_ORDERS: 'false',
      BOT4_ADMIN__MAX_LINE_BYTES: '2048',
      BOT4_ADMIN__SOCKET_PATH: '/tmp/0123.sock',
      BOT4_LOGGING__LEVEL: 'debug',
      BOT4_VENUES__PAPER__TESTNET: 'true',
      BOT4_VENUES__PAPER__RATE_LIMIT: '20',
      BOT4_VENUES__PAPER__API_KEY: '000123',
      BOT4_OUT: '.build/admin',
    });
    expect(config.runtime.exit_policy.cancel_open_orders).toBe(false);
    expect(config.admin.max_line_bytes).toBe(2048);
    expect(config.admin.socket_path).toBe('/tmp/0123.sock');
    expect(config.logging.level).toBe('debug');
    expect(config.venues.paper).toEqual({ testnet: true, rate_limit: 20, api_key: '000123' });
  });

  it('resolves relative paths against the base directory and freezes the result', () => {
    const { config } = load();
    expect(config.admin.socket_path).toBe(join(base, 'run', 'bot4.sock'));
    expect(config.logging.dir).toBe(join(base, 'logs'));
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.admin)).toBe(true);
    expect(Object.isFrozen(config.runtime.exit_policy)).toBe(true);
  });
});

describe('loadConfig errors', () => {
  it('names every bad path, why, and where it came from', () => {
    writeFileSync(join(base, 'config', 'default.yaml'), DEFAULTS.replace(/tree:[\s\S]*$/, ''));
    const file = write('bad.yaml', 'runtime:\n  heartbeat: 5\n  shutdown_deadline_ms: -1\nlogging:\n  level: loud\nadmin:\n  max_line_bytes: "big"\nvenus: {}\n');
    const issues = issuesOf(() => load(file, { BOT4_ADMIN__MAX_CLIENTS: 'many' }));
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    expect(Object.keys(byPath).sort()).toEqual(
      ['admin.max_clients', 'admin.max_line_bytes', 'logging.level', 'runtime.heartbeat', 'runtime.shutdown_deadline_ms', 'tree', 'venus'].sort(),
    );
    expect(byPath['admin.max_clients']).toMatchObject({ source: 'BOT4_ADMIN__MAX_CLIENTS', message: expect.stringContaining('expected number') });
    expect(byPath['logging.level']).toMatchObject({ source: file, message: expect.stringContaining('"info"') });
    expect(byPath['runtime.heartbeat']).toMatchObject({ message: 'unknown key' });
    expect(byPath['runtime.shutdown_deadline_ms']!.message).toMatch(/>0|positive|too small/i);
    expect(byPath['venus']).toMatchObject({ message: 'unknown key', source: file });
  });

  it('reports supervision tree problems at their paths under tree, with the other problems', () => {
    const file = write('tree.yaml', 'tree:\n  name: root\n  strategy: one_for_one\n  children:\n    - { name: probe, actor: echo, restart: sometimes }\nlogging:\n  level: loud\n');
    const issues = issuesOf(() => load(file));
    expect(issues.map((i) => i.path).sort()).toEqual(['logging.level', 'tree.children[0].restart']);
    expect(issues.find((i) => i.path === 'tree.children[0].restart')).toMatchObject({ source: file });
  });

  it('puts every problem in the error message', () => {
    const file = write('bad.yaml', 'logging:\n  level: loud\nadmin:\n  max_clients: 0\n');
    expect(() => load(file)).toThrow(/^invalid configuration \(2 problems\):\n {2}- admin\.max_clients: .*\n {2}- logging\.level: /);
  });

  it('reports unreadable and malformed files', () => {
    expect(issuesOf(() => load(join(base, 'missing.yaml')))).toEqual([{ path: join(base, 'missing.yaml'), message: expect.stringContaining('cannot read config file') }]);
    const broken = write('broken.yaml', 'admin:\n  socket_path: [unclosed\n');
    expect(issuesOf(() => load(broken))[0]).toMatchObject({ path: broken, message: expect.stringMatching(/^YAML: /) });
    const list = write('list.yaml', '- a\n- b\n');
    expect(issuesOf(() => load(list))[0]).toMatchObject({ path: list, message: expect.stringContaining('must be a mapping') });
  });

  it('refuses secrets written in YAML, naming the environment variable to use instead', () => {
    const file = write(
      'secret.yaml',
      'venues:\n  binance:\n    api_key: AKIA-LEAKED\n    secret: s3cr3t\n  alerts:\n    webhook: https://user:hunter2@example.com/hook\ndatabase:\n  url: postgres://bot:pw@db/bot4\n',
    );
    const issues = issuesOf(() => load(file));
    expect(issues.map((i) => i.path).sort()).toEqual(['database.url', 'venues.alerts.webhook', 'venues.binance.api_key', 'venues.binance.secret']);
    expect(issues.find((i) => i.path === 'venues.binance.api_key')!.message).toContain('set BOT4_VENUES__BINANCE__API_KEY or name a file with api_key_file');
    expect(issues.find((i) => i.path === 'database.url')!.message).toContain('DATABASE_URL');
    // the error never repeats the secret it refuses
    const text = issues.map((i) => `${i.path} ${i.message}`).join('\n');
    for (const secret of ['AKIA-LEAKED', 's3cr3t', 'pw@db', 'hunter2']) expect(text).not.toContain(secret);
  });
});

describe('loadConfig secrets', () => {
  it('reads secrets from the environment and from *_file entries and reports their values for scrubbing', () => {
    const keyFile = write('binance.key', 'key-from-file-123\n');
    const file = write('live.yaml', `venues:\n  binance:\n    api_key_file: ${keyFile}\n    rate_limit: 10\n`);
    const { config, secrets } = load(file, { BOT4_VENUES__BINANCE__SECRET: 'env-secret-456', DATABASE_URL: 'postgres://bot:db%21pass@localhost:5432/bot4' });
    expect(config.venues.binance).toEqual({ api_key: 'key-from-file-123', rate_limit: 10, secret: 'env-secret-456' });
    expect(config.database.url).toBe('postgres://bot:db%21pass@localhost:5432/bot4');
    expect(secrets).toEqual(expect.arrayContaining(['key-from-file-123', 'env-secret-456', 'db%21pass', 'db!pass']));
  });

  it('names a secret file that cannot be read, and a secret set twice', () => {
    const file = write('live.yaml', 'venues:\n  binance:\n    api_key_file: nowhere.key\n  kraken:\n    secret_file: nowhere.key\n');
    const issues = issuesOf(() => load(file, { BOT4_VENUES__KRAKEN__SECRET: 'abcdef' }));
    expect(issues).toEqual([
      { path: 'venues.binance.api_key_file', message: expect.stringContaining(`cannot read secret file ${join(base, 'nowhere.key')}`), source: file },
      { path: 'venues.kraken.secret_file', message: 'both secret and secret_file are set; keep one', source: 'BOT4_VENUES__KRAKEN__SECRET' },
    ]);
  });
});
