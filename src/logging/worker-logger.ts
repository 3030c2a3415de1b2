/**
 * The logger of an actor thread. pino formats and redacts the line on the actor's
 * thread, then hands it to the supervisor with `port.postMessage`, which copies the
 * string into the main thread's queue and returns: no disk I/O and no waiting on the
 * actor's hot loop. The supervisor side (Logging.workerLogPort in logger.ts) scrubs and
 * writes it. Every line carries the actor's tree `path` and kind.
 */
import { threadId, type MessagePort } from 'node:worker_threads';
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/schema.js';
import { baseLoggerOptions } from './options.js';

export interface WorkerLogBindings {
  /** The actor's path in the supervision tree (`root/safety/kill-switch`). */
  readonly path: string;
  /** The actor kind. */
  readonly actor: string;
}

export function createWorkerLogger(port: MessagePort, bindings: WorkerLogBindings, level: LogLevel = 'info'): Logger {
  const stream = { write: (line: string) => port.postMessage(line) };
  return pino(baseLoggerOptions(level, { pid: process.pid, threadId, path: bindings.path, actor: bindings.actor }), stream);
}
