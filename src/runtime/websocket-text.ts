import type { RawData } from 'ws';

/**
 * The text of a WebSocket message as `ws` hands it over: one Buffer by default, an ArrayBuffer or a
 * list of fragments when the socket's binaryType says so. String() on the latter two would give
 * "[object ArrayBuffer]" or comma-joined bytes.
 */
export function websocketText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
