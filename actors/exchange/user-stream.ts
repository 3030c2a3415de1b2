import type { Order, Trade } from 'ccxt';
import type { Backoff } from './backoff.js';
import { errorText } from './ccxt-errors.js';
import type { VenueClient } from './venue-client.js';

/**
 * The user-data stream through ccxt.pro: watchOrders and watchMyTrades, each in its own
 * loop. A failing watch (dropped socket, auth refused) marks the stream down, waits a
 * jittered exponential backoff and calls again, which makes ccxt reconnect and resubscribe.
 * While it is down the actor polls orders over REST (OrderExecutor.poll).
 */
export interface UserStreamSink {
  onOrders(orders: Order[]): void;
  onTrades(trades: Trade[]): void;
  onState(up: boolean, detail: string): void;
}

export class UserStream {
  private stopped = false;
  private up = false;
  failures = 0;
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly client: VenueClient,
    private readonly backoff: Backoff,
    private readonly sink: UserStreamSink,
  ) {}

  get isUp(): boolean {
    return this.up;
  }

  start(): void {
    this.setUp(true, 'subscribing to orders and trades');
    this.loops.push(this.loop('watchOrders', () => this.client.watchOrders(), (orders) => this.sink.onOrders(orders)));
    this.loops.push(this.loop('watchMyTrades', () => this.client.watchMyTrades(), (trades) => this.sink.onTrades(trades)));
  }

  stop(): void {
    this.stopped = true;
  }

  private async loop<T>(name: string, watch: () => Promise<T>, deliver: (value: T) => void): Promise<void> {
    while (!this.stopped) {
      try {
        const value = await watch();
        if (this.stopped) return;
        this.backoff.reset();
        this.setUp(true, `${name} delivering again`);
        deliver(value);
      } catch (error) {
        if (this.stopped) return;
        this.failures++;
        const delay = this.backoff.next();
        this.setUp(false, `${name} failed (${errorText(error)}); retrying in ${delay} ms, polling orders over REST meanwhile`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private setUp(up: boolean, detail: string): void {
    if (up === this.up) return;
    this.up = up;
    this.sink.onState(up, detail);
  }
}
