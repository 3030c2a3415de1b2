import { startVenueEmulator, type RunningVenue, type VenueOptions } from '../../actors/venue-sim/index.js';
import { TradingState } from '../../src/domain/messages.js';
import { startActor, type ActorHandle } from '../../src/runtime/actor-handle.js';
import type { ActorEventMessage } from '../../src/runtime/actor-protocol.js';
import { TradingGateWriter, createTradingGate } from '../../src/runtime/trading-gate.js';
import { buildWiring } from '../../src/runtime/wiring.js';
import { startVenueTap, type VenueTap } from './venue-tap.js';

/**
 * One exchange actor on its own worker thread, wired by real rings to a frame recorder
 * (its market-data and report consumer) and a frame sender (standing in for the order
 * manager and the kill switch), talking over real sockets to a venue emulator.
 */
export interface ExchangeSystem {
  venue: RunningVenue;
  /** Everything the actor sends to the venue passes through here (counted). */
  tap: VenueTap;
  exchange: ActorHandle;
  recorder: ActorHandle;
  sender: ActorHandle;
  gate: TradingGateWriter;
  events: ActorEventMessage[];
  received(): Promise<{ peer: string; kind: string; message: Record<string, unknown> }[]>;
  health(): Promise<Health>;
  close(): Promise<void>;
}

/** The parts of the actor's `health` answer the tests read. */
export interface Health {
  market: { connected: boolean; connects: number; reconnects: number; stale: boolean; staleEpisodes: number; malformed: Record<string, number> };
  books: Record<string, { live: boolean; lastUpdateId: number; gaps: number; snapshots: number; diffsApplied: number; bestBid: number | null; bestAsk: number | null }>;
  rateLimit: { hits: number; blockedForMs: number };
  validation: Record<string, number>;
  orders: { gateRefusals: Record<string, number>; haltCancels: number; open: number };
  errors: Record<string, number>;
  latency: { rest: { count: number; p50Ms: number | null; p99Ms: number | null }; ws: { count: number } };
}

const fixture = (name: string): string => new URL(`./fixtures/${name}.js`, import.meta.url).href;
const recorderUrl = new URL('../fixtures/actors/frame-recorder.js', import.meta.url).href;

export const VENUE_ID = 3;
export const BTC = 7;
export const ETH = 8;

export async function startExchangeSystem(options: {
  venue?: VenueOptions;
  config?: Record<string, unknown>;
  gateState?: TradingState;
}): Promise<ExchangeSystem> {
  const venue = await startVenueEmulator({ market: { kind: 'none' }, ...options.venue });
  const tap = await startVenueTap(venue);
  const sab = createTradingGate();
  const gate = new TradingGateWriter(sab);
  gate.renewLease(3_600_000);
  gate.set(options.gateState ?? TradingState.ACTIVE);
  const wiring = buildWiring(
    [
      { name: 'exchange', path: 'root/venues/test/exchange', sends: ['recorder'], ringBytes: 1 << 22, fullPolicy: 'drop-newest' },
      { name: 'recorder', path: 'root/recorder', sends: [], ringBytes: 4096, fullPolicy: 'fail' },
      { name: 'sender', path: 'root/sender', sends: ['exchange'], ringBytes: 1 << 14, fullPolicy: 'fail' },
    ],
    sab,
  );
  const handles: ActorHandle[] = [];
  const events: ActorEventMessage[] = [];
  try {
    const recorder = await startActor({ path: 'root/recorder', name: 'recorder', kind: 'frame-recorder', moduleUrl: recorderUrl, config: {} }, wiring.get('recorder')!);
    handles.push(recorder);
    const sender = await startActor({ path: 'root/sender', name: 'sender', kind: 'frame-sender', moduleUrl: fixture('frame-sender'), config: {} }, wiring.get('sender')!);
    handles.push(sender);
    const endpoints = tap;
    const exchange = await startActor(
      {
        path: 'root/venues/test/exchange',
        name: 'exchange',
        kind: 'exchange',
        waitStrategy: 'park',
        startTimeoutMs: 30_000,
        heartbeatTimeoutMs: 10_000,
        seed: 42,
        config: {
          venue_id: VENUE_ID,
          emulator: { http_url: endpoints.httpUrl, ws_url: endpoints.wsUrl },
          instruments: [{ id: BTC, symbol: 'BTC/USDT' }],
          ...options.config,
        },
      },
      wiring.get('exchange')!,
      { onEvent: (event) => events.push(event) },
    );
    handles.push(exchange);
    return {
      venue, tap, exchange, recorder, sender, gate, events,
      received: async () => (await recorder.invoke('received', {}, 10_000)) as { peer: string; kind: string; message: Record<string, unknown> }[],
      health: async () => (await exchange.invoke('health', {}, 10_000)) as Health,
      async close() {
        await Promise.all(handles.map((handle) => handle.stop(5000)));
        await tap.close();
        await venue.close();
      },
    };
  } catch (error) {
    await Promise.all(handles.map((handle) => handle.kill()));
    await tap.close();
    await venue.close();
    throw error;
  }
}

export async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; last value: ${JSON.stringify(last).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
