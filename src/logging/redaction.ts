/**
 * Keeping secrets out of log lines, in two layers:
 *
 * 1. by key: pino's `redact` censors every secret key (src/config/secret-keys.ts) in a
 *    log record, up to REDACT_DEPTH levels deep (a config object logged whole puts an
 *    API key at `config.venues.<name>.api_key`);
 * 2. by value: the known secret values (from the environment and secret files) and the
 *    password part of any URL are replaced in the finished line, which catches a secret
 *    quoted inside an error message or stack, where no key names it.
 */
import { SECRET_KEY_NAMES } from '../config/secret-keys.js';

export const REDACTED = '[REDACTED]';

/** `*.*.*.key` reaches a key four objects down (e.g. `err.config.venues.x.api_key` is five). */
const REDACT_DEPTH = 5;

export const REDACT_PATHS: readonly string[] = SECRET_KEY_NAMES.flatMap((key) =>
  Array.from({ length: REDACT_DEPTH + 1 }, (_, depth) => [...Array<string>(depth).fill('*'), key].join('.')),
);

const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s"\\]*:)([^@\s"\\/]+)@/gi;

export class SecretScrubber {
  private readonly secrets = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Register a secret value; empty strings are ignored. */
  add(secret: string): void {
    if (secret === '') return;
    this.secrets.add(secret);
    // A secret inside a JSON line appears escaped (quotes, backslashes, control characters).
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) this.secrets.add(escaped);
  }

  scrub(line: string): string {
    let out = line.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }
}
