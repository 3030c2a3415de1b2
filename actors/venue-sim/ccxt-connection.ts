import { Agent } from 'node:http';

/**
 * The constructor options that point ccxt's `binance` (REST) and `pro.binance` (WebSocket)
 * at an emulator, as docs/binance-spot-emulator.md section 1 prescribes. `sapi` is pointed
 * at the emulator too, so a stray call fails fast with "Unknown endpoint" instead of
 * reaching the internet.
 */
export interface VenueEndpoints {
  readonly httpUrl: string;
  readonly wsUrl: string;
}

export function ccxtBinanceOptions(venue: VenueEndpoints, credentials: { apiKey: string; secret: string }): Record<string, unknown> {
  const rest = `${venue.httpUrl}/api/v3`;
  return {
    apiKey: credentials.apiKey,
    secret: credentials.secret,
    // ccxt refuses ws:// URLs unless an http agent is given
    httpAgent: new Agent({ keepAlive: true }),
    urls: {
      api: {
        public: rest,
        private: rest,
        v3: rest,
        sapi: `${venue.httpUrl}/sapi/v1`,
        sapiV2: `${venue.httpUrl}/sapi/v2`,
        sapiV3: `${venue.httpUrl}/sapi/v3`,
        sapiV4: `${venue.httpUrl}/sapi/v4`,
        ws: { spot: `${venue.wsUrl}/stream/ws`, 'ws-api': { spot: `${venue.wsUrl}/ws-api/v3` } },
      },
    },
    options: {
      fetchCurrencies: false,
      fetchMargins: false,
      fetchMarkets: { types: ['spot'] },
      fetchOpenOrders: { warnWithoutSymbol: false },
    },
  };
}
