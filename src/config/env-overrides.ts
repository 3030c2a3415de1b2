/**
 * Environment overrides: `BOT4_<SECTION>__<KEY>[__<KEY>…]=value` sets
 * `section.key…` (segments lower-cased, `__` separates levels), and DATABASE_URL sets
 * `database.url`. Only names containing `__` are overrides, so other BOT4_* variables
 * (BOT4_OUT, the build output folder) are not mistaken for config.
 *
 * Values are strings; they are coerced by the type the schema expects at that path
 * (number, boolean, string). Where the schema does not know the path (open sections
 * such as venues) the value is read as a YAML scalar, except secret keys, which always
 * stay the exact string given. A value that cannot be coerced is passed through as a
 * string so that validation names the path and the variable.
 */
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { isSecretKey } from './secret-keys.js';
import type { ConfigIssue } from './config-error.js';

export interface EnvOverride {
  readonly path: readonly string[];
  readonly value: unknown;
  /** The variable that set it, for error messages. */
  readonly variable: string;
  /** The value is a secret (a secret key, or DATABASE_URL): keep it out of logs. */
  readonly secret: boolean;
}

const PREFIX = 'BOT4_';
const SEPARATOR = '__';

export function readEnvOverrides(env: NodeJS.ProcessEnv, schema: z.ZodType): { overrides: EnvOverride[]; issues: ConfigIssue[] } {
  const overrides: EnvOverride[] = [];
  const issues: ConfigIssue[] = [];
  const databaseUrl = env.DATABASE_URL;
  if (databaseUrl !== undefined && databaseUrl !== '') {
    overrides.push({ path: ['database', 'url'], value: databaseUrl, variable: 'DATABASE_URL', secret: true });
  }
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(PREFIX) || !name.includes(SEPARATOR)) continue;
    const raw = env[name];
    if (raw === undefined) continue;
    const path = name.slice(PREFIX.length).split(SEPARATOR).map((s) => s.toLowerCase());
    if (path.some((segment) => segment === '')) {
      issues.push({ path: name, message: 'empty path segment in variable name (use single words joined by __)', source: 'environment' });
      continue;
    }
    const key = path[path.length - 1]!;
    const secret = isSecretKey(key);
    overrides.push({ path, value: secret ? raw : coerce(raw, leafKind(schema, path)), variable: name, secret });
  }
  return { overrides, issues };
}

type LeafKind = 'number' | 'boolean' | 'string' | 'unknown';

/** The kind of value the schema expects at `path` ('unknown' where it does not say). */
export function leafKind(schema: z.ZodType, path: readonly string[]): LeafKind {
  let node: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[segment];
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else return 'unknown';
    if (!node) return 'unknown';
    node = unwrap(node);
  }
  if (node instanceof z.ZodNumber) return 'number';
  if (node instanceof z.ZodBoolean) return 'boolean';
  if (node instanceof z.ZodString || node instanceof z.ZodEnum) return 'string';
  return 'unknown';
}

function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  for (;;) {
    if (node instanceof z.ZodDefault || node instanceof z.ZodPrefault || node instanceof z.ZodOptional || node instanceof z.ZodNullable) {
      node = node.def.innerType as z.ZodType;
    } else {
      return node;
    }
  }
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

export function coerce(raw: string, kind: LeafKind): unknown {
  const text = raw.trim();
  switch (kind) {
    case 'string':
      return raw;
    case 'number':
      return /^-?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(text) ? Number(text) : raw;
    case 'boolean': {
      const word = text.toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      return raw;
    }
    case 'unknown':
      try {
        return parseYaml(raw) ?? raw;
      } catch {
        // Not YAML: the value is taken as the plain string it is.
        return raw;
      }
  }
}
