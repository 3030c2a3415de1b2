import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/**
 * Reads recorded Binance streams: one record per line, `<local_receive_ns> <json>`, where
 * the JSON is a combined-stream message `{"stream","data"}` or a bare REST depth snapshot
 * `{"lastUpdateId","bids","asks"}` (the format of ../shared/data/market/README.md).
 * Gzip files are recognised by their magic bytes.
 */
export type RecordedLine =
  | { readonly kind: 'message'; readonly receiveNs: bigint; readonly stream: string; readonly data: Record<string, unknown> }
  | { readonly kind: 'snapshot'; readonly receiveNs: bigint; readonly lastUpdateId: number; readonly bids: [string, string][]; readonly asks: [string, string][] };

export class RecordedStreamError extends Error {}

export function parseRecordedLine(line: string, where: string): RecordedLine {
  const space = line.indexOf(' ');
  if (space <= 0) throw new RecordedStreamError(`${where}: expected '<ns> <json>', got '${line.slice(0, 60)}'`);
  const prefix = line.slice(0, space);
  if (!/^[0-9]+$/.test(prefix)) throw new RecordedStreamError(`${where}: receive timestamp '${prefix}' is not an integer`);
  let json: unknown;
  try {
    json = JSON.parse(line.slice(space + 1));
  } catch (error) {
    throw new RecordedStreamError(`${where}: invalid JSON (${(error as Error).message})`);
  }
  const receiveNs = BigInt(prefix);
  if (typeof json === 'object' && json !== null) {
    const record = json as Record<string, unknown>;
    if (typeof record.stream === 'string' && typeof record.data === 'object' && record.data !== null) {
      return { kind: 'message', receiveNs, stream: record.stream, data: record.data as Record<string, unknown> };
    }
    if (typeof record.lastUpdateId === 'number' && Array.isArray(record.bids) && Array.isArray(record.asks)) {
      return {
        kind: 'snapshot', receiveNs, lastUpdateId: record.lastUpdateId,
        bids: record.bids as [string, string][], asks: record.asks as [string, string][],
      };
    }
  }
  throw new RecordedStreamError(`${where}: neither a {stream,data} message nor a depth snapshot`);
}

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Yields the records of the files in order; stop early with `return()` / `break`. */
export async function* readRecordedStream(files: readonly string[]): AsyncGenerator<RecordedLine> {
  for (const file of files) {
    const raw = createReadStream(file);
    const input: Readable = (await isGzip(file)) ? raw.pipe(createGunzip()) : raw;
    const lines = createInterface({ input, crlfDelay: Infinity });
    let lineNumber = 0;
    try {
      for await (const line of lines) {
        lineNumber++;
        if (line.trim() === '') continue;
        yield parseRecordedLine(line, `${file}:${lineNumber}`);
      }
    } finally {
      lines.close();
      raw.destroy();
      input.destroy();
    }
  }
}
