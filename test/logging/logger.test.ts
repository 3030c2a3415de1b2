import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actorLogger, createLogging } from '../../src/logging/logger.js';
import { REDACTED } from '../../src/logging/redaction.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bot4-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function readLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const SECRETS = ['AKIA-LIVE-KEY-0001', 'very-secret-value-42', 'hunter2hunter2', 'pg-pass-9876', 'env-only-secret-77'];

describe('logger secrets', () => {
  it('keeps API keys, secrets and passwords out of every line written to the log file', async () => {
    const logging = await createLogging({ level: 'debug', dir, console: 'off', secrets: ['env-only-secret-77'] });
    const config = {
      venues: { binance: { api_key: 'AKIA-LIVE-KEY-0001', secret: 'very-secret-value-42', rate_limit: 10 } },
      database: { url: 'postgres://bot:pg-pass-9876@db.internal:5432/bot4' },
    };
    logging.logger.info({ config }, 'configuration loaded');
    const err = Object.assign(new Error('login rejected for key env-only-secret-77'), { password: 'hunter2hunter2', request: { headers: { authorization: 'Bearer env-only-secret-77' } } });
    logging.logger.error({ err }, 'venue login failed');
    logging.logger.warn(`connecting to postgres://bot:pg-pass-9876@db.internal:5432/bot4`);
    actorLogger(logging.logger, 'root/safety/risk', 'risk').info({ apiKey: 'AKIA-LIVE-KEY-0001' }, 'risk started');
    const file = logging.file;
    await logging.close();

    const text = readFileSync(file, 'utf8');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const lines = readLines(file);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ msg: 'configuration loaded', config: { venues: { binance: { api_key: REDACTED, secret: REDACTED, rate_limit: 10 } } } });
    expect((lines[0]!.config as { database: { url: string } }).database.url).toBe(`postgres://bot:${REDACTED}@db.internal:5432/bot4`);
    expect(lines[1]).toMatchObject({ msg: 'venue login failed', err: { message: `login rejected for key ${REDACTED}`, password: REDACTED } });
    expect(lines[3]).toMatchObject({ path: 'root/safety/risk', actor: 'risk', apiKey: REDACTED });
  });

  it('carries lines from an actor thread, with its tree path, even when the thread exits right after logging', async () => {
    const logging = await createLogging({ level: 'debug', dir, console: 'off', secrets: ['worker-secret-123'] });
    const port = logging.workerLogPort();
    const worker = new Worker(new URL('../fixtures/log-worker.js', import.meta.url), { workerData: { port, secret: 'worker-secret-123' }, transferList: [port] });
    const exitCode = await new Promise<number>((resolve) => worker.once('exit', resolve));
    expect(exitCode).toBe(3);
    // the lines were posted before the exit; let the main thread's queue deliver them
    await new Promise((r) => setImmediate(r));
    const file = logging.file;
    await logging.close();

    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('worker-secret-123');
    const lines = readLines(file);
    expect(lines.map((l) => l.msg)).toEqual(['connected', `retrying with key ${REDACTED}`, 'login failed']);
    for (const line of lines) expect(line).toMatchObject({ path: 'root/venues/paper/exchange', actor: 'exchange', pid: process.pid });
    expect(lines[0]).toMatchObject({ venue: { api_key: REDACTED, rate_limit: 5 } });
    expect(typeof lines[0]!.threadId).toBe('number');
  });
});

describe('logger outputs', () => {
  it('writes readable lines to a TTY console and JSON lines to the file', async () => {
    const written: string[] = [];
    const tty = { isTTY: true, write: (t: string) => written.push(t) };
    const logging = await createLogging({ level: 'info', dir, console: 'auto', consoleStream: tty });
    actorLogger(logging.logger, 'root/execution/order-manager', 'order-manager').info({ orders: 2 }, 'reconciled');
    const file = logging.file;
    await logging.close();
    const plain = stripVTControlCharacters(written.join(''));
    expect(plain).toMatch(/INFO.*root\/execution\/order-manager: reconciled/);
    expect(plain).toContain('orders: 2');
    expect(readLines(file)[0]).toMatchObject({ msg: 'reconciled', path: 'root/execution/order-manager', orders: 2 });
  });

  it('keeps a non-TTY console quiet in auto mode, and prints JSON in json mode', async () => {
    const quiet: string[] = [];
    const a = await createLogging({ level: 'info', dir, console: 'auto', consoleStream: { isTTY: false, write: (t: string) => quiet.push(t) } });
    a.logger.info('hello');
    await a.close();
    expect(quiet).toEqual([]);

    const json: string[] = [];
    const b = await createLogging({ level: 'info', dir, console: 'json', consoleStream: { write: (t: string) => json.push(t) } });
    b.logger.info('hello');
    await b.close();
    expect(JSON.parse(json[0]!)).toMatchObject({ msg: 'hello', level: 30 });
  });

  it('names the file by UTC date and switches files at UTC midnight', async () => {
    let now = Date.parse('2025-03-04T23:59:59.500Z');
    const logging = await createLogging({ level: 'info', dir, console: 'off', now: () => now });
    logging.logger.info('before midnight');
    now = Date.parse('2025-03-05T00:00:00.100Z');
    logging.logger.info('after midnight');
    expect(logging.file).toBe(join(dir, 'bot4-2025-03-05.log'));
    await logging.close();
    expect(readdirSync(dir).sort()).toEqual(['bot4-2025-03-04.log', 'bot4-2025-03-05.log']);
    expect(readLines(join(dir, 'bot4-2025-03-04.log')).map((l) => l.msg)).toEqual(['before midnight']);
    expect(readLines(join(dir, 'bot4-2025-03-05.log')).map((l) => l.msg)).toEqual(['after midnight']);
  });
});
