import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, type SplitItem } from '../../src/admin/line-splitter.js';

function feed(splitter: LineSplitter, chunks: Buffer[]): SplitItem[] {
  return chunks.flatMap((c) => splitter.push(c));
}

describe('LineSplitter', () => {
  it('yields the same lines however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/[\n\r]/g, '')), { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 8 }), (lines, cuts) => {
        const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
        const positions = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const p of [...positions, bytes.length]) {
          chunks.push(bytes.subarray(from, p));
          from = p;
        }
        const items = feed(new LineSplitter(1024), chunks);
        expect(items).toEqual(lines.map((text) => ({ kind: 'line', text })));
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('reports an over-long line as soon as it crosses the limit and skips to its newline', () => {
    const splitter = new LineSplitter(8);
    expect(splitter.push(Buffer.from('12345'))).toEqual([]);
    expect(splitter.push(Buffer.from('6789'))).toEqual([{ kind: 'tooLong' }]);
    expect(splitter.push(Buffer.from('more and more'))).toEqual([]);
    expect(splitter.push(Buffer.from('end\nok\n'))).toEqual([{ kind: 'line', text: 'ok' }]);
  });

  it('accepts a line of exactly the limit and strips a CR before the newline', () => {
    const splitter = new LineSplitter(4);
    expect(splitter.push(Buffer.from('abcd\nefg\r\n'))).toEqual([
      { kind: 'line', text: 'abcd' },
      { kind: 'line', text: 'efg' },
    ]);
  });
});
