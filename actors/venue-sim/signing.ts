import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Ledger } from './accounts.js';
import { errors } from './binance-errors.js';

/**
 * Binance's request authentication: an API key in X-MBX-APIKEY, and an HMAC-SHA256 hex
 * signature over the request's own parameter text (for REST the raw query string followed
 * by the raw body, as sent, not re-encoded), plus a timestamp that must fall inside
 * recvWindow of the venue's clock.
 */
export const API_KEY_FORMAT = /^[A-Za-z0-9]{8,128}$/;
export const DEFAULT_RECV_WINDOW_MS = 5000;
const MAX_RECV_WINDOW_MS = 60_000;
const MAX_AHEAD_MS = 1000;

export function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

export function signatureMatches(secret: string, text: string, signature: string): boolean {
  const expected = Buffer.from(hmacHex(secret, text), 'utf8');
  const given = Buffer.from(signature.toLowerCase(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The raw text a REST signature covers: the parameters with `signature=…` taken out. */
export function signedPayload(totalParams: string): string {
  return totalParams
    .split('&')
    .filter((pair) => !pair.startsWith('signature='))
    .join('&');
}

/** The text a ws-api signature covers: every param but `signature`, sorted by key, unencoded. */
export function wsApiPayload(params: Record<string, unknown>): string {
  return Object.keys(params)
    .filter((key) => key !== 'signature')
    .sort()
    .map((key) => `${key}=${String(params[key])}`)
    .join('&');
}

/** The account behind an API key, or the Binance error for a missing, malformed or unknown key. */
export function accountForApiKey(ledger: Ledger, apiKey: string | undefined): { name: string; secret: string } {
  if (apiKey === undefined || !API_KEY_FORMAT.test(apiKey)) throw errors.apiKeyFormatInvalid();
  const credentials = ledger.credentials(apiKey);
  if (!credentials) throw errors.apiKeyRejected();
  return credentials;
}

/** Checks `timestamp` and `recvWindow` (strings as sent) against the venue's clock. */
export function checkTimestamp(timestamp: string | undefined, recvWindow: string | undefined, serverTime: number): void {
  if (timestamp === undefined || timestamp === '') throw errors.mandatoryMissing('timestamp');
  if (!/^[0-9]{1,20}$/.test(timestamp)) throw errors.illegalCharacters('timestamp');
  let window = DEFAULT_RECV_WINDOW_MS;
  if (recvWindow !== undefined) {
    if (!/^[0-9]{1,20}(\.[0-9]{1,3})?$/.test(recvWindow)) throw errors.illegalCharacters('recvWindow');
    window = Number(recvWindow);
    if (window > MAX_RECV_WINDOW_MS) throw errors.badRecvWindow();
  }
  const time = Number(timestamp);
  if (time >= serverTime + MAX_AHEAD_MS) throw errors.timestampAhead();
  if (serverTime - time > window) throw errors.timestampOutsideRecvWindow();
}

/**
 * Authenticates a signed REST request; returns the account name. The checks run in the
 * order Binance reports them: key, mandatory signature/timestamp, signature, time window.
 */
export function authenticateRest(
  ledger: Ledger,
  apiKey: string | undefined,
  params: ReadonlyMap<string, string>,
  totalParams: string,
  serverTime: number,
): string {
  const { name, secret } = accountForApiKey(ledger, apiKey);
  const signature = params.get('signature');
  if (signature === undefined || signature === '') throw errors.mandatoryMissing('signature');
  if (params.get('timestamp') === undefined) throw errors.mandatoryMissing('timestamp');
  if (!signatureMatches(secret, signedPayload(totalParams), signature)) throw errors.invalidSignature();
  checkTimestamp(params.get('timestamp'), params.get('recvWindow'), serverTime);
  return name;
}
