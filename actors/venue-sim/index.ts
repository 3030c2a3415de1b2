/** The local Binance-spot venue emulator: start one with startVenueEmulator (docs/venue-emulator.md). */
export { startVenueEmulator, type RunningVenue } from './server.js';
export { resolveVenueOptions, VenueOptionsError, DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_BALANCES, type VenueOptions } from './options.js';
export { FaultController, type FaultSettings, type ConnectionKind } from './faults.js';
export { ccxtBinanceOptions } from './ccxt-connection.js';
export { DEFAULT_SYMBOLS, type SymbolConfig } from './symbols.js';
export { VenueStateError } from './state-store.js';
