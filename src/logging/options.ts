import pino, { type LoggerOptions } from 'pino';
import type { LogLevel } from '../config/schema.js';
import { REDACT_PATHS, REDACTED } from './redaction.js';

/** The options every Bot4 logger shares (supervisor and actor threads), so all lines look alike. */
export function baseLoggerOptions(level: LogLevel, base: Record<string, unknown>): LoggerOptions {
  return {
    level,
    base,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
  };
}
