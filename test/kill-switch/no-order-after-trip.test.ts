import ccxt, { type Exchange } from 'ccxt';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, ccxtBinanceOptions, startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/index.js';
import { TradingState } from '../../src/domain/messages.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { parseTreeSpec } from '../../src/runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../../src/safety/gpio-panel.js';
import { startVenueTap, type VenueTap } from '../exchange/venue-tap.js';

/**
 * Issue 4's promise, end to end: after a trip no order reaches any venue — not one queued
 * before the trip, not one sent after it, not one while the kill switch is down — and
 * open orders are cancelled on every venue. Real runtime, real exchange actors (ccxt),
 * two venue emulators on loopback. The trip test reads the venues' own records (requests
 * as they arrive, orders the matching engine accepted), counted at the trip's
 * acknowledgment; the others put a tap in front of each venue to count what leaves.
 * Issue 11: the old trip test counted 300 ms after the trip and on venue A only, so a
 * gate read by the exchange actor that lagged a trip by up to 250 ms went unseen; this
 * one fails on it (checked with such a planted lag).
 */
const BTC = 7;
const ORDER = 'POST /api/v3/order';
const fixture = (name: string): string => new URL(`../fixtures/actors/${name}.js`, import.meta.url).href;

interface Venue {
  venue: RunningVenue;
  tap: VenueTap;
  /** Looks at the venue directly, not through the tap. */
  client: Exchange;
}
const venues: Venue[] = [];
let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.shutdown('test over');
  runtime = undefined;
  for (const v of venues.splice(0)) {
    v.tap.release();
    await v.client.close();
    await v.tap.close();
    await v.venue.close();
  }
});

async function startVenue(): Promise<Venue> {
  const venue = await startVenueEmulator({ market: { kind: 'none' } });
  const tap = await startVenueTap(venue);
  const client = new ccxt.pro.binance(ccxtBinanceOptions(venue, { apiKey: DEFAULT_API_KEY, secret: DEFAULT_API_SECRET }));
  const v = { venue, tap, client };
  venues.push(v);
  return v;
}

/** `target`: the tap in front of the venue, or the venue itself. */
function exchangeNode(name: string, venueId: number, target: { httpUrl: string; wsUrl: string }) {
  return {
    name,
    strategy: 'one_for_one',
    isolated: true,
    children: [
      {
        name: `exchange-${name}`,
        actor: 'exchange',
        wait: 'park',
        start_timeout_ms: 60_000,
        heartbeat_timeout_ms: 15_000,
        config: { venue_id: venueId, emulator: { http_url: target.httpUrl, ws_url: target.wsUrl }, instruments: [{ id: BTC, symbol: 'BTC/USDT' }], client_id_namespace: `e2e${name}` },
      },
    ],
  };
}

async function startSystem(a: Venue, b: Venue, through: 'tap' | 'direct' = 'tap'): Promise<Runtime> {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'bot4-trip-')), 'kill-switch.json');
  runtime = await Runtime.start({
    tree: parseTreeSpec({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        {
          name: 'safety',
          strategy: 'one_for_all',
          // Long enough to act while the kill switch is down.
          backoff: { min_ms: 1500, max_ms: 1500, random_factor: 0 },
          children: [{ name: 'kill-switch', actor: 'kill-switch', sends: ['exchange-a', 'exchange-b'], config: { state_file: stateFile } }],
        },
        { name: 'venues', strategy: 'one_for_one', children: [exchangeNode('a', 1, through === 'tap' ? a.tap : a.venue), exchangeNode('b', 2, through === 'tap' ? b.tap : b.venue)] },
        { name: 'flooder', actor: 'order-flooder', sends: ['exchange-a', 'exchange-b'], ring_bytes: 1 << 20 },
      ],
    }),
    seed: 3,
    logger: pino({ level: 'silent' }),
    logLevel: 'silent',
    gpio: gpioConfigSchema.parse({ mode: 'off' }),
    shutdownDeadlineMs: 20_000,
    cancelOpenOrdersOnExit: true,
    actorModules: { 'order-flooder': fixture('order-flooder') },
  });
  return runtime;
}

const flood = (rt: Runtime, fromIntent: number, count: number) =>
  rt.invoke('root/flooder', 'flood', { venues: { 'exchange-a': 1, 'exchange-b': 2 }, instrument: BTC, fromIntent, count, price: 20_000, qty: 0.001 });

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const openAt = async (v: Venue) => (await v.client.fetchOpenOrders('BTC/USDT')).length;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What a venue itself has seen: order requests as they arrive (its request observer, before
 * the body is read) and the orders its matching engine accepted, by client order id.
 */
interface VenueRecord {
  arrivals: number;
  accepted: Set<string>;
}

function recordOf(v: Venue): VenueRecord {
  const record: VenueRecord = { arrivals: 0, accepted: new Set() };
  v.venue.onRequest((r) => {
    if (`${r.method} ${r.path}` === ORDER) record.arrivals++;
  });
  v.venue.venue.engine.onEvent((event) => {
    if (event.kind === 'execution' && event.executionType === 'NEW') record.accepted.add(event.order.clientOrderId);
  });
  return record;
}

/** Every command an exchange actor took is settled: refused by its gate, accepted or refused by the venue. */
async function settled(rt: Runtime, exchange: string, record: VenueRecord, flooded: number): Promise<boolean> {
  const health = (await rt.invoke(`root/venues/${exchange.replace('exchange-', '')}/${exchange}`, 'health', {})) as { orders: { gateRefusals: Record<string, number>; venueRejects: Record<string, number> } };
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  return sum(health.orders.gateRefusals) + sum(health.orders.venueRejects) + record.accepted.size >= flooded;
}

describe('after a trip no order reaches a venue', () => {
  it('from the trip\'s acknowledgment on, no order reaches any venue, with orders flowing before and after it; open orders are cancelled', async () => {
    const [a, b] = [await startVenue(), await startVenue()];
    const records = { a: recordOf(a), b: recordOf(b) };
    // Straight to the venues: a tap would be one more hop between what left and what arrived.
    const rt = await startSystem(a, b, 'direct');
    let nextIntent = 1;
    let flooded = 0;
    const floodSome = async (count: number) => {
      await flood(rt, nextIntent, count);
      nextIntent += count;
      flooded += count;
    };
    await floodSome(2);
    await until('2 resting orders on each venue', async () => (await openAt(a)) === 2 && (await openAt(b)) === 2);

    // Three trips, each with orders streaming in before it and after it: a gate that is
    // stale for part of the time after a trip shows in at least one of them.
    for (let cycle = 1; cycle <= 3; cycle++) {
      if (cycle > 1) {
        await rt.killswitchReset(`e2e: cycle ${cycle}`);
        expect(rt.gate.read()).toBe(TradingState.ACTIVE);
      }
      let streaming = true;
      const stream = (async () => {
        while (streaming) {
          await floodSome(1);
          await settle(20);
        }
      })();
      await settle(200);
      await rt.killswitchTrip(`e2e: trip ${cycle} with orders streaming`);
      // The trip is acknowledged: from here on the venues' own records may not grow.
      const atAck = { a: records.a.arrivals, b: records.b.arrivals };
      expect(rt.gate.read()).toBe(TradingState.HALTED);
      await settle(300); // the strategy keeps sending after the trip
      streaming = false;
      await stream;
      await until('every flooded order settled at both exchange actors', async () => (await settled(rt, 'exchange-a', records.a, flooded)) && (await settled(rt, 'exchange-b', records.b, flooded)));
      expect({ cycle, a: records.a.arrivals, b: records.b.arrivals }).toEqual({ cycle, ...atAck });
      expect(records.a.accepted.size).toBeLessThanOrEqual(atAck.a);
      expect(records.b.accepted.size).toBeLessThanOrEqual(atAck.b);
      await until('no open order on either venue', async () => (await openAt(a)) === 0 && (await openAt(b)) === 0);
    }
  });

  it('lets no order pass while the kill switch is down, and trading resumes once it is back', async () => {
    const [a, b] = [await startVenue(), await startVenue()];
    const rt = await startSystem(a, b);
    await flood(rt, 1, 1);
    await until('the first order at both venues', () => a.tap.count(ORDER) === 1 && b.tap.count(ORDER) === 1);

    await rt.actorKill('root/safety/kill-switch');
    expect(rt.gate.read()).toBe(TradingState.HALTED);
    await flood(rt, 10, 10);
    await settle(800);
    expect(rt.gate.read()).toBe(TradingState.HALTED); // still restarting (1.5 s backoff)
    expect([a.tap.count(ORDER), b.tap.count(ORDER)]).toEqual([1, 1]);

    await until('the kill switch back and the gate open', () => rt.gate.read() === TradingState.ACTIVE);
    await flood(rt, 50, 1);
    await until('orders pass again', () => a.tap.count(ORDER) === 2 && b.tap.count(ORDER) === 2);
  });

  it('sends no order during shutdown, and the exit policy cancels what is open', async () => {
    const [a, b] = [await startVenue(), await startVenue()];
    const rt = await startSystem(a, b);
    await flood(rt, 1, 3);
    await until('3 resting orders on each venue', async () => (await openAt(a)) === 3 && (await openAt(b)) === 3);
    a.tap.hold();
    b.tap.hold();
    await flood(rt, 100, 40);
    await until('orders on the wire', () => a.tap.held() > 0 && b.tap.held() > 0);
    const stopping = rt.shutdown('SIGTERM during a burst');
    await settle(300);
    const leftBeforeShutdown = { a: a.tap.count(ORDER), b: b.tap.count(ORDER) };
    a.tap.release();
    b.tap.release();
    await stopping;
    runtime = undefined;
    expect({ a: a.tap.count(ORDER), b: b.tap.count(ORDER) }).toEqual(leftBeforeShutdown);
    expect(await openAt(a)).toBe(0);
    expect(await openAt(b)).toBe(0);
  });
});
