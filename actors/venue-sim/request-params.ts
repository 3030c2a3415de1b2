import { errors } from './binance-errors.js';
import { parseDecimal } from './decimal.js';

/**
 * A REST request's parameters, read from the query string and (for POST/PUT/DELETE) a
 * form-encoded body. Tracks which ones a route read, so leftovers are reported as Binance
 * does (-1104) instead of being silently ignored.
 */
export class RequestParams {
  private readonly values = new Map<string, string>();
  private readonly read = new Set<string>(['signature', 'timestamp', 'recvWindow']);

  constructor(
    query: string,
    body: string,
    /** query + body exactly as received: what the signature covers. */
    readonly totalText: string = query + body,
  ) {
    for (const part of [query, body]) {
      for (const [key, value] of new URLSearchParams(part)) {
        if (this.values.has(key)) throw errors.duplicateParameter(key);
        this.values.set(key, value);
      }
    }
  }

  get all(): ReadonlyMap<string, string> {
    return this.values;
  }

  optional(key: string): string | undefined {
    this.read.add(key);
    const value = this.values.get(key);
    return value === '' ? undefined : value;
  }

  required(key: string): string {
    const value = this.optional(key);
    if (value === undefined) throw errors.mandatoryMissing(key);
    return value;
  }

  /** An optional one of a fixed set of values; anything else gets `invalid`. */
  oneOf<T extends string>(key: string, allowed: readonly T[], invalid: () => Error): T | undefined {
    const value = this.optional(key);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) throw invalid();
    return value as T;
  }

  decimal(key: string): bigint | undefined {
    const value = this.optional(key);
    if (value === undefined) return undefined;
    const parsed = parseDecimal(value);
    if (!parsed.ok) throw parsed.reason === 'precision' ? errors.tooMuchPrecision(key) : errors.illegalCharacters(key);
    return parsed.value;
  }

  integer(key: string): number | undefined {
    const value = this.optional(key);
    if (value === undefined) return undefined;
    if (!/^[0-9]{1,16}$/.test(value)) throw errors.illegalCharacters(key);
    return Number(value);
  }

  /** Throws -1104 when the request carried parameters the route never read. */
  assertAllRead(): void {
    const unread = [...this.values.keys()].filter((key) => !this.read.has(key));
    if (unread.length > 0) throw errors.notAllParametersRead(this.values.size - unread.length, this.values.size, unread);
  }
}
