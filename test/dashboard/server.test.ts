/**
 * The dashboard server without a browser: the token gate (401 and nothing else), the security
 * headers on every answer, the cookie hand-over, the feed's handshake rules and the trip button's
 * rules. The backend is a real Runtime, created but not booted (no threads): it answers tree and
 * status as at start-up and takes trips, which latch HALTED in its kill switch's state file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startDashboard, type DashboardServer, type FeedMessage } from '../../src/dashboard/server.js';
import { CONTENT_SECURITY_POLICY } from '../../src/dashboard/http-policy.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { parseTreeSpec } from '../../src/runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../../src/safety/gpio-panel.js';

const TOKEN = 'test-token-0123456789abcdefghijkl';
let dir: string;
let runtime: Runtime;
let readOnly: DashboardServer;
let withTrip: DashboardServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bot4-dash-'));
  runtime = Runtime.create({
    tree: parseTreeSpec({
      name: 'root',
      strategy: 'one_for_one',
      children: [{ name: 'safety', strategy: 'one_for_all', children: [{ name: 'kill-switch', actor: 'kill-switch', config: { state_file: join(dir, 'ks.json') } }] }],
    }),
    seed: 1,
    logger: pino({ level: 'silent' }),
    gpio: gpioConfigSchema.parse({ mode: 'simulated' }),
    shutdownDeadlineMs: 5000,
    cancelOpenOrdersOnExit: false,
  });
  const common = { host: '127.0.0.1', port: 0, token: TOKEN, refreshMs: 100, source: runtime, databaseUrl: () => null, logger: pino({ level: 'silent' }) };
  readOnly = await startDashboard({ ...common, allowTrip: false });
  withTrip = await startDashboard({ ...common, allowTrip: true });
});

afterAll(async () => {
  await readOnly?.close('test over');
  await withTrip?.close('test over');
  await runtime?.shutdown('test over');
  rmSync(dir, { recursive: true, force: true });
});

const get = (server: DashboardServer, path: string, headers: Record<string, string> = {}) => fetch(`${server.origin}${path}`, { headers, redirect: 'manual' });

function expectSecurityHeaders(res: Response): void {
  expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('dashboard server: token, headers, feed, trip', () => {
  it('answers a request without the right token with a bare 401, whatever the path', async () => {
    for (const [path, headers] of [
      ['/', {}],
      ['/?token=wrong', {}],
      ['/dashboard.js', {}],
      ['/no-such-page', {}],
      ['/', { Authorization: 'Bearer nope' }],
      ['/', { Cookie: 'bot4_dashboard=nope' }],
      // a right token beside a wrong one is refused too
      [`/?token=${TOKEN}`, { Cookie: 'bot4_dashboard=nope' }],
    ] as const) {
      const res = await get(readOnly, path, headers);
      expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
      expectSecurityHeaders(res);
      expect(await res.text()).toBe('Unauthorized\n');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('trades the URL token for an HttpOnly SameSite cookie, then serves the shell, script and style with strict headers', async () => {
    const first = await get(readOnly, `/?token=${TOKEN}`);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    expect(first.headers.get('set-cookie')).toBe(`bot4_dashboard=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`);
    const cookie = { Cookie: `bot4_dashboard=${TOKEN}` };
    const page = await get(readOnly, '/', cookie);
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    const html = await page.text();
    expect(html).toContain('<script src="/dashboard.js" defer></script>');
    // no inline script or style anywhere in the shell; no trip button when it is not allowed
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/);
    expect(html).not.toContain('trip-form');
    const script = await get(readOnly, '/dashboard.js', cookie);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expectSecurityHeaders(script);
    expect(await script.text()).toContain('new WebSocket(');
    expect((await get(readOnly, '/dashboard.css', { Authorization: `Bearer ${TOKEN}` })).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await get(readOnly, '/nothing-here', cookie)).status).toBe(404);
  });

  it('is read-only: anything but GET is refused, and there is no trip endpoint unless allow_trip', async () => {
    const post = await fetch(`${readOnly.origin}/`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(post.status).toBe(405);
    expectSecurityHeaders(post);
    const trip = await fetch(`${readOnly.origin}/trip`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{"reason":"x"}' });
    expect(trip.status).toBe(404);
    expect((await runtime.status()).trading.state).toBe('HALTED'); // not started: the gate reads HALTED (fail safe) …
    expect((await runtime.status()).trading.reason).toMatch(/starting/); // … and nothing latched a trip
  });

  it('refuses the feed without the token or from another origin, and streams the page model with it', async () => {
    const refused = async (headers: Record<string, string>, path = '/feed'): Promise<number> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://${readOnly.origin.slice('http://'.length)}${path}`, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => reject(new Error(`feed opened with ${JSON.stringify(headers)}`)));
        ws.on('error', () => undefined); // the refusal also surfaces as an error event after unexpected-response
      });
    expect(await refused({})).toBe(401);
    expect(await refused({ Cookie: 'bot4_dashboard=wrong' })).toBe(401);
    expect(await refused({ Cookie: `bot4_dashboard=${TOKEN}`, Origin: 'http://evil.example' })).toBe(401);
    expect(await refused({ Cookie: `bot4_dashboard=${TOKEN}` }, '/other')).toBe(401);

    const ws = new WebSocket(`ws://${readOnly.origin.slice('http://'.length)}/feed`, { headers: { Cookie: `bot4_dashboard=${TOKEN}`, Origin: readOnly.origin } });
    const first = await new Promise<FeedMessage>((resolve, reject) => {
      ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as FeedMessage));
      ws.once('error', reject);
    });
    ws.close();
    expect(first.type).toBe('view');
    if (first.type !== 'view') return;
    expect(first.view.actors.map((a) => a.path)).toEqual(['root', 'root/safety', 'root/safety/kill-switch']);
    expect(first.view.allowTrip).toBe(false);
    expect(first.view.audit).toEqual({ state: 'none', why: expect.stringContaining('no database') });
  });

  it('trips to HALTED from the page (allow_trip), only same-origin, JSON and with a reason', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const post = (headers: Record<string, string>, body: string) => fetch(`${withTrip.origin}/trip`, { method: 'POST', headers: { ...auth, ...headers }, body });
    expect((await fetch(`${withTrip.origin}/trip`, { method: 'POST', body: '{"reason":"x"}' })).status).toBe(401);
    expect((await post({ 'Content-Type': 'application/json', Origin: 'http://evil.example' }, '{"reason":"x"}')).status).toBe(403);
    expect((await post({ 'Content-Type': 'text/plain' }, '{"reason":"x"}')).status).toBe(415);
    expect((await post({ 'Content-Type': 'application/json' }, '{"reason":"  "}')).status).toBe(400);
    expect((await get(withTrip, '/trip', auth)).status).toBe(405);
    const shell = await (await get(withTrip, '/', auth)).text();
    expect(shell).toContain('id="trip-form"');
    const ok = await post({ 'Content-Type': 'application/json', Origin: withTrip.origin }, '{"reason":"spread blow-out"}');
    expect(ok.status).toBe(200);
    const report = (await ok.json()) as { state: string; reason: string };
    expect(report.state).toBe('HALTED');
    expect(report.reason).toContain('dashboard: spread blow-out');
  });

  it('tells an open page that the runtime stopped before its feed closes', async () => {
    const extra = await startDashboard({ host: '127.0.0.1', port: 0, token: TOKEN, refreshMs: 100, allowTrip: false, source: runtime, databaseUrl: () => null, logger: pino({ level: 'silent' }) });
    const ws = new WebSocket(`ws://${extra.origin.slice('http://'.length)}/feed`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const messages: FeedMessage[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as FeedMessage));
    await new Promise((resolve) => ws.once('message', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    await extra.close('operator shutdown');
    expect(await closed).toBe(1001);
    expect(messages.at(-1)).toEqual({ type: 'closing', at: expect.any(String), reason: 'operator shutdown' });
  });
});
