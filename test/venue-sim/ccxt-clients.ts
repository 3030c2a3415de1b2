import ccxt from 'ccxt';
import { ccxtBinanceOptions } from '../../actors/venue-sim/ccxt-connection.js';
import type { RunningVenue } from '../../actors/venue-sim/server.js';

/** Unmodified ccxt clients pointed at an emulator, closed together after each test. */
export type ProBinance = InstanceType<typeof ccxt.pro.binance>;
export type RestBinance = InstanceType<typeof ccxt.binance>;

export class CcxtClients {
  private readonly pro: ProBinance[] = [];

  rest(venue: RunningVenue, account = 0, extra: Record<string, unknown> = {}): RestBinance {
    const credentials = venue.accounts[account];
    if (!credentials) throw new Error(`venue has no account #${account}`);
    return new ccxt.binance({ ...ccxtBinanceOptions(venue, credentials), ...extra });
  }

  ws(venue: RunningVenue, account = 0, extra: Record<string, unknown> = {}): ProBinance {
    const credentials = venue.accounts[account];
    if (!credentials) throw new Error(`venue has no account #${account}`);
    const client = new ccxt.pro.binance({ ...ccxtBinanceOptions(venue, credentials), ...extra });
    this.pro.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.pro.splice(0).map((client) => client.close()));
  }
}

/** Awaits `watch` repeatedly until `accept` returns true (or the deadline passes). */
export async function watchUntil<T>(watch: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await watch();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`watchUntil: condition not met within ${timeoutMs} ms`);
  }
}
