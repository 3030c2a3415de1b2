import { executionReportCodec, fillCodec } from './execution.js';
import { bookTopCodec, l2DeltaCodec, tradeCodec } from './market-data.js';
import type { MessageCodec } from './message-codec.js';
import { orderCommandCodec, orderIntentCodec } from './orders.js';
import { riskPanicCodec, tradingStateChangeCodec } from './safety.js';

/**
 * Every binary layout a reader understands. When a layout changes, its new version is added
 * here next to the old one for as long as frames in the old layout may still be in a ring
 * (a restarted actor drains what its predecessor left behind).
 */
export const HOT_MESSAGE_CODECS = [
  bookTopCodec,
  l2DeltaCodec,
  tradeCodec,
  orderIntentCodec,
  orderCommandCodec,
  executionReportCodec,
  fillCodec,
  tradingStateChangeCodec,
  riskPanicCodec,
] as const;

export type HotMessageCodec = (typeof HOT_MESSAGE_CODECS)[number];

/** Throws when two layouts claim the same (type, version), or two types the same name: a programming error caught at startup. */
export function assertDistinctLayouts(codecs: readonly MessageCodec<unknown>[]): void {
  const seen = new Map<number, string>();
  const typeByName = new Map<string, number>();
  for (const codec of codecs) {
    const key = codec.type * 256 + codec.version;
    const clash = seen.get(key);
    if (clash !== undefined) {
      throw new Error(`codec registry: ${codec.name} and ${clash} both claim type ${formatType(codec.type)} version ${codec.version}`);
    }
    seen.set(key, codec.name);
    const namedType = typeByName.get(codec.name);
    if (namedType !== undefined && namedType !== codec.type) {
      throw new Error(`codec registry: name ${codec.name} is used by types ${formatType(namedType)} and ${formatType(codec.type)}`);
    }
    typeByName.set(codec.name, codec.type);
  }
}

export function formatType(type: number): string {
  return `0x${type.toString(16).padStart(4, '0')}`;
}
