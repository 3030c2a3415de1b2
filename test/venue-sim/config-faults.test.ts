import ccxt from 'ccxt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { applyFaultCommand, parseFaultCommand } from '../../actors/venue-sim/fault-command.js';
import { FaultController } from '../../actors/venue-sim/faults.js';
import { resolveVenueOptions, VenueOptionsError } from '../../actors/venue-sim/options.js';
import { startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/server.js';
import { CcxtClients } from './ccxt-clients.js';
import { websocketText } from '../../src/runtime/websocket-text.js';

/**
 * Every fault of issue 5 switched on from the emulator's options (the `faults` block of a
 * venue-sim actor's config or of `bot4 venue --config`), observed from outside: with
 * unmodified ccxt or a plain WebSocket client. (The admin-call path: admin-faults.test.ts.)
 */
const ignoreCcxtRejection = (): void => undefined;
beforeAll(() => {
  process.on('unhandledRejection', ignoreCcxtRejection);
});
afterAll(() => {
  process.off('unhandledRejection', ignoreCcxtRejection);
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface StreamClient {
  socket: WebSocket;
  data: { stream: string; data: { U?: number; u?: number } }[];
  closes: number[];
}

async function subscribe(venue: RunningVenue, streams: string[]): Promise<StreamClient> {
  const socket = new WebSocket(`${venue.wsUrl}/stream`);
  const client: StreamClient = { socket, data: [], closes: [] };
  socket.on('message', (raw) => {
    const message = JSON.parse(websocketText(raw)) as { stream?: string; data?: { U?: number; u?: number } };
    if (message.stream && message.data) client.data.push({ stream: message.stream, data: message.data });
  });
  socket.on('close', (code) => client.closes.push(code));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ method: 'SUBSCRIBE', params: streams, id: 1 }));
  return client;
}

describe('faults from the emulator options', () => {
  let venue: RunningVenue | undefined;
  const clients = new CcxtClients();
  afterEach(async () => {
    await clients.closeAll();
    await venue?.close();
    venue = undefined;
  });

  it('clockOffsetMs: signed requests get -1021, which ccxt raises as InvalidNonce', async () => {
    venue = await startVenueEmulator({ market: { kind: 'none' }, faults: { clockOffsetMs: 120_000 } });
    const exchange = clients.rest(venue);
    await exchange.loadMarkets();
    await expect(exchange.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
  });

  it('rejectRequests: every REST request is answered 418 (ccxt: DDoSProtection) until cleared', async () => {
    venue = await startVenueEmulator({ market: { kind: 'none' }, faults: { rejectRequests: 418 } });
    const exchange = clients.rest(venue);
    await expect(exchange.fetchTime()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    await expect(exchange.fetchTime()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
    venue.faults.clear();
    expect(await exchange.fetchTime()).toBeGreaterThan(0);
  });

  it('silentFeed: the subscription is confirmed, no market data flows, the socket answers pings', async () => {
    venue = await startVenueEmulator({ market: { kind: 'simulated', seed: 31, stepMs: 20 }, faults: { silentFeed: true } });
    const client = await subscribe(venue, ['btcusdt@depth@100ms', 'btcusdt@trade']);
    const pong = new Promise((resolve) => client.socket.once('pong', resolve));
    client.socket.ping();
    await pong;
    await new Promise((resolve) => setTimeout(resolve, 400)); // 20 market steps
    expect(client.data).toEqual([]);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    venue.faults.resumeFeed();
    await waitFor(() => client.data.length > 0);
    client.socket.close();
  });

  it('dropConnections: market sockets are terminated (1006) every everyMs; user sockets are left alone', async () => {
    venue = await startVenueEmulator({ market: { kind: 'simulated', seed: 32, stepMs: 50 }, faults: { dropConnections: { everyMs: 150, kind: 'market' } } });
    const first = await subscribe(venue, ['btcusdt@trade']);
    await waitFor(() => first.closes.length === 1);
    expect(first.closes).toEqual([1006]);
    const second = await subscribe(venue, ['btcusdt@trade']);
    await waitFor(() => second.closes.length === 1);
    expect(second.closes).toEqual([1006]);
    const user = new WebSocket(`${venue.wsUrl}/ws-api/v3`);
    await new Promise((resolve) => user.once('open', resolve));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(user.readyState).toBe(WebSocket.OPEN);
    user.close();
  });

  it('skipDepthUpdates: a depth diff is left out every everyMs, so update ids show a gap', async () => {
    venue = await startVenueEmulator({ market: { kind: 'simulated', seed: 33, stepMs: 20 }, faults: { skipDepthUpdates: { everyMs: 200, symbol: 'BTCUSDT' } } });
    const client = await subscribe(venue, ['btcusdt@depth@100ms', 'ethusdt@depth@100ms']);
    const gaps = (stream: string): number => {
      const diffs = client.data.filter((m) => m.stream === stream).map((m) => m.data);
      return diffs.slice(1).filter((diff, i) => diff.U !== diffs[i]!.u! + 1).length;
    };
    await waitFor(() => gaps('btcusdt@depth@100ms') >= 2);
    expect(client.data.filter((m) => m.stream === 'ethusdt@depth@100ms').length).toBeGreaterThan(5);
    expect(gaps('ethusdt@depth@100ms')).toBe(0);
    client.socket.close();
  });

  it('refuses bad fault options, naming the field', () => {
    const problems = (faults: unknown): readonly string[] => {
      try {
        resolveVenueOptions({ faults } as never);
      } catch (error) {
        return (error as VenueOptionsError).problems;
      }
      return [];
    };
    expect(problems({ dropConnections: { everyMs: 10 } })).toEqual([expect.stringContaining('options.faults.dropConnections.everyMs')]);
    expect(problems({ dropConnections: { everyMs: 100, kind: 'both' } })).toEqual([expect.stringContaining('options.faults.dropConnections.kind')]);
    expect(problems({ skipDepthUpdates: { everyMs: 100, symbol: 'DOGEUSDT' } })).toEqual(['options.faults.skipDepthUpdates.symbol: DOGEUSDT is not one of the venue\'s symbols (BTCUSDT, ETHUSDT)']);
    expect(problems({ rejectRequests: 500 })).toEqual([expect.stringContaining('options.faults.rejectRequests')]);
  });
});

describe('fault commands (the admin call\'s argument)', () => {
  it('parses each fault and applies it to the controller', () => {
    const faults = new FaultController();
    applyFaultCommand(faults, parseFaultCommand({ fault: 'latency', ms: 250 }));
    applyFaultCommand(faults, parseFaultCommand({ fault: 'clock-offset', ms: -3000 }));
    applyFaultCommand(faults, parseFaultCommand({ fault: 'reject', status: 429, count: 2 }));
    applyFaultCommand(faults, parseFaultCommand({ fault: 'skip-depth', symbol: 'BTCUSDT' }));
    applyFaultCommand(faults, parseFaultCommand({ fault: 'silence' }));
    expect(faults.snapshot()).toEqual({ latencyMs: 250, clockOffsetMs: -3000, silentFeed: true, rejecting: { status: 429, remaining: 2 }, pendingDepthSkips: { BTCUSDT: 1 } });
    expect(applyFaultCommand(faults, parseFaultCommand({ fault: 'drop', kind: 'user' }))).toEqual({ fault: 'drop', dropped: 0 });
    applyFaultCommand(faults, parseFaultCommand({ fault: 'resume' }));
    expect(faults.feedSilent).toBe(false);
    applyFaultCommand(faults, parseFaultCommand({ fault: 'clear' }));
    expect(faults.snapshot()).toEqual({ latencyMs: 0, clockOffsetMs: 0, silentFeed: false, rejecting: null, pendingDepthSkips: {} });
  });

  it('names what is wrong with a command', () => {
    expect(() => parseFaultCommand({ fault: 'flood' })).toThrow('venue fault: fault: must be one of latency, clock-offset, reject, skip-depth, silence, resume, drop, clear, got "flood"');
    expect(() => parseFaultCommand({ fault: 'reject', status: 500 })).toThrow(/venue fault: status: /);
    expect(() => parseFaultCommand({ fault: 'latency', ms: -1 })).toThrow(/venue fault: ms: /);
    expect(() => parseFaultCommand({ fault: 'silence', forMs: 5 })).toThrow('venue fault: unknown field(s) forMs');
    expect(() => parseFaultCommand(null)).toThrow(/venue fault: /);
  });
});
