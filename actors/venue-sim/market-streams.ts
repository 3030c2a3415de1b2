import type { WebSocket } from 'ws';
import { DelayedDelivery } from './delayed-delivery.js';
import type { FaultController } from './faults.js';
import type { MarketEvent } from './market-source.js';
import { ticker24hJson } from './rest-routes.js';
import type { Venue } from './venue.js';
import { websocketText } from '../../src/runtime/websocket-text.js';

/**
 * Binance market streams over WebSocket. Clients connect on any path under /stream or /ws
 * (ccxt appends a connection number) and subscribe by message:
 *   {"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":1} -> {"result":null,"id":1}
 * Events are sent in the combined-stream wrapper {"stream","data"}.
 */
const STREAM_KINDS = ['depth@100ms', 'trade', 'miniTicker', 'ticker', 'bookTicker'] as const;
type StreamKind = (typeof STREAM_KINDS)[number];

interface Subscriber {
  readonly socket: WebSocket;
  readonly streams: Set<string>;
  readonly delivery: DelayedDelivery;
}

interface ControlMessage {
  method?: unknown;
  params?: unknown;
  id?: unknown;
}

export class MarketStreamHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly tickerTimer: NodeJS.Timeout;

  constructor(
    private readonly venue: Venue,
    private readonly faults: FaultController,
    tickerIntervalMs: number,
  ) {
    venue.onMarketEvent((event) => this.publish(event));
    this.tickerTimer = setInterval(() => this.publishTickers(), tickerIntervalMs);
  }

  get connectionCount(): number {
    return this.subscribers.size;
  }

  accept(socket: WebSocket): void {
    const subscriber: Subscriber = { socket, streams: new Set(), delivery: new DelayedDelivery(() => this.faults.latencyMs) };
    this.subscribers.add(subscriber);
    socket.on('message', (data) => this.handleControl(subscriber, websocketText(data)));
    socket.on('close', () => {
      subscriber.delivery.cancel();
      this.subscribers.delete(subscriber);
    });
    socket.on('error', () => socket.terminate());
  }

  /** Drops every market connection without a close frame. */
  dropAll(): number {
    const count = this.subscribers.size;
    for (const subscriber of this.subscribers) subscriber.socket.terminate();
    return count;
  }

  close(): void {
    clearInterval(this.tickerTimer);
    this.dropAll();
  }

  private handleControl(subscriber: Subscriber, text: string): void {
    let message: ControlMessage;
    try {
      message = JSON.parse(text) as ControlMessage;
    } catch (error) {
      this.send(subscriber, { error: { code: 3, msg: `Invalid JSON: ${(error as Error).message}` }, id: null });
      return;
    }
    const id = message.id ?? null;
    if (typeof message !== 'object' || message === null || typeof message.method !== 'string') {
      this.send(subscriber, { error: { code: 2, msg: "Invalid request: 'method' must be a string" }, id });
      return;
    }
    if (message.method === 'LIST_SUBSCRIPTIONS') {
      this.send(subscriber, { result: [...subscriber.streams], id });
      return;
    }
    if (message.method !== 'SUBSCRIBE' && message.method !== 'UNSUBSCRIBE') {
      this.send(subscriber, { error: { code: 2, msg: `Invalid request: unknown method '${message.method}'` }, id });
      return;
    }
    const streams = message.params;
    if (!Array.isArray(streams) || streams.some((name) => typeof name !== 'string')) {
      this.send(subscriber, { error: { code: 1, msg: "Invalid value type: 'params' must be a list of stream names" }, id });
      return;
    }
    const unknown = (streams as string[]).find((name) => !this.isKnownStream(name));
    if (unknown !== undefined) {
      this.send(subscriber, { error: { code: 2, msg: `Invalid request: unknown stream '${unknown}'` }, id });
      return;
    }
    for (const name of streams as string[]) {
      if (message.method === 'SUBSCRIBE') subscriber.streams.add(name);
      else subscriber.streams.delete(name);
    }
    this.send(subscriber, { result: null, id });
  }

  private isKnownStream(name: string): boolean {
    const at = name.indexOf('@');
    if (at <= 0) return false;
    const symbol = name.slice(0, at);
    const kind = name.slice(at + 1) as StreamKind;
    return symbol === symbol.toLowerCase() && this.venue.spec(symbol.toUpperCase()) !== undefined && STREAM_KINDS.includes(kind);
  }

  private publish(event: MarketEvent): void {
    const symbol = event.symbol.toLowerCase();
    if (event.kind === 'depth') {
      if (this.faults.takeDepthSkip(event.symbol)) return;
      this.broadcast(`${symbol}@depth@100ms`, event.payload);
    } else if (event.kind === 'trade') {
      this.broadcast(`${symbol}@trade`, event.payload);
    } else {
      this.broadcast(`${symbol}@bookTicker`, event.payload);
    }
  }

  private publishTickers(): void {
    for (const spec of this.venue.symbols) {
      const symbol = spec.symbol.toLowerCase();
      const mini = `${symbol}@miniTicker`;
      const full = `${symbol}@ticker`;
      if (!this.hasSubscriber(mini) && !this.hasSubscriber(full)) continue;
      const rest = ticker24hJson(this.venue, spec);
      if (rest.count === 0) continue;
      const E = this.venue.marketTime(spec.symbol);
      this.broadcast(mini, {
        e: '24hrMiniTicker', E, s: spec.symbol,
        c: rest.lastPrice, o: rest.openPrice, h: rest.highPrice, l: rest.lowPrice, v: rest.volume, q: rest.quoteVolume,
      });
      this.broadcast(full, {
        e: '24hrTicker', E, s: spec.symbol,
        p: rest.priceChange, P: rest.priceChangePercent, w: rest.weightedAvgPrice, x: rest.prevClosePrice,
        c: rest.lastPrice, Q: rest.lastQty, b: rest.bidPrice, B: rest.bidQty, a: rest.askPrice, A: rest.askQty,
        o: rest.openPrice, h: rest.highPrice, l: rest.lowPrice, v: rest.volume, q: rest.quoteVolume,
        O: rest.openTime, C: rest.closeTime, F: rest.firstId, L: rest.lastId, n: rest.count,
      });
    }
  }

  private hasSubscriber(stream: string): boolean {
    for (const subscriber of this.subscribers) if (subscriber.streams.has(stream)) return true;
    return false;
  }

  private broadcast(stream: string, data: unknown): void {
    if (this.faults.feedSilent) return;
    let text: string | undefined;
    for (const subscriber of this.subscribers) {
      if (!subscriber.streams.has(stream)) continue;
      text ??= JSON.stringify({ stream, data });
      this.sendText(subscriber, text);
    }
  }

  private send(subscriber: Subscriber, message: unknown): void {
    this.sendText(subscriber, JSON.stringify(message));
  }

  private sendText(subscriber: Subscriber, text: string): void {
    subscriber.delivery.deliver(() => {
      if (subscriber.socket.readyState === subscriber.socket.OPEN) subscriber.socket.send(text);
    });
  }
}

