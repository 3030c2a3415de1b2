import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spool } from '../../src/persistence/spool.js';
import type { PersistRecord } from '../../src/persistence/records.js';
import { trade } from './fixtures.js';

async function readAll(spool: Spool, batchSize: number): Promise<PersistRecord[][]> {
  const batches: PersistRecord[][] = [];
  for await (const batch of spool.read(batchSize)) batches.push(batch);
  return batches;
}

describe('Spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bot4-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives records back in append order, in batches, and is empty after clear', async () => {
    const spool = new Spool(join(dir, 'a.jsonl'));
    const records = Array.from({ length: 25 }, (_, i) => trade(i));
    await spool.append(records.slice(0, 10));
    await spool.append(records.slice(10));
    const batches = await readAll(spool, 10);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual(records);
    await spool.clear();
    expect(spool.isEmpty).toBe(true);
    expect(await readAll(spool, 10)).toEqual([]);
    await spool.close();
  });

  it('a new instance picks up a file left behind and cuts a torn last line', async () => {
    const path = join(dir, 'b.jsonl');
    const first = new Spool(path);
    await first.append([trade(1), trade(2)]);
    await first.close();
    appendFileSync(path, '{"kind":"trade","venue":"emu'); // the process died mid-write

    const second = new Spool(path);
    await second.open();
    expect(second.tornBytesDropped).toBe('{"kind":"trade","venue":"emu'.length);
    await second.append([trade(3)]);
    expect((await readAll(second, 100)).flat()).toEqual([trade(1), trade(2), trade(3)]);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    await second.close();
  });

  it('a corrupt line in the middle is an error naming the line', async () => {
    const path = join(dir, 'c.jsonl');
    writeFileSync(path, `${JSON.stringify(trade(1))}\nnot json\n${JSON.stringify(trade(2))}\n`);
    const spool = new Spool(path);
    await expect(readAll(spool, 10)).rejects.toThrow(/c\.jsonl line 2 is corrupt/);
    writeFileSync(path, `${JSON.stringify({ ...trade(1), qty: 'lots' })}\n`);
    const again = new Spool(path);
    await expect(readAll(again, 10)).rejects.toThrow(/line 1 is corrupt: .*qty/s);
    await spool.close();
    await again.close();
  });
});
