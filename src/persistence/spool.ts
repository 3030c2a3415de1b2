import { createReadStream, mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { parsePersistRecord, type PersistRecord } from './records.js';

/**
 * An append-only JSON-lines file of records the database could not take yet. Each `append` is one
 * write plus one fdatasync, so a batch is on disk before the writer moves on; `read` gives the records
 * back in the order they were appended; `clear` empties the file once every record is in the database.
 * A file left by a previous process is picked up as is, minus a torn last line (a write cut short by a
 * crash, never acknowledged), which is cut off when the file is opened.
 */
export class Spool {
  private handle: FileHandle | undefined;
  private bytes = 0;
  /** Bytes of a torn last line removed at open. */
  tornBytesDropped = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Opens (creating if needed) and repairs the file; the other methods call it on first use. */
  async open(): Promise<void> {
    await this.file();
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  get isEmpty(): boolean {
    return this.bytes === 0;
  }

  async append(records: readonly PersistRecord[]): Promise<void> {
    if (records.length === 0) return;
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    const handle = await this.file();
    await handle.appendFile(text, 'utf8');
    await handle.datasync();
    this.bytes += Buffer.byteLength(text);
  }

  /** Records in append order, `batchSize` at a time. A line that does not parse is an error naming it. */
  async *read(batchSize: number): AsyncGenerator<PersistRecord[]> {
    await this.file();
    if (this.isEmpty) return;
    const input = createReadStream(this.path, { encoding: 'utf8', end: this.bytes - 1 });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let batch: PersistRecord[] = [];
    let lineNumber = 0;
    try {
      for await (const line of lines) {
        lineNumber += 1;
        let record: PersistRecord;
        try {
          record = parsePersistRecord(JSON.parse(line), `spool ${this.path} line ${lineNumber}`);
        } catch (error) {
          throw new Error(`spool ${this.path} line ${lineNumber} is corrupt: ${(error as Error).message}`, { cause: error });
        }
        batch.push(record);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      lines.close();
      input.destroy();
    }
  }

  /** Empties the spool after its records are safely in the database. */
  async clear(): Promise<void> {
    const handle = await this.file();
    await handle.truncate(0);
    await handle.datasync();
    this.bytes = 0;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async file(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    const handle = await open(this.path, 'a+', 0o600);
    const size = (await handle.stat()).size;
    const keep = await lengthThroughLastNewline(handle, size);
    if (keep < size) {
      await handle.truncate(keep);
      await handle.datasync();
      this.tornBytesDropped += size - keep;
    }
    this.bytes = keep;
    this.handle = handle;
    return handle;
  }
}

async function lengthThroughLastNewline(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline >= 0) return start + newline + 1;
    end = start;
  }
  return 0;
}
