import { Ledger, type AccountSetup } from './accounts.js';
import type { Level } from './depth-book.js';
import { FaultController } from './faults.js';
import type { MarketEvent, MarketSource } from './market-source.js';
import { MatchingEngine, type FeeRates } from './matching-engine.js';
import type { SymbolSpec } from './symbols.js';
import { TickerStats } from './ticker-stats.js';
import { captureState, engineStateOf, ledgerStateOf, type VenueState } from './venue-state.js';

export interface VenueParts {
  readonly symbols: readonly SymbolSpec[];
  readonly accounts: readonly AccountSetup[];
  readonly fees: FeeRates;
  readonly faults: FaultController;
  /** Symbol -> its market; a symbol without one has only the users' orders. */
  readonly sources: ReadonlyMap<string, MarketSource>;
}

/**
 * The venue without its sockets: accounts, matching engine, markets and 24h statistics,
 * wired so that every market event reaches the engine (rules 2 and 3 of
 * matching-engine.ts) and the statistics before it is handed to stream listeners.
 */
export class Venue {
  readonly ledger: Ledger;
  readonly engine: MatchingEngine;
  readonly faults: FaultController;
  readonly symbols: readonly SymbolSpec[];
  private readonly sources: ReadonlyMap<string, MarketSource>;
  private readonly stats = new Map<string, TickerStats>();
  private readonly marketListeners: ((event: MarketEvent) => void)[] = [];
  private readonly lastMarketTime = new Map<string, number>();

  constructor(parts: VenueParts) {
    this.symbols = parts.symbols;
    this.faults = parts.faults;
    this.sources = parts.sources;
    this.ledger = new Ledger(parts.accounts);
    this.engine = new MatchingEngine({
      symbols: parts.symbols,
      ledger: this.ledger,
      fees: parts.fees,
      now: () => this.serverTime(),
      liquidity: (symbol) => this.sources.get(symbol)?.liquidity,
    });
    for (const spec of parts.symbols) this.stats.set(spec.symbol, new TickerStats());
  }

  /** Loads a saved state (state-store.ts) before the venue starts; throws RangeError naming what does not fit the options. */
  restore(state: VenueState): void {
    this.ledger.restore(ledgerStateOf(state));
    this.engine.restore(engineStateOf(state));
  }

  /** The whole state to save, as of journal line `seq`. */
  capture(seq: number): VenueState {
    return captureState(seq, this.engine.state(), this.ledger.state());
  }

  /** The venue's clock (shifted by the clock-offset fault). */
  serverTime(): number {
    return Date.now() + this.faults.clockOffsetMs;
  }

  spec(symbol: string): SymbolSpec | undefined {
    return this.symbols.find((spec) => spec.symbol === symbol);
  }

  source(symbol: string): MarketSource | undefined {
    return this.sources.get(symbol);
  }

  tickerStats(symbol: string): TickerStats | undefined {
    return this.stats.get(symbol);
  }

  /** Market time of a symbol: the latest event time it published (recorded time in a replay). */
  marketTime(symbol: string): number {
    return this.lastMarketTime.get(symbol) ?? this.serverTime();
  }

  bestBid(symbol: string): Level | undefined {
    return this.sources.get(symbol)?.bestBid();
  }

  bestAsk(symbol: string): Level | undefined {
    return this.sources.get(symbol)?.bestAsk();
  }

  onMarketEvent(listener: (event: MarketEvent) => void): void {
    this.marketListeners.push(listener);
  }

  async start(): Promise<void> {
    for (const source of this.sources.values()) await source.start((event) => this.handleMarketEvent(event));
  }

  stop(): void {
    for (const source of this.sources.values()) source.stop();
  }

  private handleMarketEvent(event: MarketEvent): void {
    for (const listener of this.marketListeners) listener(event);
    if (event.kind === 'trade') {
      this.lastMarketTime.set(event.symbol, event.payload.T);
      this.stats.get(event.symbol)?.record(event.price, event.qty, event.payload.T, event.payload.t);
      this.engine.onMarketTrade(event.symbol, event.price, event.qty, event.takerSide);
    } else if (event.kind === 'depth') {
      this.lastMarketTime.set(event.symbol, event.payload.E);
      this.engine.sweepCrossed(event.symbol);
    }
  }
}
