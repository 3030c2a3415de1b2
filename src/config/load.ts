/**
 * Loads the configuration: config/default.yaml <- the --config file <- environment
 * overrides, validated by one schema, frozen. Every problem found is collected into
 * one ConfigError so an operator fixes them all in one go.
 *
 * Secrets never come from YAML: a secret-looking key in a file is an error. They come
 * from the environment (BOT4_VENUES__BINANCE__API_KEY, DATABASE_URL) or from a file
 * named by `<key>_file` (`api_key_file: /run/secrets/binance_key`), whose content
 * replaces the `_file` entry. The secret values are returned so the logger can scrub
 * them from every line.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { packageRoot } from '../runtime/package-root.js';
import { ConfigError, formatPath, type ConfigIssue } from './config-error.js';
import { readEnvOverrides } from './env-overrides.js';
import { configSchema, type Bot4Config } from './schema.js';
import { isSecretKey, secretKeyOfFileKey } from './secret-keys.js';

export interface LoadConfigOptions {
  /** The --config file layered over the defaults. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Relative paths (config files, socket, log dir, secret files) resolve against this; default: the checkout root. */
  baseDir?: string;
  /** The bottom layer; default `<baseDir>/config/default.yaml`. */
  defaultFile?: string;
}

export interface LoadedConfig {
  readonly config: DeepReadonly<Bot4Config>;
  /** The files layered, bottom first. */
  readonly files: readonly string[];
  /** The environment variables that overrode settings. */
  readonly overrides: readonly string[];
  /** Secret values found (env, secret files), for log scrubbing. */
  readonly secrets: readonly string[];
}

export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type Tree = Record<string, unknown>;

/** Secret values shorter than this are not scrubbed by value (they would shred every log line). */
const MIN_SCRUBBED_SECRET_LENGTH = 4;

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const baseDir = options.baseDir ?? packageRoot();
  const env = options.env ?? process.env;
  const files = [options.defaultFile ?? join(baseDir, 'config', 'default.yaml')];
  if (options.configFile !== undefined) {
    const file = resolve(baseDir, options.configFile);
    if (file !== files[0]) files.push(file);
  }

  const issues: ConfigIssue[] = [];
  const sources = new Map<string, string>();
  const secrets = new Set<string>();
  let merged: Tree = {};

  for (const file of files) {
    const layer = readYamlLayer(file, issues);
    if (!layer) continue;
    issues.push(...secretsWrittenInFile(layer, file));
    recordSources(layer, [], file, sources);
    merged = mergeLayer(merged, layer);
  }

  const fromEnv = readEnvOverrides(env, configSchema);
  issues.push(...fromEnv.issues);
  for (const override of fromEnv.overrides) {
    const problem = setPath(merged, override.path, override.value);
    if (problem) issues.push({ path: override.path.join('.'), message: problem, source: override.variable });
    else sources.set(override.path.join('.'), override.variable);
    if (override.secret && typeof override.value === 'string') addSecret(secrets, override.value);
  }

  resolveSecretFiles(merged, [], baseDir, issues, secrets, sources);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) issues.push(...schemaIssues(parsed.error.issues, sources));
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);

  const config = parsed.data;
  config.admin.socket_path = resolve(baseDir, config.admin.socket_path);
  config.logging.dir = resolve(baseDir, config.logging.dir);
  return { config: deepFreeze(config), files, overrides: fromEnv.overrides.map((o) => o.variable), secrets: [...secrets] };
}

function readYamlLayer(file: string, issues: ConfigIssue[]): Tree | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    issues.push({ path: file, message: `cannot read config file: ${(err as Error).message}` });
    return undefined;
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) issues.push({ path: file, message: `YAML: ${e.message.split('\n')[0]}` });
    return undefined;
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isTree(value)) {
    issues.push({ path: file, message: 'the top level of a config file must be a mapping (section: …)' });
    return undefined;
  }
  return value;
}

/** Secret keys, DATABASE_URL and credentials inside URLs are refused when written in a file. */
function secretsWrittenInFile(node: unknown, file: string, path: (string | number)[] = []): ConfigIssue[] {
  const found: ConfigIssue[] = [];
  if (Array.isArray(node)) {
    node.forEach((item, i) => found.push(...secretsWrittenInFile(item, file, [...path, i])));
  } else if (isTree(node)) {
    for (const [key, value] of Object.entries(node)) {
      const here = [...path, key];
      const dotted = formatPath(here);
      if (isSecretKey(key)) {
        found.push({
          path: dotted,
          message: `secrets may not be written in a config file; set ${envName(here)} or name a file with ${key}_file`,
          source: file,
        });
      } else if (dotted === 'database.url') {
        found.push({ path: dotted, message: 'the database URL comes only from the DATABASE_URL environment variable', source: file });
      } else {
        found.push(...secretsWrittenInFile(value, file, here));
      }
    }
  } else if (typeof node === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]+@/i.test(node)) {
    found.push({ path: formatPath(path), message: 'a URL with a password may not be written in a config file; use the environment', source: file });
  }
  return found;
}

function envName(path: readonly (string | number)[]): string {
  return `BOT4_${path.map((s) => String(s).toUpperCase()).join('__')}`;
}

function recordSources(node: unknown, path: string[], source: string, sources: Map<string, string>): void {
  sources.set(formatPath(path), source);
  if (isTree(node)) for (const [key, value] of Object.entries(node)) recordSources(value, [...path, key], source, sources);
}

/** Deep merge: mappings merge key by key, anything else (lists included) is replaced. */
export function mergeLayer(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const existing = out[key];
    out[key] = isTree(existing) && isTree(value) ? mergeLayer(existing, value) : value;
  }
  return out;
}

/** Sets a dotted path, creating sections; returns a problem description instead of throwing. */
function setPath(root: Tree, path: readonly string[], value: unknown): string | undefined {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (!isTree(next)) return `cannot set: ${path.slice(0, i + 1).join('.')} is not a section`;
    node = node[key] as Tree;
  }
  node[path[path.length - 1]!] = value;
  return undefined;
}

function resolveSecretFiles(
  node: unknown,
  path: (string | number)[],
  baseDir: string,
  issues: ConfigIssue[],
  secrets: Set<string>,
  sources: Map<string, string>,
): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => resolveSecretFiles(item, [...path, i], baseDir, issues, secrets, sources));
    return;
  }
  if (!isTree(node)) return;
  for (const key of Object.keys(node)) {
    const here = [...path, key];
    const secretKey = secretKeyOfFileKey(key);
    if (secretKey === undefined) {
      resolveSecretFiles(node[key], here, baseDir, issues, secrets, sources);
      continue;
    }
    const dotted = formatPath(here);
    const fileName = node[key];
    delete node[key];
    if (typeof fileName !== 'string' || fileName === '') {
      issues.push({ path: dotted, message: 'must be the path of a file holding the secret', source: sources.get(dotted) });
      continue;
    }
    if (node[secretKey] !== undefined) {
      issues.push({ path: dotted, message: `both ${secretKey} and ${key} are set; keep one`, source: sources.get(formatPath([...path, secretKey])) });
      continue;
    }
    const file = isAbsolute(fileName) ? fileName : resolve(baseDir, fileName);
    try {
      const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      if (value === '') throw new Error('the file is empty');
      node[secretKey] = value;
      addSecret(secrets, value);
    } catch (err) {
      issues.push({ path: dotted, message: `cannot read secret file ${file}: ${(err as Error).message}`, source: sources.get(dotted) });
    }
  }
}

function addSecret(secrets: Set<string>, value: string): void {
  if (value.length >= MIN_SCRUBBED_SECRET_LENGTH) secrets.add(value);
  const urlPassword = passwordInUrl(value);
  if (urlPassword !== undefined && urlPassword.length >= MIN_SCRUBBED_SECRET_LENGTH) {
    secrets.add(urlPassword);
    secrets.add(decodeURIComponent(urlPassword));
  }
}

function passwordInUrl(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  try {
    const password = new URL(value).password;
    return password === '' ? undefined : password;
  } catch {
    // Not a URL the platform parses: there is no password to find in it.
    return undefined;
  }
}

function schemaIssues(zodIssues: readonly z.core.$ZodIssue[], sources: Map<string, string>): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of zodIssues) {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const full = formatPath([...path, key]);
        out.push({ path: full, message: 'unknown key', source: sourceOf(full, sources) });
      }
      continue;
    }
    const dotted = formatPath(path);
    out.push({ path: dotted, message: issue.message, source: sourceOf(dotted, sources) });
  }
  return out;
}

/** The layer that set this path, or the closest enclosing section that was set. */
function sourceOf(dotted: string, sources: Map<string, string>): string | undefined {
  let path = dotted;
  for (;;) {
    const found = sources.get(path);
    if (found !== undefined && path !== '') return found;
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    if (cut < 0) return undefined;
    path = path.slice(0, cut);
  }
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value as DeepReadonly<T>;
}
