/**
 * The Prometheus metrics of a running bot4 (docs/metrics.md lists each one): a prom-client
 * registry whose families are read from one SystemSample per scrape (sampler.ts), plus
 * counters fed by the event stream (kill-switch trips, alerts) and prom-client's process
 * metrics of the supervisor process. Names follow Prometheus practice: `bot4_` prefix,
 * `_total` for counters, base units (`_seconds`, `_bytes`).
 */
import { Counter, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { AdminEvent } from '../admin/protocol.js';
import { HANDLER_BUCKET_BOUNDS_NS } from '../runtime/handler-buckets.js';
import type { SystemSample, SystemSampler } from './sampler.js';

type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';
type Labels = Readonly<Record<string, string>>;
interface Point {
  readonly labels: Labels;
  readonly value: number;
  /** For histogram and summary series: `<name>_bucket`, `_sum`, `_count`. */
  readonly metricName?: string;
}

/** A family whose points are computed from the current sample when the registry is scraped. */
export interface SampledFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly points: (sample: SystemSample) => Point[];
}

/** The prom-client shape of a metric the registry collects (Registry.getMetricsAsString calls get()). */
class SampledMetric {
  readonly aggregator = 'sum';
  constructor(
    private readonly family: SampledFamily,
    private readonly sampler: SystemSampler,
  ) {}
  get name(): string {
    return this.family.name;
  }
  get help(): string {
    return this.family.help;
  }
  get type(): MetricType {
    return this.family.type;
  }
  async get() {
    const sample = await this.sampler.sample();
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.family.points(sample) };
  }
}

const TRADING_STATES = ['ACTIVE', 'REDUCING', 'PAUSED', 'HALTED'] as const;
const BREAKER_LEVEL: Readonly<Record<string, number>> = { open: 2, 'half-open': 1 };
const num = (text: unknown): number | null => {
  if (typeof text === 'number') return Number.isFinite(text) ? text : null;
  if (typeof text !== 'string' || text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
};
const point = (labels: Labels, value: number | null): Point[] => (value === null ? [] : [{ labels, value }]);
const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
const counts = (value: unknown): [string, number][] => Object.entries(record(value)).filter((e): e is [string, number] => typeof e[1] === 'number');

/** `root/venues/venue-a/exchange-a (venue 1)` (admin VenueHealth.name) -> labels. */
function venueLabels(name: string): Labels {
  const m = /^(.*) \(venue (.*)\)$/.exec(name);
  return m ? { actor: m[1]!, venue: m[2]! } : { actor: name, venue: 'unknown' };
}

function actorFamilies(): SampledFamily[] {
  const perActor = (name: string, help: string, value: (stats: NonNullable<SystemSample['actors'][number]['stats']>) => number): SampledFamily => ({
    name,
    help,
    type: 'counter',
    points: (s) => s.actors.flatMap((a) => (a.stats ? [{ labels: { actor: a.path, kind: a.kind }, value: value(a.stats) }] : [])),
  });
  return [
    perActor('bot4_actor_messages_in_total', 'Frames an actor took from its inbound rings (cumulative across its restarts).', (st) => st.msgsIn),
    perActor('bot4_actor_messages_out_total', 'Frames an actor wrote to its outbound rings.', (st) => st.msgsOut),
    perActor('bot4_actor_ring_drops_total', 'Frames an actor could not write because the peer ring was full (drop policies).', (st) => st.droppedOut),
    perActor('bot4_actor_handler_errors_total', 'Messages whose handler threw.', (st) => st.handlerErrors),
    perActor('bot4_actor_decode_errors_total', 'Inbound frames that failed to decode and were dropped.', (st) => st.decodeErrors),
    {
      name: 'bot4_actor_handler_duration_seconds',
      help: 'Time an actor spent in its message handler, per message, as the actor host measured it.',
      type: 'histogram',
      points: (s) =>
        s.actors.flatMap((a) => {
          if (!a.stats) return [];
          const labels = { actor: a.path, kind: a.kind };
          const { counts: perBucket, sumNs } = a.stats.handlerBuckets;
          const out: Point[] = [];
          let cumulative = 0;
          HANDLER_BUCKET_BOUNDS_NS.forEach((boundNs, i) => {
            cumulative += perBucket[i] ?? 0;
            out.push({ metricName: 'bot4_actor_handler_duration_seconds_bucket', labels: { ...labels, le: String(boundNs / 1e9) }, value: cumulative });
          });
          const total = cumulative + (perBucket[HANDLER_BUCKET_BOUNDS_NS.length] ?? 0);
          out.push(
            { metricName: 'bot4_actor_handler_duration_seconds_bucket', labels: { ...labels, le: '+Inf' }, value: total },
            { metricName: 'bot4_actor_handler_duration_seconds_sum', labels, value: sumNs / 1e9 },
            { metricName: 'bot4_actor_handler_duration_seconds_count', labels, value: total },
          );
          return out;
        }),
    },
    {
      name: 'bot4_actor_mailbox_depth_bytes',
      help: 'Unread bytes in one inbound ring of an actor (peer = the producer).',
      type: 'gauge',
      points: (s) => s.actors.flatMap((a) => (a.stats ? a.stats.mailbox.map((m) => ({ labels: { actor: a.path, kind: a.kind, peer: m.peer }, value: m.depthBytes })) : [])),
    },
    {
      name: 'bot4_actor_mailbox_capacity_bytes',
      help: 'Size of one inbound ring of an actor.',
      type: 'gauge',
      points: (s) => s.actors.flatMap((a) => (a.stats ? a.stats.mailbox.map((m) => ({ labels: { actor: a.path, kind: a.kind, peer: m.peer }, value: m.capacityBytes })) : [])),
    },
    {
      name: 'bot4_actor_restarts_total',
      help: 'Times the supervisor restarted an actor.',
      type: 'counter',
      points: (s) => s.actors.map((a) => ({ labels: { actor: a.path, kind: a.kind }, value: a.restarts })),
    },
    {
      name: 'bot4_actor_up',
      help: '1 while the actor runs, 0 while it is starting, restarting, stopped or failed.',
      type: 'gauge',
      points: (s) => s.actors.map((a) => ({ labels: { actor: a.path, kind: a.kind }, value: a.status === 'running' ? 1 : 0 })),
    },
    {
      name: 'bot4_supervisor_breaker_state',
      help: 'Circuit breaker of a supervisor (bulkhead): 0 closed, 1 half-open (trying one start), 2 open.',
      type: 'gauge',
      points: (s) => s.supervisors.map((sup) => ({ labels: { supervisor: sup.path }, value: BREAKER_LEVEL[sup.status] ?? 0 })),
    },
  ];
}

function tradingFamilies(): SampledFamily[] {
  return [
    {
      name: 'bot4_trading_state',
      help: 'The trading gate: 1 for the state it reads now, 0 for the others.',
      type: 'gauge',
      points: (s) => TRADING_STATES.map((state) => ({ labels: { state }, value: s.tradingState === state ? 1 : 0 })),
    },
    {
      name: 'bot4_orders_total',
      help: 'Order manager activity by outcome: intent (received), submitted, resubmitted, denied (refused before the venue), venue_rejected, cancel_requested.',
      type: 'counter',
      points: (s) =>
        s.orderManagers.flatMap(({ path, answer }) => {
          const c = record(answer.counters);
          const sum = (v: unknown) => counts(v).reduce((total, [, n]) => total + n, 0);
          const outcomes: [string, unknown][] = [
            ['intent', c.intents], ['submitted', c.submits], ['resubmitted', c.resubmits], ['denied', sum(c.denied)], ['venue_rejected', sum(c.venueErrors)], ['cancel_requested', c.cancels],
          ];
          return outcomes.flatMap(([outcome, v]) => point({ actor: path, outcome }, num(v)));
        }),
    },
    {
      name: 'bot4_order_rejects_total',
      help: 'Orders refused, by who refused (bot: risk or the order manager before the venue; venue) and reason.',
      type: 'counter',
      points: (s) =>
        s.orderManagers.flatMap(({ path, answer }) => {
          const c = record(answer.counters);
          return [
            ...counts(c.denied).map(([reason, n]) => ({ labels: { actor: path, by: 'bot', reason }, value: n })),
            ...counts(c.venueErrors).map(([reason, n]) => ({ labels: { actor: path, by: 'venue', reason }, value: n })),
          ];
        }),
    },
    {
      name: 'bot4_fills_total',
      help: 'Fills the order manager booked (duplicates and unknown orders not included).',
      type: 'counter',
      points: (s) => s.orderManagers.flatMap(({ path, answer }) => point({ actor: path }, num(record(answer.counters).fills))),
    },
    {
      name: 'bot4_open_orders',
      help: 'Orders open on the venues as the order manager tracks them.',
      type: 'gauge',
      points: (s) => s.orderManagers.map(({ path, answer }) => ({ labels: { actor: path }, value: Array.isArray(answer.openOrders) ? answer.openOrders.length : 0 })),
    },
    {
      name: 'bot4_position_quantity',
      help: 'Net position in base units per venue and instrument, as risk books it.',
      type: 'gauge',
      points: (s) => (s.status?.positions ?? []).flatMap((p) => point({ venue: String(p.venue), instrument: p.symbol }, num(p.qty))),
    },
    {
      name: 'bot4_position_unrealised_pnl',
      help: 'Unrealised PnL of one position in quote currency at its mark (absent without a mark).',
      type: 'gauge',
      points: (s) => (s.status?.positions ?? []).flatMap((p) => point({ venue: String(p.venue), instrument: p.symbol }, num(p.unrealisedPnl))),
    },
    ...(
      [
        ['bot4_pnl_realised', 'Realised PnL of the portfolio in quote currency.', (s: SystemSample) => s.status?.pnl?.realised],
        ['bot4_pnl_unrealised', 'Unrealised PnL of the portfolio in quote currency (absent while a position has no mark).', (s: SystemSample) => s.status?.pnl?.unrealised],
        ['bot4_fees_paid', 'Fees paid in quote currency.', (s: SystemSample) => s.status?.pnl?.fees],
        ['bot4_equity', 'Portfolio equity in quote currency (capital + PnL - fees).', (s: SystemSample) => s.status?.pnl?.equity],
        ['bot4_drawdown', 'Drawdown from the peak equity in quote currency.', (s: SystemSample) => s.status?.pnl?.drawdown.drawdown],
        ['bot4_drawdown_ratio', 'Drawdown as a fraction of the peak equity (0.05 = 5 %).', (s: SystemSample) => s.status?.pnl?.drawdown.fraction],
      ] as const
    ).map(([name, help, value]): SampledFamily => ({ name, help, type: 'gauge', points: (s) => point({}, num(value(s))) })),
  ];
}

function venueFamilies(): SampledFamily[] {
  const latency = (name: string, which: 'rest' | 'ws', help: string): SampledFamily => ({
    name,
    help,
    type: 'summary',
    points: (s) =>
      (s.status?.venues ?? []).flatMap((v) => {
        const labels = venueLabels(v.name);
        const l = v.latency[which];
        return [
          ...point({ ...labels, quantile: '0.5' }, l.p50Ms === null ? null : l.p50Ms / 1000),
          ...point({ ...labels, quantile: '0.99' }, l.p99Ms === null ? null : l.p99Ms / 1000),
          { metricName: `${name}_count`, labels, value: l.count },
        ];
      }),
  });
  return [
    latency('bot4_venue_rest_latency_seconds', 'rest', 'Round trip of REST calls to a venue, as its exchange actor measures them (quantiles over its recent calls).'),
    latency('bot4_venue_ws_latency_seconds', 'ws', 'Round trip of market-socket pings to a venue.'),
    {
      name: 'bot4_venue_reconnects_total',
      help: 'Market-socket reconnects since the exchange actor started.',
      type: 'counter',
      points: (s) => (s.status?.venues ?? []).map((v) => ({ labels: venueLabels(v.name), value: v.reconnects })),
    },
    {
      name: 'bot4_venue_last_message_age_seconds',
      help: 'Time since the last market-data message of a venue.',
      type: 'gauge',
      points: (s) => (s.status?.venues ?? []).flatMap((v) => point(venueLabels(v.name), v.lastMessageAgeMs === null ? null : v.lastMessageAgeMs / 1000)),
    },
    {
      name: 'bot4_venue_stale',
      help: '1 while a venue\'s market data is stale (prices not to be trusted), else 0.',
      type: 'gauge',
      points: (s) => (s.status?.venues ?? []).map((v) => ({ labels: venueLabels(v.name), value: v.stale ? 1 : 0 })),
    },
    {
      name: 'bot4_venue_errors_total',
      help: 'Venue errors by kind (gap, rate-limited, market-connection, ...).',
      type: 'counter',
      points: (s) => (s.status?.venues ?? []).flatMap((v) => Object.entries(v.errors).map(([kind, n]) => ({ labels: { ...venueLabels(v.name), kind }, value: n }))),
    },
  ];
}

function recorderFamilies(): SampledFamily[] {
  const field = (name: string, type: MetricType, help: string, key: string, scale = (n: number) => n): SampledFamily => ({
    name,
    help,
    type,
    points: (s) => s.recorders.flatMap(({ path, answer }) => {
      const v = key === 'degraded' ? (answer.degraded === true ? 1 : 0) : num(answer[key]);
      return point({ actor: path }, v === null ? null : scale(v));
    }),
  });
  return [
    field('bot4_recorder_lag_records', 'gauge', 'Records received by the recorder and not yet written to the database (its queue).', 'queueDepth'),
    field('bot4_recorder_spool_bytes', 'gauge', 'Size of the recorder\'s spool file: records kept on disk while the database does not take them.', 'spoolBytes'),
    field('bot4_recorder_spooling', 'gauge', '1 while the recorder holds records in its spool (the database is failing), else 0.', 'degraded'),
    field('bot4_recorder_spooled_total', 'counter', 'Records the recorder has put in its spool.', 'spooled'),
    field('bot4_recorder_written_total', 'counter', 'Records the recorder has written to the database.', 'written'),
    field('bot4_recorder_db_failures_total', 'counter', 'Database writes of the recorder that failed.', 'dbFailures'),
  ];
}

function selfFamilies(): SampledFamily[] {
  return [
    {
      name: 'bot4_metrics_sample_duration_seconds',
      help: 'How long the last sample of the system took (tree, status, control calls).',
      type: 'gauge',
      points: (s) => [{ labels: {}, value: s.tookMs / 1000 }],
    },
    {
      name: 'bot4_metrics_sample_unavailable',
      help: 'Sections the last sample could not read (an actor down, a control call that timed out).',
      type: 'gauge',
      points: (s) => [{ labels: {}, value: s.unavailable.length }],
    },
  ];
}

/** Every sampled family, in the order docs/metrics.md lists them. */
export const SAMPLED_FAMILIES: readonly SampledFamily[] = [...actorFamilies(), ...tradingFamilies(), ...venueFamilies(), ...recorderFamilies(), ...selfFamilies()];

export interface MetricsRegistry {
  readonly registry: Registry;
  /** Feeds the event-driven counters; call with each runtime event (subscribe to `*`). */
  onEvent(event: AdminEvent): void;
}

/** Counters that only the event stream knows; kept in this process, so they count from this start. */
const EVENT_COUNTERS = {
  trips: { name: 'bot4_kill_switch_trips_total', help: 'Transitions of the kill switch into HALTED, by trip source (admin, gpio, risk, deadman, ...).', labelNames: ['source'] },
  alerts: { name: 'bot4_alerts_total', help: 'Alerts by rule and outcome (raised, suppressed, delivered, failed per sink).', labelNames: ['rule', 'outcome'] },
} as const;

export function createMetricsRegistry(sampler: SystemSampler): MetricsRegistry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'bot4_' });
  for (const family of SAMPLED_FAMILIES) registry.registerMetric(new SampledMetric(family, sampler) as unknown as Metric);
  const trips = new Counter({ ...EVENT_COUNTERS.trips, registers: [registry] });
  const alerts = new Counter({ ...EVENT_COUNTERS.alerts, registers: [registry] });
  return {
    registry,
    onEvent(event) {
      const data = event.data;
      if (event.topic === 'killswitch' && data.state === 'HALTED' && data.from !== 'HALTED') trips.inc({ source: typeof data.source === 'string' ? data.source : 'unknown' });
      else if (event.topic.startsWith('alert.') && typeof data.rule === 'string') alerts.inc({ rule: data.rule, outcome: event.topic.slice('alert.'.length) });
    },
  };
}

/** The names of every family this registry declares (sampled and event-fed), for docs/metrics.md and its test. */
export const DOCUMENTED_FAMILIES: readonly string[] = [...SAMPLED_FAMILIES.map((f) => f.name), ...Object.values(EVENT_COUNTERS).map((c) => c.name)];
