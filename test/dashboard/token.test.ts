/** The dashboard token (one per data folder, 0600, from the environment beyond loopback) and the request rules around it. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cookieValue, isAuthorised, originAllowed } from '../../src/dashboard/http-policy.js';
import { DashboardTokenError, isLoopback, loadDashboardToken, TOKEN_ENV } from '../../src/dashboard/token.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'bot4-token-'));
  dirs.push(dir);
  return dir;
};
const GOOD = 'A'.repeat(20) + '_-0123456789';

describe('dashboard token', () => {
  it('is created random, 0600, in the data folder on first use and the same after', () => {
    const file = join(scratch(), 'data', 'dashboard.token');
    const first = loadDashboardToken(file, '127.0.0.1', {});
    expect(first.source).toBe(file);
    expect(first.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadDashboardToken(file, '127.0.0.1', {}).value).toBe(first.value);
    // another data folder, another token
    expect(loadDashboardToken(join(scratch(), 'dashboard.token'), '127.0.0.1', {}).value).not.toBe(first.value);
  });

  it('refuses a token file others can read, and one that holds no token', () => {
    const file = join(scratch(), 'dashboard.token');
    writeFileSync(file, `${GOOD}\n`);
    chmodSync(file, 0o644);
    expect(() => loadDashboardToken(file, '127.0.0.1', {})).toThrow(/can be read by others \(mode 644\); run chmod 600/);
    chmodSync(file, 0o600);
    expect(loadDashboardToken(file, '127.0.0.1', {}).value).toBe(GOOD);
    writeFileSync(file, 'short\n');
    expect(() => loadDashboardToken(file, '127.0.0.1', {})).toThrow(/does not hold a token/);
  });

  it.each([
    ['127.0.0.1', true], ['127.1.2.3', true], ['::1', true], ['localhost', true],
    ['0.0.0.0', false], ['192.168.1.5', false], ['::', false], ['example.com', false],
  ])('loopback %s: %s', (host, loopback) => expect(isLoopback(host)).toBe(loopback));

  it('needs the environment token on a non-loopback address, and takes it over the file anywhere', () => {
    const file = join(scratch(), 'dashboard.token');
    expect(() => loadDashboardToken(file, '0.0.0.0', {})).toThrow(DashboardTokenError);
    expect(() => loadDashboardToken(file, '0.0.0.0', {})).toThrow(new RegExp(`not a loopback address: set the access token in the environment \\(${TOKEN_ENV}\\)`));
    expect(loadDashboardToken(file, '0.0.0.0', { [TOKEN_ENV]: GOOD })).toEqual({ value: GOOD, source: TOKEN_ENV });
    expect(loadDashboardToken(file, '127.0.0.1', { [TOKEN_ENV]: GOOD }).value).toBe(GOOD);
    expect(() => loadDashboardToken(file, '0.0.0.0', { [TOKEN_ENV]: 'too-short' })).toThrow(/must be 24 to 256 characters/);
    // the file was never needed, so never written
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });
});

describe('dashboard request rules', () => {
  const url = (q = ''): URL => new URL(`http://127.0.0.1:1/${q}`);
  it.each([
    ['no token at all', url(), {}, false],
    ['query token', url(`?token=${GOOD}`), {}, true],
    ['cookie token', url(), { cookie: `x=1; bot4_dashboard=${GOOD}` }, true],
    ['bearer token', url(), { authorization: `Bearer ${GOOD}` }, true],
    ['wrong query token', url('?token=nope'), {}, false],
    ['one right, one wrong', url(`?token=${GOOD}`), { authorization: 'Bearer nope' }, false],
    ['a prefix of the token', url(`?token=${GOOD.slice(0, -1)}`), {}, false],
    ['empty query token', url('?token='), {}, false],
  ])('%s', (_what, u, headers, ok) => expect(isAuthorised(GOOD, u, headers)).toBe(ok));

  it.each([
    [{}, true],
    [{ host: '127.0.0.1:5', origin: 'http://127.0.0.1:5' }, true],
    [{ host: '127.0.0.1:5', origin: 'http://127.0.0.1:6' }, false],
    [{ host: '127.0.0.1:5', origin: 'null' }, false],
    [{ origin: 'http://127.0.0.1:5' }, false],
  ])('origin %j allowed: %s', (headers, ok) => expect(originAllowed(headers)).toBe(ok));

  it('reads one cookie out of a header', () => {
    expect(cookieValue('a=1; bot4_dashboard=x%2Dy; b=2', 'bot4_dashboard')).toBe('x-y');
    expect(cookieValue('bot4_dashboardx=1', 'bot4_dashboard')).toBeUndefined();
    expect(cookieValue(undefined, 'bot4_dashboard')).toBeUndefined();
  });
});
