/**
 * The supervisor's logging: pino writing JSON lines to `logs/bot4-<date>.log`, and
 * readable lines on the console when it is a TTY.
 *
 * Every line — the supervisor's and the actors' — passes through one sink on the main
 * thread, which scrubs secret values (src/logging/redaction.ts) and then writes the file
 * and the console. Actor threads do not write files themselves: their pino logger
 * posts each finished line over a MessagePort (src/logging/worker-logger.ts). posting
 * is a non-blocking copy into the main thread's queue, so an actor's hot loop never
 * waits on disk, lines already posted survive the actor crashing or being terminated,
 * and there is one writer per file (no interleaved partial lines).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import pino, { type Logger } from 'pino';
import type { LoggingConfig, LogLevel } from '../config/schema.js';
import { DatedLogFile } from './log-file.js';
import { baseLoggerOptions } from './options.js';
import { SecretScrubber } from './redaction.js';

export interface ConsoleStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface LoggingOptions {
  readonly level: LogLevel;
  readonly dir: string;
  readonly console: LoggingConfig['console'];
  /** Secret values to scrub from every line (from the config loader). */
  readonly secrets?: Iterable<string>;
  /** Where console lines go; default process.stdout. */
  readonly consoleStream?: ConsoleStream;
  /** Wall clock in ms, for the dated file name. */
  readonly now?: () => number;
}

export interface Logging {
  readonly logger: Logger;
  readonly level: LogLevel;
  /** The log file being written now. */
  readonly file: string;
  /** Scrub this value from every later line. */
  addSecret(value: string): void;
  /** A port to hand to an actor thread (transfer it); lines posted on it join this log. */
  workerLogPort(): MessagePort;
  flushSync(): void;
  close(): Promise<void>;
}

export async function createLogging(options: LoggingOptions): Promise<Logging> {
  const scrubber = new SecretScrubber(options.secrets);
  const file = new DatedLogFile(options.dir, options.now);
  const consoleOut = options.consoleStream ?? process.stdout;
  const formatConsole = await consoleFormatter(options.console, consoleOut);
  const ports = new Set<MessagePort>();

  const sink = {
    write(line: string): void {
      const clean = scrubber.scrub(line);
      file.write(clean);
      if (formatConsole) consoleOut.write(formatConsole(clean));
    },
  };
  const logger = pino(baseLoggerOptions(options.level, { pid: process.pid }), sink);

  return {
    logger,
    level: options.level,
    get file() {
      return file.path;
    },
    addSecret: (value) => scrubber.add(value),
    workerLogPort(): MessagePort {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (line: unknown) => {
        if (typeof line === 'string') sink.write(line.endsWith('\n') ? line : `${line}\n`);
      });
      port1.on('close', () => ports.delete(port1));
      // The actor's lifetime, not this port, decides when the process may exit.
      port1.unref();
      ports.add(port1);
      return port2;
    },
    flushSync: () => file.flushSync(),
    async close(): Promise<void> {
      for (const port of ports) port.close();
      ports.clear();
      await file.close();
    },
  };
}

/** A child logger whose every line carries the actor's place in the supervision tree. */
export function actorLogger(parent: Logger, path: string, actorKind: string): Logger {
  return parent.child({ path, actor: actorKind });
}

type Formatter = (jsonLine: string) => string;

async function consoleFormatter(mode: LoggingConfig['console'], out: ConsoleStream): Promise<Formatter | undefined> {
  const resolved = mode === 'auto' ? (out.isTTY ? 'pretty' : 'off') : mode;
  if (resolved === 'off') return undefined;
  if (resolved === 'json') return (line) => line;
  try {
    // pino-pretty is only needed for a human at a terminal; loaded on demand.
    const { prettyFactory } = await import('pino-pretty');
    return prettyFactory({
      colorize: out.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,path,actor,threadId',
      messageFormat: '{if path}{path}: {end}{msg}',
    });
  } catch (err) {
    out.write(`logging: pino-pretty is not installed (${(err as Error).message}); console shows JSON lines\n`);
    return (line) => line;
  }
}
