import { describe, expect, it } from 'vitest';
import { parseExchangeConfig } from '../../actors/exchange/config.js';

/** Unsupported venue/feed combinations are refused when the config is read, not when the feed first fails. */
const emulator = { http_url: 'http://127.0.0.1:1', ws_url: 'ws://127.0.0.1:1' };
const instruments = [{ id: 1, symbol: 'BTC/USDT' }];
const keys = { api_key_env: 'VENUE_KEY', secret_env: 'VENUE_SECRET' };

describe('exchange config: supported venues', () => {
  it('refuses an exchange whose market data the actor cannot read, naming what is supported', () => {
    expect(() => parseExchangeConfig({ venue_id: 1, exchange: 'kraken', instruments, ...keys })).toThrow(
      'exchange config: exchange: "kraken" is not supported: market data is implemented for Binance-protocol venues only (binance, binanceus, or the local emulator); see docs/exchange-actor.md',
    );
    expect(() => parseExchangeConfig({ venue_id: 1, exchange: 'coinbase', testnet: true, instruments, ...keys })).toThrow(/exchange: "coinbase" is not supported/);
  });

  it('refuses the emulator with anything but binance', () => {
    expect(() => parseExchangeConfig({ venue_id: 1, exchange: 'binanceus', emulator, instruments })).toThrow(
      'exchange config: exchange: the emulator speaks Binance spot: with emulator set, exchange must be "binance", got "binanceus"',
    );
  });

  it('keeps what works: binance and binanceus live or on a testnet, binance on the emulator', () => {
    expect(parseExchangeConfig({ venue_id: 1, emulator, instruments }).exchange).toBe('binance');
    expect(parseExchangeConfig({ venue_id: 1, exchange: 'binance', testnet: true, instruments, ...keys }).testnet).toBe(true);
    expect(parseExchangeConfig({ venue_id: 1, exchange: 'binanceus', instruments, ...keys }).exchange).toBe('binanceus');
  });
});
