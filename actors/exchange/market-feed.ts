import { WebSocket } from 'ws';
import { nowUs } from '../../src/runtime/clock.js';
import { Backoff } from './backoff.js';
import { MALFORMED_REASONS, parseMarketMessage, type MalformedReason, type ParsedTrade } from './binance-market-messages.js';
import { BookSync, type DepthDiff, type DepthSnapshot } from './book-sync.js';
import type { L2Book } from './l2-book.js';
import { websocketText } from '../../src/runtime/websocket-text.js';

/**
 * The market-data connection of one Binance-protocol venue: one WebSocket with the depth
 * diff and trade streams of every instrument, a local book per instrument kept by BookSync
 * from a REST snapshot (fetched through ccxt) plus the diffs, and the resilience around it:
 * reconnect with exponential backoff and jitter, resubscribe and resync after every
 * reconnect, a new snapshot after a gap, pings for the round-trip time.
 */
export interface FeedInstrument {
  readonly instrument: number;
  /** ccxt's unified symbol, e.g. BTC/USDT (for the REST snapshot). */
  readonly symbol: string;
  /** The venue's id, e.g. BTCUSDT (as the streams name it). */
  readonly nativeId: string;
}

export interface FeedSink {
  /** A diff was applied; `book` already contains it. */
  onDepth(instrument: FeedInstrument, diff: DepthDiff, book: L2Book): void;
  /** The book was (re)built from a snapshot; diffs buffered meanwhile follow through onDepth. */
  onSnapshot(instrument: FeedInstrument, book: L2Book): void;
  onTrade(instrument: FeedInstrument, trade: ParsedTrade, receiveTsUs: number): void;
  /** Any stream event (the stale detector's food). */
  onData(): void;
  onMalformed(reason: MalformedReason, detail: string): void;
  /** An event for a symbol outside the instrument whitelist: dropped. */
  onUnknownSymbol(symbol: string): void;
  onGap(instrument: FeedInstrument, detail: string): void;
  onConnection(up: boolean, detail: string): void;
  onPingRtt(ms: number): void;
}

export interface FeedOptions {
  readonly url: string;
  readonly instruments: readonly FeedInstrument[];
  readonly fetchSnapshot: (instrument: FeedInstrument) => Promise<DepthSnapshot>;
  readonly reconnect: Backoff;
  /** Spaces snapshot retries (failed or too old), so a sick REST endpoint is not hammered. */
  readonly snapshotRetry: Backoff;
  readonly pingEveryMs: number;
  readonly sink: FeedSink;
}

export interface FeedCounters {
  connects: number;
  reconnects: number;
  disconnects: number;
  subscribeErrors: number;
  snapshotFailures: number;
  malformed: Record<MalformedReason, number>;
}

export class MarketFeed {
  readonly counters: FeedCounters = {
    connects: 0, reconnects: 0, disconnects: 0, subscribeErrors: 0, snapshotFailures: 0,
    malformed: Object.fromEntries(MALFORMED_REASONS.map((reason) => [reason, 0])) as Record<MalformedReason, number>,
  };
  readonly syncs = new Map<string, BookSync>();
  private readonly byNativeId = new Map<string, FeedInstrument>();
  private socket: WebSocket | undefined;
  private connected = false;
  private connectedAtMs = 0;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pingSentAt = 0;
  private nextRequestId = 1;
  private readonly snapshotsInFlight = new Set<string>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** Set once data flows after a (re)connect: only then is the reconnect backoff forgiven. */
  private dataSinceConnect = false;

  constructor(private readonly options: FeedOptions) {
    for (const instrument of options.instruments) {
      this.byNativeId.set(instrument.nativeId, instrument);
      this.syncs.set(instrument.nativeId, new BookSync((diff, book) => options.sink.onDepth(instrument, diff, book)));
    }
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get connectedSinceMs(): number {
    return this.connectedAtMs;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.socket?.removeAllListeners();
    this.socket?.on('error', () => undefined);
    this.socket?.terminate();
    this.socket = undefined;
  }

  /** Drops the connection on purpose (a stale feed): the usual reconnect path follows. */
  recycle(why: string): void {
    if (!this.socket) return;
    this.options.sink.onConnection(false, `recycling the market connection: ${why}`);
    this.socket.terminate();
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = new WebSocket(this.options.url, { handshakeTimeout: 10_000 });
    this.socket = socket;
    socket.on('open', () => {
      this.counters.connects++;
      if (this.counters.connects > 1) this.counters.reconnects++;
      this.connected = true;
      this.connectedAtMs = Date.now();
      this.dataSinceConnect = false;
      const params = this.options.instruments.flatMap((i) => [`${i.nativeId.toLowerCase()}@depth@100ms`, `${i.nativeId.toLowerCase()}@trade`]);
      socket.send(JSON.stringify({ method: 'SUBSCRIBE', params, id: this.nextRequestId++ }));
      this.options.sink.onConnection(true, `connected to ${this.options.url}, subscribing ${params.join(', ')}`);
      this.pingTimer = setInterval(() => {
        this.pingSentAt = performance.now();
        socket.ping();
      }, this.options.pingEveryMs);
    });
    socket.on('pong', () => {
      if (this.pingSentAt > 0) this.options.sink.onPingRtt(performance.now() - this.pingSentAt);
    });
    socket.on('message', (data, isBinary) => this.onMessage(isBinary ? '' : websocketText(data)));
    socket.on('error', () => {
      // 'close' follows and reports; an error event without a listener would crash the thread.
    });
    socket.on('close', (code) => this.onClose(socket, code));
  }

  private onClose(socket: WebSocket, code: number): void {
    if (socket !== this.socket) return;
    clearInterval(this.pingTimer);
    this.socket = undefined;
    if (this.connected) this.counters.disconnects++;
    this.connected = false;
    for (const sync of this.syncs.values()) sync.reset();
    if (this.stopped) return;
    const delay = this.options.reconnect.next();
    this.options.sink.onConnection(false, `market connection closed (code ${code}); reconnect #${this.options.reconnect.attempts} in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private onMessage(text: string): void {
    const receiveTsUs = nowUs();
    const message = parseMarketMessage(text);
    switch (message.kind) {
      case 'malformed':
        this.counters.malformed[message.reason]++;
        this.options.sink.onMalformed(message.reason, message.detail);
        return;
      case 'reply':
        if (message.error !== null) {
          this.counters.subscribeErrors++;
          this.options.sink.onConnection(false, `the venue refused the subscription: ${message.error}`);
          this.socket?.terminate();
          return;
        }
        // Subscribed: diffs are buffering now, so a snapshot taken from here on can be joined to them.
        for (const instrument of this.options.instruments) this.requestSnapshot(instrument);
        return;
      case 'ignored':
        return;
      case 'depth': {
        const instrument = this.byNativeId.get(message.symbol);
        if (!instrument) return this.options.sink.onUnknownSymbol(message.symbol);
        this.noteData();
        const sync = this.syncs.get(instrument.nativeId)!;
        const outcome = sync.onDiff({
          firstUpdateId: message.firstUpdateId, lastUpdateId: message.lastUpdateId, eventTimeMs: message.eventTimeMs,
          bids: message.bids, asks: message.asks, receiveTsUs,
        });
        if (outcome.kind === 'gap') {
          this.options.sink.onGap(instrument, `expected a diff starting at ${outcome.expectedFirst}, got ${outcome.gotFirst}`);
          this.requestSnapshot(instrument);
        }
        return;
      }
      case 'trade': {
        const instrument = this.byNativeId.get(message.symbol);
        if (!instrument) return this.options.sink.onUnknownSymbol(message.symbol);
        this.noteData();
        this.options.sink.onTrade(instrument, message, receiveTsUs);
        return;
      }
    }
  }

  private noteData(): void {
    if (!this.dataSinceConnect) {
      this.dataSinceConnect = true;
      this.options.reconnect.reset();
    }
    this.options.sink.onData();
  }

  /** Fetches a snapshot unless one is already on its way; retries while the book is not live. */
  requestSnapshot(instrument: FeedInstrument): void {
    if (this.snapshotsInFlight.has(instrument.nativeId) || this.stopped) return;
    this.snapshotsInFlight.add(instrument.nativeId);
    const socket = this.socket;
    void this.options.fetchSnapshot(instrument).then(
      (snapshot) => {
        this.snapshotsInFlight.delete(instrument.nativeId);
        if (socket !== this.socket || !this.connected) return; // taken for a connection that is gone
        const sync = this.syncs.get(instrument.nativeId)!;
        const outcome = sync.onSnapshot(snapshot);
        if (outcome.kind === 'synced') {
          this.options.snapshotRetry.reset();
          this.options.sink.onSnapshot(instrument, sync.book);
          return;
        }
        if (outcome.kind === 'gap') this.options.sink.onGap(instrument, `buffered diffs skip from ${outcome.expectedFirst} to ${outcome.gotFirst}`);
        this.retrySnapshot(instrument, socket);
      },
      (error: unknown) => {
        this.snapshotsInFlight.delete(instrument.nativeId);
        this.counters.snapshotFailures++;
        this.options.sink.onConnection(this.connected, `depth snapshot of ${instrument.symbol} failed: ${error instanceof Error ? error.message : String(error)}`);
        this.retrySnapshot(instrument, socket);
      },
    );
  }

  /** A dead connection resyncs on reconnect anyway; a live one tries again after a backoff. */
  private retrySnapshot(instrument: FeedInstrument, socket: WebSocket | undefined): void {
    if (socket !== this.socket || !this.connected) return;
    const timer = setTimeout(() => {
      if (socket === this.socket && this.connected) this.requestSnapshot(instrument);
    }, this.options.snapshotRetry.next());
    this.retryTimers.add(timer);
    timer.unref();
  }
}
