/**
 * Splits a byte stream into newline-terminated lines with a size limit. A line longer
 * than the limit is reported as `tooLong` as soon as it crosses the limit (without
 * waiting for its end, which may never come) and its bytes are then skipped up to the
 * next newline, so the connection stays usable after it. Bytes are decoded as UTF-8 only
 * once a line is complete (a multi-byte character may straddle chunks); invalid UTF-8
 * becomes U+FFFD and then fails JSON parsing like any other garbage.
 */
export type SplitItem = { readonly kind: 'line'; readonly text: string } | { readonly kind: 'tooLong' };

const NEWLINE = 0x0a;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** An over-long line is being skipped up to its newline. */
  private skipping = false;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer): SplitItem[] {
    const items: SplitItem[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline < 0 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      if (this.skipping) {
        // the rest of an over-long line: dropped
      } else if (this.pendingBytes + piece.length > this.maxLineBytes) {
        this.skipping = true;
        this.pending = [];
        this.pendingBytes = 0;
        items.push({ kind: 'tooLong' });
      } else if (piece.length > 0) {
        this.pending.push(piece);
        this.pendingBytes += piece.length;
      }
      if (newline < 0) break;
      if (this.skipping) this.skipping = false;
      else items.push(this.finishLine());
      start = newline + 1;
    }
    return items;
  }

  private finishLine(): SplitItem {
    const text = Buffer.concat(this.pending, this.pendingBytes).toString('utf8').replace(/\r$/, '');
    this.pending = [];
    this.pendingBytes = 0;
    return { kind: 'line', text };
  }
}
