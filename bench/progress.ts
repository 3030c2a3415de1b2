/**
 * The progress line of `bot4 bench` on stderr: "[3/7] risk: running…". On a terminal it is
 * one line rewritten in place; elsewhere (CI logs, pipes) every update is its own line.
 */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class Progress {
  private prefix = '';
  private readonly tty: boolean;

  constructor(private readonly stream: ProgressStream) {
    this.tty = stream.isTTY === true;
  }

  start(index: number, total: number, suite: string): void {
    this.prefix = `[${index}/${total}] ${suite}`;
    this.show(`${this.prefix}: running…`);
  }

  step(text: string): void {
    this.show(`${this.prefix}: ${text}…`);
  }

  /** A message from inside the suite, shown as is. */
  note(text: string): void {
    this.show(`${this.prefix}: ${text}`);
  }

  /** Ends the suite's line, so tables written after it start on a clean line. */
  done(text: string): void {
    if (this.tty) this.stream.write(`\r\x1b[2K${this.prefix}: ${text}\n`);
    else this.stream.write(`${this.prefix}: ${text}\n`);
  }

  private show(line: string): void {
    if (this.tty) this.stream.write(`\r\x1b[2K${line}`);
    else this.stream.write(`${line}\n`);
  }
}
