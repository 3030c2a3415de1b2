/**
 * The JSON-lines log file `bot4-<YYYY-MM-DD>.log` (UTC date), switched to a new file at
 * UTC midnight so a long run does not grow one file forever. Writes go through
 * SonicBoom in asynchronous mode: a write queues the line and returns, the file is
 * written off the caller's path; `flushSync` drains the queue on exit.
 */
import { mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pino from 'pino';

type Destination = ReturnType<typeof pino.destination>;

const DAY_MS = 86_400_000;

export function logFileName(dir: string, epochMs: number): string {
  return join(dir, `bot4-${new Date(epochMs).toISOString().slice(0, 10)}.log`);
}

export class DatedLogFile {
  private destination: Destination;
  private nextSwitchAt: number;
  private current: string;
  /** Files switched away from, still flushing. */
  private readonly retiring: Promise<void>[] = [];

  constructor(
    private readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {
    const t = now();
    this.current = logFileName(dir, t);
    this.destination = open(this.current);
    this.nextSwitchAt = nextMidnight(t);
  }

  /** The file written to right now. */
  get path(): string {
    return this.current;
  }

  write(line: string): void {
    const t = this.now();
    if (t >= this.nextSwitchAt) this.switchTo(t);
    this.destination.write(line);
  }

  flushSync(): void {
    this.destination.flushSync();
  }

  /** Flushes and closes the file (and any file switched away from); resolves once all are closed. */
  async close(): Promise<void> {
    await Promise.all([...this.retiring, endDestination(this.destination)]);
  }

  private switchTo(t: number): void {
    const previous = this.destination;
    this.current = logFileName(this.dir, t);
    this.destination = open(this.current);
    this.nextSwitchAt = nextMidnight(t);
    this.retiring.push(endDestination(previous));
  }
}

/** Opened synchronously so the destination is ready at once and flushSync always works. */
function open(file: string): Destination {
  mkdirSync(dirname(file), { recursive: true });
  return pino.destination({ dest: openSync(file, 'a', 0o640), sync: false });
}

function endDestination(destination: Destination): Promise<void> {
  return new Promise((resolve) => {
    destination.once('close', () => resolve());
    destination.end();
  });
}

function nextMidnight(t: number): number {
  return Math.floor(t / DAY_MS) * DAY_MS + DAY_MS;
}

