import pino, { type Logger } from 'pino';
import type { MessagePort } from 'node:worker_threads';

/**
 * An actor's logger. pino formats the line on the worker (cheap, synchronous, no I/O)
 * and the line is posted to the main thread, which owns the files and the terminal: the
 * hot loop never waits on a disk or a pipe. Every line carries the actor's tree path.
 */
export function createWorkerLogger(port: MessagePort, bindings: { path: string; actor: string }, level = 'info'): Logger {
  const destination = {
    write(line: string): void {
      port.postMessage(line);
    },
  };
  return pino({ level, base: bindings, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
