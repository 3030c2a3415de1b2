import type { PriceLevel } from './l2-book.js';

/**
 * Parses one text frame of a Binance-protocol market stream (raw or combined
 * `{"stream","data"}`) into a typed message, or says precisely why it is malformed. Never
 * throws: a venue that sends garbage costs a counter, not the actor.
 */
export interface ParsedDepth {
  readonly kind: 'depth';
  readonly symbol: string;
  readonly firstUpdateId: number;
  readonly lastUpdateId: number;
  readonly eventTimeMs: number;
  readonly bids: PriceLevel[];
  readonly asks: PriceLevel[];
}

export interface ParsedTrade {
  readonly kind: 'trade';
  readonly symbol: string;
  readonly tradeId: number;
  readonly price: number;
  readonly qty: number;
  /** true when the buyer was the maker, i.e. the seller was the aggressor. */
  readonly buyerIsMaker: boolean;
  readonly tradeTimeMs: number;
}

/** A reply to one of our SUBSCRIBE / UNSUBSCRIBE requests. */
export interface ParsedReply {
  readonly kind: 'reply';
  readonly id: number | null;
  readonly error: string | null;
}

export const MALFORMED_REASONS = ['bad-json', 'bad-shape', 'bad-number', 'negative-size', 'bad-sequence'] as const;
export type MalformedReason = (typeof MALFORMED_REASONS)[number];

export interface Malformed {
  readonly kind: 'malformed';
  readonly reason: MalformedReason;
  readonly detail: string;
}

/** A well-formed event of a stream this actor does not consume (tickers, bookTicker, …). */
export interface Ignored {
  readonly kind: 'ignored';
  readonly event: string;
}

export type ParsedMarketMessage = ParsedDepth | ParsedTrade | ParsedReply | Malformed | Ignored;

const malformed = (reason: MalformedReason, detail: string): Malformed => ({ kind: 'malformed', reason, detail });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A decimal given as a string (Binance's way) or a number. NaN when neither. */
function decimalValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return NaN;
}

const isId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function parseLevels(raw: unknown, side: string): PriceLevel[] | Malformed {
  if (!Array.isArray(raw)) return malformed('bad-shape', `depthUpdate.${side} is not an array of [price, qty]`);
  const levels: PriceLevel[] = [];
  for (let i = 0; i < raw.length; i++) {
    const level = raw[i] as unknown;
    if (!Array.isArray(level) || level.length < 2) return malformed('bad-shape', `depthUpdate.${side}[${i}] is not [price, qty]`);
    const price = decimalValue(level[0]);
    const qty = decimalValue(level[1]);
    if (!(Number.isFinite(price) && price > 0)) return malformed('bad-number', `depthUpdate.${side}[${i}] price ${JSON.stringify(level[0])} is not a positive number`);
    if (!Number.isFinite(qty)) return malformed('bad-number', `depthUpdate.${side}[${i}] qty ${JSON.stringify(level[1])} is not a number`);
    if (qty < 0) return malformed('negative-size', `depthUpdate.${side}[${i}] qty ${JSON.stringify(level[1])} is negative`);
    levels.push([price, qty]);
  }
  return levels;
}

function parseDepth(data: Record<string, unknown>): ParsedDepth | Malformed {
  const { s, U, u, E } = data;
  if (typeof s !== 'string' || s === '') return malformed('bad-shape', 'depthUpdate without a symbol (s)');
  if (!isId(U) || !isId(u)) return malformed('bad-shape', `depthUpdate ${s}: update ids U=${JSON.stringify(U)} u=${JSON.stringify(u)} are not integers >= 0`);
  if (U > u) return malformed('bad-sequence', `depthUpdate ${s}: first update id U=${U} is after the last u=${u}`);
  if (typeof E !== 'number' || !Number.isFinite(E) || E < 0) return malformed('bad-shape', `depthUpdate ${s}: event time E=${JSON.stringify(E)} is not a number >= 0`);
  const bids = parseLevels(data.b, 'b');
  if (!Array.isArray(bids)) return bids;
  const asks = parseLevels(data.a, 'a');
  if (!Array.isArray(asks)) return asks;
  return { kind: 'depth', symbol: s, firstUpdateId: U, lastUpdateId: u, eventTimeMs: E, bids, asks };
}

function parseTrade(data: Record<string, unknown>): ParsedTrade | Malformed {
  const { s, t, T, m } = data;
  if (typeof s !== 'string' || s === '') return malformed('bad-shape', 'trade without a symbol (s)');
  if (!isId(t)) return malformed('bad-shape', `trade ${s}: trade id t=${JSON.stringify(t)} is not an integer >= 0`);
  if (typeof T !== 'number' || !Number.isFinite(T) || T < 0) return malformed('bad-shape', `trade ${s}: trade time T=${JSON.stringify(T)} is not a number >= 0`);
  if (typeof m !== 'boolean') return malformed('bad-shape', `trade ${s}: maker flag m=${JSON.stringify(m)} is not a boolean`);
  const price = decimalValue(data.p);
  const qty = decimalValue(data.q);
  if (!(Number.isFinite(price) && price > 0)) return malformed('bad-number', `trade ${s}: price ${JSON.stringify(data.p)} is not a positive number`);
  if (!Number.isFinite(qty)) return malformed('bad-number', `trade ${s}: qty ${JSON.stringify(data.q)} is not a number`);
  if (qty < 0) return malformed('negative-size', `trade ${s}: qty ${JSON.stringify(data.q)} is negative`);
  return { kind: 'trade', symbol: s, tradeId: t, price, qty, buyerIsMaker: m, tradeTimeMs: T };
}

export function parseMarketMessage(text: string): ParsedMarketMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return malformed('bad-json', `not JSON (${(error as Error).message}): ${text.slice(0, 80)}`);
  }
  if (!isRecord(json)) return malformed('bad-shape', `expected a JSON object, got ${text.slice(0, 80)}`);
  if ('id' in json && ('result' in json || 'error' in json)) {
    const id = typeof json.id === 'number' ? json.id : null;
    const error = isRecord(json.error) ? `${String(json.error.code)}: ${String(json.error.msg)}` : null;
    return { kind: 'reply', id, error };
  }
  const data = 'stream' in json && 'data' in json ? json.data : json;
  if (!isRecord(data)) return malformed('bad-shape', 'combined-stream message whose data is not an object');
  const event = data.e;
  if (event === 'depthUpdate') return parseDepth(data);
  if (event === 'trade') return parseTrade(data);
  if (typeof event === 'string') return { kind: 'ignored', event };
  // bookTicker events carry no `e`; anything else without one is not a Binance event.
  if (typeof data.u === 'number' && 'b' in data && 'a' in data) return { kind: 'ignored', event: 'bookTicker' };
  return malformed('bad-shape', `no event type (e) in ${text.slice(0, 80)}`);
}
