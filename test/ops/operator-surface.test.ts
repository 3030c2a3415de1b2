import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTED_FAMILIES } from '../../src/metrics/registry.js';
import { parsePrometheusText, sampleSum, sampleValue, type PromFamily } from '../helpers/prometheus-text.js';
import { PaperRig } from '../paper/paper-rig.js';

/**
 * Issue 13's operator surface against one real `bot4 start` trading on two emulated venues
 * (test/paper/paper-rig.ts): `/metrics` read by a strict text-format parser.
 */
let rig: PaperRig;
let metricsUrl: string;
const DOCS = fileURLToPath(new URL('../../../docs/metrics.md', import.meta.url));

async function scrape(): Promise<Map<string, PromFamily>> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

beforeAll(async () => {
  rig = await PaperRig.start({ flattenOnHalt: true, extra: { metrics: { min_sample_interval_ms: 100 } } });
  metricsUrl = /metrics: +(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(rig.stdout)?.[1] ?? '';
  expect(metricsUrl, `no metrics URL in the banner:\n${rig.stdout}`).not.toBe('');
}, 90_000);

afterAll(async () => {
  await rig?.close();
}, 60_000);

describe('GET /metrics of a running bot4', () => {
  it('declares every documented family, and docs/metrics.md documents every family it declares', async () => {
    const families = await scrape();
    const declared = [...families.keys()].filter((name) => name.startsWith('bot4_') && !/^bot4_(process|nodejs)_/.test(name));
    expect(declared.sort()).toEqual([...DOCUMENTED_FAMILIES].sort());
    const docs = readFileSync(DOCS, 'utf8');
    const documented = [...docs.matchAll(/^\| `(bot4_[a-z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...DOCUMENTED_FAMILIES].sort());
    // The supervisor process's own metrics (event-loop lag among them) come with it.
    expect(families.get('bot4_nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
  });

  it('shows the actors, venues, positions, PnL and trading state of a trading system', async () => {
    const om = { actor: 'root/execution/order-manager' };
    // B trades 20 bps above A: the arbitrage trades at once.
    const f = await rig.until('fills in /metrics', scrape, (x) => sampleValue(x, 'bot4_fills_total', om) > 0, 30_000);
    // The figures are the order manager's own.
    const detail = (await rig.admin.call<{ snapshot: { submits: number; fills: number } }>('actor.get', { path: om.actor })).snapshot;
    expect(detail.submits).toBeGreaterThanOrEqual(sampleValue(f, 'bot4_orders_total', { ...om, outcome: 'submitted' }));
    expect(detail.fills).toBeGreaterThanOrEqual(sampleValue(f, 'bot4_fills_total', om));
    // Every message the order manager handled is in its handler-time histogram.
    const handled = sampleValue(f, 'bot4_actor_handler_duration_seconds', om, 'bot4_actor_handler_duration_seconds_count');
    expect(handled).toBeGreaterThan(0);
    expect(sampleValue(f, 'bot4_actor_messages_in_total', om)).toBeGreaterThanOrEqual(handled);
    expect(sampleValue(f, 'bot4_actor_handler_duration_seconds', om, 'bot4_actor_handler_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sampleSum(f, 'bot4_actor_mailbox_capacity_bytes', om)).toBeGreaterThan(0);
    expect(sampleValue(f, 'bot4_actor_up', { actor: 'root/safety/kill-switch' })).toBe(1);
    expect(sampleValue(f, 'bot4_trading_state', { state: 'ACTIVE' })).toBe(1);
    expect(sampleValue(f, 'bot4_trading_state', { state: 'HALTED' })).toBe(0);
    expect(sampleValue(f, 'bot4_supervisor_breaker_state', { supervisor: 'root/strategies' })).toBe(0);
    expect(f.get('bot4_position_quantity')!.samples.length).toBeGreaterThan(0);
    expect(sampleValue(f, 'bot4_fees_paid')).toBeGreaterThan(0);
    expect(sampleValue(f, 'bot4_venue_rest_latency_seconds', { venue: '1' }, 'bot4_venue_rest_latency_seconds_count')).toBeGreaterThan(0);
    expect(sampleValue(f, 'bot4_venue_stale', { venue: '2' })).toBe(0);
  }, 45_000);

  it('a trip: HALTED, a kill-switch trip by its source, and the flatten orders and fills it causes move the counters', async () => {
    const om = { actor: 'root/execution/order-manager' };
    const submitted = (f: Map<string, PromFamily>) => sampleValue(f, 'bot4_orders_total', { ...om, outcome: 'submitted' });
    const fills = (f: Map<string, PromFamily>) => sampleValue(f, 'bot4_fills_total', om);
    const trips = (f: Map<string, PromFamily>) => sampleSum(f, 'bot4_kill_switch_trips_total', { source: 'admin' });
    const before = await scrape();
    await rig.admin.call('killswitch.trip', { reason: 'operator surface test' });
    // flatten_on_halt: reduce-only market orders close the arbitrage's positions.
    const after = await rig.until(
      'the trip and its flatten orders and fills in /metrics',
      scrape,
      (f) => sampleValue(f, 'bot4_trading_state', { state: 'HALTED' }) === 1 && submitted(f) > submitted(before) && fills(f) > fills(before),
      20_000,
    );
    expect(trips(after)).toBe(trips(before) + 1);
    expect(sampleValue(after, 'bot4_orders_total', { ...om, outcome: 'cancel_requested' })).toBeGreaterThan(0);
  }, 30_000);
});
