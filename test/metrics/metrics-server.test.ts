import pino from 'pino';
import { Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type MetricsConfig } from '../../src/config/schema.js';
import { MetricsSetupError, metricsToken, startMetricsServer, type MetricsServer } from '../../src/metrics/server.js';
import { parsePrometheusText } from '../helpers/prometheus-text.js';

const TREE = { name: 'root', strategy: 'one_for_one', children: [{ name: 'kill-switch', actor: 'kill-switch' }] };
const metricsConfig = (metrics: unknown): MetricsConfig => {
  const parsed = configSchema.parse({ tree: TREE, metrics }).metrics;
  if (parsed === false) throw new Error('metrics: false');
  return parsed;
};

describe('metrics access rules', () => {
  it.each([
    ['loopback, no token in the environment: open', { host: '127.0.0.1' }, {}, undefined],
    ['loopback with a token set: the token is asked for', { host: '127.0.0.1' }, { BOT4_METRICS_TOKEN: 'a-long-enough-token' }, 'a-long-enough-token'],
    ['any address with a token from the named variable', { host: '0.0.0.0', token_env: 'SCRAPE_TOKEN' }, { SCRAPE_TOKEN: 'another-long-token!' }, 'another-long-token!'],
  ])('%s', (_what, metrics, env, token) => {
    expect(metricsToken(metricsConfig(metrics), env)).toBe(token);
  });

  it.each([
    ['a non-loopback bind without a token', { host: '0.0.0.0' }, {}, /metrics.host is 0.0.0.0, not loopback: set a bearer token .* BOT4_METRICS_TOKEN/],
    ['a short token', { host: '127.0.0.1' }, { BOT4_METRICS_TOKEN: 'short' }, /too short/],
  ])('refuses %s', (_what, metrics, env, message) => {
    expect(() => metricsToken(metricsConfig(metrics), env)).toThrow(MetricsSetupError);
    expect(() => metricsToken(metricsConfig(metrics), env)).toThrow(message);
  });

  it('config: metrics false turns it off; bad values are named by their path', () => {
    expect(configSchema.parse({ tree: TREE, metrics: false }).metrics).toBe(false);
    expect(configSchema.parse({ tree: TREE }).metrics).toMatchObject({ port: 18_481, host: '127.0.0.1' });
    const bad = configSchema.safeParse({ tree: TREE, metrics: { port: 70_000 } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.some((i) => i.path.join('.') === 'metrics.port')).toBe(true);
  });
});

describe('metrics HTTP server', () => {
  let server: MetricsServer;
  const token = 'scrape-token-0123456789';
  beforeAll(async () => {
    const registry = new Registry();
    new Gauge({ name: 'bot4_test_gauge', help: 'a test gauge', registers: [registry] }).set(3);
    server = await startMetricsServer({ config: metricsConfig({ port: 0 }), registry, token, logger: pino({ level: 'silent' }) });
  });
  afterAll(() => server.close());

  it('serves /metrics in the text format with the token, 401 without or with a wrong one, 404 elsewhere, 405 for other methods', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const ok = await fetch(server.url, { headers: auth });
    expect(ok.status).toBe(200);
    expect(parsePrometheusText(await ok.text()).get('bot4_test_gauge')?.samples[0]?.value).toBe(3);
    const wrong: Record<string, string>[] = [{}, { authorization: `Bearer ${token}x` }, { authorization: token }];
    for (const headers of wrong) {
      const refused = await fetch(server.url, { headers });
      expect(refused.status).toBe(401);
      expect(await refused.text()).toBe('unauthorised\n');
    }
    expect((await fetch(server.url.replace('/metrics', '/other'), { headers: auth })).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST', headers: auth })).status).toBe(405);
  });

  it('says which port is taken when it cannot listen', async () => {
    await expect(startMetricsServer({ config: metricsConfig({ port: server.port }), registry: new Registry(), token: undefined, logger: pino({ level: 'silent' }) })).rejects.toThrow(
      new RegExp(`cannot listen on 127.0.0.1:${server.port}: EADDRINUSE`),
    );
  });
});
