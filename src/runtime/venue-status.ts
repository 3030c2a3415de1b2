/**
 * One exchange actor's `health` answer (actors/exchange/actor.ts) as the `status` command's
 * venue entry: the feed and user stream in words, then latency, reconnects, message age and
 * errors as typed fields. A field the answer lacks is reported as unknown, never invented.
 */
import type { LatencyStats, VenueHealth } from '../admin/backend.js';

interface HealthAnswer {
  path?: unknown;
  venue?: unknown;
  target?: unknown;
  market?: { connected?: boolean; stale?: boolean; reconnects?: number; silentForMs?: number };
  userStream?: { up?: boolean; disabled?: boolean };
  latency?: { rest?: Partial<LatencyStats>; ws?: Partial<LatencyStats> };
  errors?: Record<string, number>;
  orders?: { open?: number };
  lastError?: unknown;
  gate?: unknown;
}

function latency(stats: Partial<LatencyStats> | undefined): LatencyStats {
  return { count: stats?.count ?? 0, p50Ms: stats?.p50Ms ?? null, p99Ms: stats?.p99Ms ?? null };
}

export function venueStatus(answer: Record<string, unknown>): VenueHealth {
  const h = answer as HealthAnswer;
  const market = h.market;
  const feed = market === undefined ? 'unknown' : !market.connected ? 'disconnected' : market.stale ? 'stale' : 'live';
  const userStream = h.userStream?.disabled ? 'off (REST polling)' : h.userStream?.up ? 'up' : 'down';
  return {
    name: `${String(h.path)} (venue ${String(h.venue)})`,
    status: `market ${feed}, user stream ${userStream}`,
    latency: { rest: latency(h.latency?.rest), ws: latency(h.latency?.ws) },
    reconnects: market?.reconnects ?? 0,
    lastMessageAgeMs: typeof market?.silentForMs === 'number' ? market.silentForMs : null,
    stale: market?.stale ?? false,
    errors: h.errors ?? {},
    detail: JSON.stringify({ target: h.target, openOrders: h.orders?.open, lastError: h.lastError, gate: h.gate }),
  };
}
