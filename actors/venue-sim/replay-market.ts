import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { decimal, formatDecimal } from './decimal.js';
import { DepthBook, type BookSide, type Level } from './depth-book.js';
import type { MarketLiquidity } from './matching-engine.js';
import type { BookTickerPayload, DepthSnapshot, DepthUpdatePayload, MarketEvent, MarketSource, TradePayload } from './market-source.js';
import { readRecordedStream, RecordedStreamError, type RecordedLine } from './recorded-stream.js';
import type { SymbolSpec } from './symbols.js';

export interface ReplayConfig {
  /** Recorded stream files, played one after the other (e.g. btcusdt_20240808.gz then _20240809.gz). */
  files: string[];
  /** 1 = recorded speed, 10 = ten times faster, 'max' = as fast as the event loop allows. */
  speed: number | 'max';
}

/** How many records 'max' speed plays before letting sockets and timers run. */
const MAX_SPEED_BATCH = 25;

/**
 * Replays a recorded Binance stream for one symbol. The book starts from the file's depth
 * snapshot (so REST depth first answers with the recording's lastUpdateId); depth diffs,
 * trades and bookTicker messages are then re-emitted as recorded, paced by the recorded
 * receive times. Diffs recorded before the snapshot that it already contains are dropped,
 * as the Binance book-sync procedure prescribes.
 *
 * Users' orders take liquidity from the recorded book, but a recording cannot react: what
 * they take is remembered per level (`consumed`) and forgotten when the recording next
 * updates that level. Public streams stay exactly as recorded.
 */
export class ReplayMarket implements MarketSource {
  private readonly book = new DepthBook();
  private readonly consumed = { bid: new Map<bigint, bigint>(), ask: new Map<bigint, bigint>() };
  private stopped = false;
  private wakeSleeper: (() => void) | undefined;
  private finishedResolve!: () => void;
  private finishedReject!: (error: Error) => void;
  /** Settles when the recording has been played to its end (or stop() was called). */
  readonly finished: Promise<void>;
  readonly liquidity: MarketLiquidity;

  constructor(
    private readonly spec: SymbolSpec,
    private readonly config: ReplayConfig,
  ) {
    this.finished = new Promise<void>((resolve, reject) => {
      this.finishedResolve = resolve;
      this.finishedReject = reject;
    });
    this.finished.catch(() => undefined); // observed by whoever awaits `finished`; this only keeps an unawaited failure from crashing the thread
    this.liquidity = {
      levels: (side: BookSide): IterableIterator<Level> => this.availableLevels(side),
      consume: (side: BookSide, price: bigint, qty: bigint): void => {
        const consumed = this.consumed[side];
        consumed.set(price, (consumed.get(price) ?? 0n) + qty);
      },
    };
  }

  get symbol(): string {
    return this.spec.symbol;
  }

  depthSnapshot(limit: number): DepthSnapshot {
    const text = (level: Level): [string, string] => [formatDecimal(level.price), formatDecimal(level.qty)];
    return {
      lastUpdateId: this.book.lastUpdateId,
      bids: this.book.bids.top(limit).map(text),
      asks: this.book.asks.top(limit).map(text),
    };
  }

  bestBid(): Level | undefined {
    return this.book.bids.best();
  }

  bestAsk(): Level | undefined {
    return this.book.asks.best();
  }

  /** Reads up to the depth snapshot, then plays the rest in the background. */
  async start(sink: (event: MarketEvent) => void): Promise<void> {
    const records = readRecordedStream(this.config.files);
    const beforeSnapshot: RecordedLine[] = [];
    for (;;) {
      const next = await records.next();
      if (next.done) throw new RecordedStreamError(`replay: no depth snapshot in ${this.config.files.join(', ')}`);
      const record = next.value;
      if (record.kind === 'snapshot') {
        this.applySnapshot(record);
        break;
      }
      this.checkSymbol(record);
      beforeSnapshot.push(record);
    }
    void this.play(beforeSnapshot, records, sink).then(this.finishedResolve, (error: Error) => {
      void records.return(undefined);
      this.finishedReject(error);
    });
  }

  /** The recorded book's levels less what users' orders already took from them. */
  private *availableLevels(side: BookSide): IterableIterator<Level> {
    const consumed = this.consumed[side];
    for (const level of this.book.side(side).levels()) {
      const available = level.qty - (consumed.get(level.price) ?? 0n);
      if (available > 0n) yield { price: level.price, qty: available };
    }
  }

  stop(): void {
    this.stopped = true;
    this.wakeSleeper?.();
  }

  private async play(buffered: RecordedLine[], rest: AsyncGenerator<RecordedLine>, sink: (event: MarketEvent) => void): Promise<void> {
    // start on a later turn, so whoever awaited start() sees the recording's snapshot first
    await yieldToEventLoop();
    let startNs: bigint | undefined;
    const startWall = performance.now();
    let sinceYield = 0;
    const playOne = async (record: RecordedLine): Promise<void> => {
      if (this.config.speed === 'max') {
        if (++sinceYield >= MAX_SPEED_BATCH) {
          sinceYield = 0;
          await yieldToEventLoop();
        }
      } else {
        startNs ??= record.receiveNs;
        const dueWall = startWall + Number(record.receiveNs - startNs) / 1e6 / this.config.speed;
        const wait = dueWall - performance.now();
        if (wait >= 1) await this.sleep(wait);
      }
      if (this.stopped) return;
      const event = this.toEvent(record);
      if (event) sink(event);
    };
    try {
      for (const record of buffered) {
        if (this.stopped) return;
        await playOne(record);
      }
      for await (const record of rest) {
        if (this.stopped) return;
        await playOne(record);
      }
    } finally {
      await rest.return(undefined);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleeper = done;
    });
  }

  private applySnapshot(record: Extract<RecordedLine, { kind: 'snapshot' }>): void {
    this.book.bids.clear();
    this.book.asks.clear();
    for (const [price, qty] of record.bids) this.book.bids.set(decimal(price), decimal(qty));
    for (const [price, qty] of record.asks) this.book.asks.set(decimal(price), decimal(qty));
    this.book.lastUpdateId = record.lastUpdateId;
  }

  private checkSymbol(record: RecordedLine): void {
    if (record.kind !== 'message') return;
    const symbol = record.data.s;
    if (typeof symbol === 'string' && symbol !== this.spec.symbol) {
      throw new RecordedStreamError(`replay: the recording is for ${symbol}, but the venue replays ${this.spec.symbol}`);
    }
  }

  private toEvent(record: RecordedLine): MarketEvent | undefined {
    if (record.kind !== 'message') return undefined; // later snapshots add nothing to a continuous diff stream
    const stream = record.stream;
    if (stream.endsWith('@depth@100ms') || stream.endsWith('@depth')) {
      const payload = record.data as unknown as DepthUpdatePayload;
      if (payload.u <= this.book.lastUpdateId) return undefined;
      this.applyDiff('bid', payload.b);
      this.applyDiff('ask', payload.a);
      this.book.lastUpdateId = payload.u;
      return { kind: 'depth', symbol: this.spec.symbol, payload };
    }
    if (stream.endsWith('@trade')) {
      const payload = record.data as unknown as TradePayload;
      return {
        kind: 'trade', symbol: this.spec.symbol, payload,
        price: decimal(payload.p), qty: decimal(payload.q), takerSide: payload.m ? 'SELL' : 'BUY',
      };
    }
    if (stream.endsWith('@bookTicker')) {
      return { kind: 'bookTicker', symbol: this.spec.symbol, payload: record.data as unknown as BookTickerPayload };
    }
    return undefined;
  }

  private applyDiff(side: BookSide, levels: [string, string][]): void {
    const book = this.book.side(side);
    for (const [price, qty] of levels) {
      const units = decimal(price);
      book.set(units, decimal(qty));
      this.consumed[side].delete(units);
    }
  }
}

