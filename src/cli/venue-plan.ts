/**
 * What `bot4 venue` will run, worked out from its flags, the environment and an optional
 * YAML file of emulator options (the same keys as a venue-sim actor's `config:` block,
 * docs/venue-emulator.md). Flags win over the file. Every problem is collected and named by
 * where it came from (a flag, a variable, or `FILE: path.in.file`), so one run shows them all.
 * Pure apart from the injected file reads, so it is tested without a process.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_BALANCES, resolveVenueOptions, VenueOptionsError, type VenueOptions } from '../../actors/venue-sim/options.js';
import { parseDecimal } from '../../actors/venue-sim/decimal.js';
import { API_KEY_FORMAT } from '../../actors/venue-sim/signing.js';

export interface VenueFlags {
  config?: string;
  port?: string;
  host?: string;
  seed?: string;
  'api-key'?: string;
  'secret-env'?: string;
  balance?: string[];
  'maker-fee'?: string;
  'taker-fee'?: string;
  replay?: string[];
  speed?: string;
  symbol?: string;
  'state-dir'?: string;
}

/** Environment variables read when the flags do not say otherwise. */
export const API_KEY_ENV = 'BOT4_VENUE_API_KEY';
export const SECRET_ENV = 'BOT4_VENUE_SECRET';

/** How one account's credentials are shown at start: the key masked unless it is the public default, never a secret. */
export interface AccountNotice {
  readonly key: string;
  readonly secret: string;
}

export interface VenuePlan {
  readonly options: VenueOptions;
  /** In the order of the emulator's accounts. */
  readonly accounts: readonly AccountNotice[];
  readonly market: string;
}

export interface PlanIo {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readText(path: string): string;
  exists(path: string): boolean;
  isDirectory(path: string): boolean;
}

export class VenuePlanError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n  '));
    this.name = 'VenuePlanError';
  }
}

/** A key as printed: the documented default in full, anything else as its first four characters and length. */
export function maskKey(key: string): string {
  return key === DEFAULT_API_KEY ? key : `${key.slice(0, 4)}… (${key.length} characters)`;
}

type FileAccount = { name?: unknown; apiKey?: unknown; secret?: unknown; secretEnv?: unknown; balances?: unknown };
type FileOptions = Record<string, unknown> & { accounts?: unknown; market?: unknown; fees?: unknown };

export function planVenue(flags: VenueFlags, io: PlanIo): VenuePlan {
  const problems: string[] = [];
  const file = flags.config === undefined ? undefined : resolve(io.cwd, flags.config);
  const options: FileOptions = file === undefined ? {} : readOptionsFile(file, io, problems);
  const fileDir = file === undefined ? io.cwd : dirname(file);

  const integer = (flag: string, text: string | undefined, min: number, max: number): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      problems.push(`--${flag} must be an integer from ${min} to ${max}, got "${text}"`);
      return undefined;
    }
    return Number(text);
  };
  const port = integer('port', flags.port, 0, 65535);
  if (port !== undefined) options.port = port;
  if (flags.host !== undefined) options.host = flags.host;

  // Market: --seed (simulated) or --replay FILE… [--speed] [--symbol]; file-relative paths in the file.
  const fileMarket = isRecord(options.market) ? options.market : undefined;
  if (fileMarket?.kind === 'replay' && Array.isArray(fileMarket.files)) {
    fileMarket.files = (fileMarket.files as unknown[]).map((each) => (typeof each === 'string' && !isAbsolute(each) ? resolve(fileDir, each) : each));
  }
  const seed = integer('seed', flags.seed, 0, 0xffffffff);
  const replayFiles = (flags.replay ?? []).map((each) => resolve(io.cwd, each));
  if (seed !== undefined && replayFiles.length > 0) problems.push('--seed is for the simulated market and --replay plays a recording: give one of them');
  if (replayFiles.length > 0) {
    options.market = { kind: 'replay', files: replayFiles };
  } else if (seed !== undefined) {
    if (fileMarket !== undefined && fileMarket.kind !== 'simulated') problems.push(`--seed is for the simulated market, but ${file}: market.kind is ${JSON.stringify(fileMarket.kind)}`);
    else options.market = { ...fileMarket, kind: 'simulated', seed };
  }
  const market = isRecord(options.market) ? options.market : undefined;
  if (flags.speed !== undefined || flags.symbol !== undefined) {
    if (market?.kind !== 'replay') problems.push('--speed and --symbol apply to a replay: add --replay FILE (or market.kind: replay in the config file)');
    else {
      if (flags.speed !== undefined) {
        if (flags.speed === 'max') market.speed = 'max';
        else if (/^\d+(\.\d+)?$/.test(flags.speed) && Number(flags.speed) > 0) market.speed = Number(flags.speed);
        else problems.push(`--speed must be a positive number (1 = recorded pace) or "max", got "${flags.speed}"`);
      }
      if (flags.symbol !== undefined) market.symbol = flags.symbol;
    }
  }
  if (market?.kind === 'replay' && Array.isArray(market.files)) {
    for (const each of market.files) if (typeof each === 'string' && !io.exists(each)) problems.push(`replay file ${each}: no such file`);
  }

  // Fees: flags override the file's, one side at a time.
  const fees: Record<string, unknown> = isRecord(options.fees) ? Object.fromEntries(Object.entries(options.fees).map(([side, rate]) => [side, typeof rate === 'number' ? String(rate) : rate])) : {};
  for (const side of ['maker', 'taker'] as const) {
    const flag = flags[`${side}-fee`];
    if (flag === undefined) continue;
    if (!parseDecimal(flag).ok) problems.push(`--${side}-fee must be a decimal rate such as 0.001 (0.1 %), got "${flag}"`);
    else fees[side] = flag;
  }
  if (Object.keys(fees).length > 0) options.fees = { maker: '0.001', taker: '0.001', ...fees };

  // State kept across restarts: --state-dir against the working folder, stateDir in the file against the file's folder.
  const stateSource = flags['state-dir'] !== undefined ? '--state-dir' : `${file}: stateDir`;
  if (flags['state-dir'] !== undefined) {
    if (flags['state-dir'].trim() === '') problems.push('--state-dir must name a folder, e.g. data/venue-state');
    else options.stateDir = resolve(io.cwd, flags['state-dir']);
  } else if (typeof options.stateDir === 'string' && options.stateDir !== '') {
    options.stateDir = resolve(fileDir, options.stateDir);
  }
  if (typeof options.stateDir === 'string' && options.stateDir !== '' && io.exists(options.stateDir) && !io.isDirectory(options.stateDir)) {
    problems.push(`${stateSource} ${options.stateDir}: exists and is not a folder`);
  }

  const accounts = planAccounts(flags, io, options, file, problems);

  // Flag values that failed above were left out, so what the schema finds is in the file (or the defaults).
  try {
    resolveVenueOptions(options as VenueOptions);
  } catch (error) {
    if (!(error instanceof VenueOptionsError)) throw error;
    problems.push(...error.problems.map((problem) => `${file ?? 'options'}: ${problem.replace(/^options\./, '')}`));
  }
  if (problems.length > 0) throw new VenuePlanError(problems);
  return { options: options as VenueOptions, accounts, market: describeMarket(options.market) };
}

function readOptionsFile(file: string, io: PlanIo, problems: string[]): FileOptions {
  let text: string;
  try {
    text = io.readText(file);
  } catch (error) {
    problems.push(`--config ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return {};
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    problems.push(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    return {};
  }
  if (value === null || value === undefined) return {};
  if (!isRecord(value)) {
    problems.push(`${file}: must be a mapping of emulator options (port, accounts, market, fees, faults, …)`);
    return {};
  }
  return { ...value };
}

/**
 * The accounts: the file's, or one account. --api-key / --secret-env / --balance (and the
 * BOT4_VENUE_* variables) set the fields of the one account. A file account may name its
 * secret's variable (`secretEnv`) instead of holding the secret.
 */
function planAccounts(flags: VenueFlags, io: PlanIo, options: FileOptions, file: string | undefined, problems: string[]): AccountNotice[] {
  if (options.accounts !== undefined && !Array.isArray(options.accounts)) return []; // the schema names it
  const fromFile = ((options.accounts ?? []) as unknown[]).map((raw, index) => fileAccount(raw, index, file!, io, problems));
  const flagged = flags['api-key'] !== undefined || flags['secret-env'] !== undefined || flags.balance !== undefined;
  if (fromFile.length > 1) {
    if (flagged) problems.push(`--api-key, --secret-env and --balance set the one account, but ${file}: accounts lists ${fromFile.length}; set them in the file`);
    options.accounts = fromFile.map((each) => each.account);
    return fromFile.map((each) => each.notice);
  }

  const account: FileAccount = { ...fromFile[0]?.account };
  let keySource = file ?? '';
  let secretNotice = fromFile[0]?.notice.secret ?? `${DEFAULT_API_SECRET} (the documented local default)`;
  const apiKey = flags['api-key'] ?? io.env[API_KEY_ENV];
  if (apiKey !== undefined) {
    keySource = flags['api-key'] !== undefined ? '--api-key' : `$${API_KEY_ENV}`;
    if (!API_KEY_FORMAT.test(apiKey)) problems.push(`${keySource} must be 8 to 128 letters or digits (got ${apiKey.length} characters)`);
    else account.apiKey = apiKey;
  }
  account.apiKey ??= DEFAULT_API_KEY;
  const secretEnv = flags['secret-env'] ?? (io.env[SECRET_ENV] ? SECRET_ENV : undefined);
  if (secretEnv !== undefined) {
    const secret = io.env[secretEnv];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretEnv)) problems.push(`--secret-env must name an environment variable, got "${secretEnv}"`);
    else if (!secret) problems.push(`--secret-env ${secretEnv}: the environment variable is not set`);
    else if (secret.length < 8) problems.push(`$${secretEnv}: the secret must be at least 8 characters`);
    else account.secret = secret;
    secretNotice = `from $${secretEnv}`;
  }
  account.secret ??= DEFAULT_API_SECRET;
  if (flags.balance !== undefined) account.balances = balancesFromFlags(flags.balance, problems);
  account.balances ??= { ...DEFAULT_BALANCES };
  options.accounts = [account];
  const key = account.apiKey === DEFAULT_API_KEY ? `${DEFAULT_API_KEY} (the documented local default)` : `${maskKey(String(account.apiKey))} (from ${keySource})`;
  return [{ key, secret: secretNotice }];
}

function fileAccount(raw: unknown, index: number, file: string, io: PlanIo, problems: string[]): { account: FileAccount; notice: AccountNotice } {
  const account = (isRecord(raw) ? { ...raw } : {}) as FileAccount;
  let secretFrom = `${file}: accounts.${index}.secret`;
  if (account.secretEnv !== undefined) {
    const name = account.secretEnv;
    if (account.secret !== undefined) problems.push(`${file}: accounts.${index}: give secret or secretEnv, not both`);
    else if (typeof name !== 'string' || !io.env[name]) problems.push(`${file}: accounts.${index}.secretEnv: names ${JSON.stringify(name)}, which is not set in the environment`);
    else account.secret = io.env[name];
    secretFrom = `$${typeof name === 'string' ? name : JSON.stringify(name)}`;
    delete account.secretEnv;
  }
  // YAML reads `USDT: 1000` as a number; the emulator wants decimal text.
  if (isRecord(account.balances)) account.balances = Object.fromEntries(Object.entries(account.balances).map(([asset, amount]) => [asset, typeof amount === 'number' ? String(amount) : amount]));
  return { account, notice: { key: typeof account.apiKey === 'string' ? `${maskKey(account.apiKey)} (from ${file})` : '(none)', secret: `from ${secretFrom}` } };
}

function balancesFromFlags(entries: readonly string[], problems: string[]): Record<string, string> {
  const balances: Record<string, string> = {};
  for (const entry of entries) {
    const match = /^([A-Z0-9]{1,10})=(.+)$/.exec(entry);
    if (!match) problems.push(`--balance must be ASSET=AMOUNT with an upper-case asset, e.g. USDT=1000, got "${entry}"`);
    else if (!parseDecimal(match[2]!).ok) problems.push(`--balance ${match[1]}: "${match[2]}" is not a non-negative decimal with at most 8 decimal places`);
    else balances[match[1]!] = match[2]!;
  }
  return balances;
}

function describeMarket(market: unknown): string {
  if (!isRecord(market) || market.kind === 'simulated') return `simulated (seed ${isRecord(market) && market.seed !== undefined ? JSON.stringify(market.seed) : '1'})`;
  if (market.kind === 'replay') {
    const files = Array.isArray(market.files) ? market.files : [];
    return `replay of ${files.join(', ')} at ${market.speed === 'max' ? 'maximum speed' : `${JSON.stringify(market.speed ?? 1)}x recorded pace`}`;
  }
  return 'none (only the accounts\' own orders)';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
