/**
 * `bot4 soak --minutes N --seed S [--config FILE] [--database pglite|postgres]`: the chaos soak
 * (docs/soak.md). Runs the paper-trading tree (`bot4 start`) against `bot4 venue` processes, injects
 * the seeded fault schedule (soak-schedule.ts), then pauses, trips (cancel everything), waits for
 * quiet and checks the bot's records against each venue's own (soak-checks.ts). Prints a summary;
 * exit 0 when no check found a violation, 1 otherwise, 2 for bad usage.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parse as parseYaml, stringify } from 'yaml';
import { z } from 'zod';
import { replayJournal } from '../../actors/order-manager/order-journal.js';
import { AdminClient } from '../admin/client.js';
import type { StatusReport } from '../admin/backend.js';
import { parseUnits, unitsFromNumber } from '../domain/money.js';
import { startEmbeddedDatabase } from '../persistence/embedded.js';
import { packageRoot } from '../runtime/package-root.js';
import { SOAK_HELP } from './help.js';
import { CHECKS, runChecks, type BookedFill, type HaltWindow, type RestartAfterTrip, type SoakRecords, type VenueOrder, type VenueTrade, type Violation } from './soak-checks.js';
import { actorsOf, paperVenues, soakBotConfig, SoakConfigError } from './soak-config.js';
import { BotProcess, childEnv, sleep, SoakPostgres, VenueProcess } from './soak-processes.js';
import { FAULT_KINDS, planSoak, type FaultKind, type ScheduledFault, type SoakFault } from './soak-schedule.js';
import { UsageError } from './usage-error.js';

export interface SoakOptions {
  readonly minutes: number;
  readonly seed: number;
  readonly configFile: string;
  readonly database: 'pglite' | 'postgres';
}

const OPTIONS = {
  minutes: { type: 'string' },
  seed: { type: 'string' },
  config: { type: 'string' },
  database: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `--minutes -1` as `--minutes=-1`: parseArgs takes "-1" for an option, and the answer should say the number is wrong. */
function joinNegativeNumbers(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if ((argv[i] === '--minutes' || argv[i] === '--seed') && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]!);
  }
  return out;
}

/** Reads the flags; every bad one is a UsageError naming it (exit 2). */
export function parseSoakArgs(argv: readonly string[]): SoakOptions | 'help' {
  let values: { minutes?: string; seed?: string; config?: string; database?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: joinNegativeNumbers(argv), options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError((e as Error).message, 'soak');
  }
  if (values.help) return 'help';
  if (values.minutes === undefined) throw new UsageError('--minutes is required (the length of the chaos phase, e.g. --minutes 1.5)', 'soak');
  const minutes = Number(values.minutes);
  if (values.minutes.trim() === '' || !Number.isFinite(minutes) || minutes <= 0) throw new UsageError(`--minutes: must be a positive number of minutes, got "${values.minutes}"`, 'soak');
  if (values.seed === undefined) throw new UsageError('--seed is required (an integer that fixes the fault schedule, e.g. --seed 7)', 'soak');
  if (!/^\d{1,10}$/.test(values.seed) || Number(values.seed) > 0xffff_ffff) throw new UsageError(`--seed: must be an integer from 0 to 4294967295, got "${values.seed}"`, 'soak');
  const configFile = resolve(values.config ?? join(packageRoot(), 'config', 'default.yaml'));
  if (!existsSync(configFile)) throw new UsageError(`--config: no such file ${configFile}`, 'soak');
  const database = values.database ?? 'pglite';
  if (database !== 'pglite' && database !== 'postgres') throw new UsageError(`--database: must be pglite or postgres, got "${database}"`, 'soak');
  return { minutes, seed: Number(values.seed), configFile, database };
}

/** What the soak reads of `ctl status`: risk's positions and the order manager's open orders. */
// risk's status gives quantities as decimal text at the step's precision (exact money)
const statusPositions = z.array(z.looseObject({ venue: z.number(), instrument: z.number(), qty: z.string() }));
const statusOpenOrders = z.array(z.looseObject({ venue: z.number(), clientOrderId: z.string() }));

/** The least quiet between two episodes when the run is behind its schedule (the schedule's own gaps are 2-4 s). */
const MIN_QUIET_MS = 2000;

const say = (text: string): void => void process.stdout.write(`${text}\n`);
const now = (): number => Date.now();

/** Retries an admin step while the bot is restarting an actor or itself. */
async function retrying<T>(what: string, work: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (now() > deadline) throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
      await sleep(500);
    }
  }
}

interface RunLog {
  readonly injected: Map<FaultKind, number>;
  readonly killedByKind: Map<string, number>;
  /** The soak's own trips: requested, acknowledged (fromMs), reset requested (toMs). */
  readonly halts: (HaltWindow & { readonly requestedMs: number })[];
  readonly restartsAfterTrip: RestartAfterTrip[];
  sigkillRestarts: number;
  /** Reasons of the HALTs the bot made itself (reset by the soak before the next episode). */
  readonly botHalts: string[];
  /** When the soak asked for each reset: a HALTED stretch ends no later. */
  readonly resetRequestsMs: number[];
  readonly stepErrors: string[];
}

class Soak {
  private admin: AdminClient | undefined;

  constructor(
    private readonly bot: BotProcess,
    private readonly socketPath: string,
    private readonly venues: ReadonlyMap<string, VenueProcess>,
    private readonly postgres: SoakPostgres | null,
    readonly log: RunLog,
  ) {}

  async connect(): Promise<AdminClient> {
    this.admin?.close();
    this.admin = await retrying('admin socket', () => AdminClient.connect(this.socketPath), 60_000);
    return this.admin;
  }

  /** One admin request; a closed connection (the bot restarted an actor, or the soak the bot) is reopened. */
  async request<T>(what: string, call: (admin: AdminClient) => Promise<T>): Promise<T> {
    return retrying(what, async () => {
      try {
        return await call(this.admin ?? (await this.connect()));
      } catch (error) {
        this.admin?.close();
        this.admin = undefined;
        throw error;
      }
    });
  }

  status(): Promise<StatusReport> {
    return this.request('status', (a) => a.request('status', {}));
  }

  async restartBot(): Promise<void> {
    this.admin?.close();
    this.admin = undefined;
    await this.bot.sigkill();
    await this.bot.start();
    this.log.sigkillRestarts++;
  }

  async run(fault: SoakFault): Promise<void> {
    switch (fault.kind) {
      case 'kill-actor':
        await this.request(`kill ${fault.path}`, (a) => a.request('actor.kill', { path: fault.path }));
        this.log.killedByKind.set(fault.actorKind, (this.log.killedByKind.get(fault.actorKind) ?? 0) + 1);
        return;
      case 'venue-disconnect':
        await this.venue(fault.venue).fault({ fault: 'drop', kind: 'all' });
        return;
      case 'venue-silence':
        await this.venue(fault.venue).fault({ fault: 'silence' });
        await sleep(fault.ms);
        await this.venue(fault.venue).fault({ fault: 'resume' });
        return;
      case 'venue-drop-market-data':
        for (let i = 0; i < fault.count; i++) await this.venue(fault.venue).fault({ fault: 'skip-depth' });
        return;
      case 'venue-429':
        await this.venue(fault.venue).fault({ fault: 'reject', status: 429, count: fault.count });
        return;
      case 'venue-latency':
        await this.venue(fault.venue).fault({ fault: 'latency', ms: fault.latencyMs });
        await sleep(fault.ms);
        await this.venue(fault.venue).fault({ fault: 'latency', ms: 0 });
        return;
      case 'db-outage':
        this.postgres!.down();
        await sleep(fault.ms);
        this.postgres!.up();
        return;
      case 'mode-flip':
        await this.request(`mode ${fault.mode}`, (a) => a.request('mode.set', { mode: fault.mode }));
        await sleep(fault.ms);
        await this.request('mode active', (a) => a.request('mode.set', { mode: 'active' }));
        return;
      case 'trip-reset': {
        const requestedMs = now();
        await this.request('trip', (a) => a.request('killswitch.trip', { reason: 'soak: trip' }));
        const halt = { requestedMs, fromMs: now(), toMs: null as number | null };
        this.log.halts.push(halt);
        if (fault.restartWhileHalted) {
          await this.restartBot();
          const s = await this.status();
          this.log.restartsAfterTrip.push({ atMs: now(), state: s.trading.state });
        }
        await sleep(fault.ms);
        halt.toMs = now();
        this.log.resetRequestsMs.push(halt.toMs);
        await this.request('reset', (a) => a.request('killswitch.reset', { reason: 'soak: reset after trip' }));
        return;
      }
      case 'sigkill':
        await this.restartBot();
        return;
    }
  }

  /**
   * A HALTED the bot entered by itself (a risk panic, the dead man's switch) would refuse the mode
   * flips and hold every later fault on a silent bot: it is noted and reset, as an operator would.
   * Its stretch is checked like the soak's own trips (kill_switch_events).
   */
  async resetHaltTheBotMade(): Promise<void> {
    const s = await this.status();
    if (s.trading.state !== 'HALTED') return;
    this.log.botHalts.push(s.trading.reason);
    this.log.resetRequestsMs.push(now());
    try {
      await this.request('reset', (a) => a.request('killswitch.reset', { reason: 'soak: reset a halt the bot made' }));
    } catch (error) {
      // status showed the fail-safe gate of a restarting kill switch, which comes back by itself
      if (!(error as Error).message.includes('reset only leaves HALTED')) throw error;
    }
  }

  private venue(name: string): VenueProcess {
    return this.venues.get(name)!;
  }

  /** Everything back to normal: no venue fault, the database up. */
  async clearFaults(): Promise<void> {
    for (const v of this.venues.values()) {
      await v.fault({ fault: 'clear' });
      await v.fault({ fault: 'resume' });
    }
    if (this.postgres && !this.postgres.isUp) this.postgres.up();
  }

  close(): void {
    this.admin?.close();
  }
}

interface Ids {
  venueIdByExchange: Map<string, number>;
  symbolByInstrument: Map<number, string>;
  venueIdByRecorderName: Map<string, number>;
  journalFile: string;
}

/** Venue ids, instrument symbols and the names the recorder uses for venues, from the bot config. */
function idsOf(tree: Record<string, unknown>, venueByPort: ReadonlyMap<number, string>, paperUrls: ReadonlyMap<string, number>): Ids {
  const actors = actorsOf(tree);
  const om = actors.find((a) => a.kind === 'order-manager');
  if (!om) throw new SoakConfigError('tree: no order-manager actor');
  const symbolByInstrument = new Map((om.config.instruments as { id: number; symbol: string }[]).map((i) => [i.id, i.symbol]));
  const recorder = actors.find((a) => a.kind === 'recorder');
  const venueIdByRecorderName = new Map(Object.entries((recorder?.config.venues ?? {}) as Record<string, string>).map(([id, name]) => [name, Number(id)]));
  const venueIdByExchange = new Map<string, number>();
  for (const exchange of actors.filter((a) => a.kind === 'exchange')) {
    const port = paperUrls.get(exchange.path);
    const venue = port === undefined ? undefined : venueByPort.get(port);
    if (venue !== undefined) venueIdByExchange.set(venue, exchange.config.venue_id as number);
  }
  return { venueIdByExchange, symbolByInstrument, venueIdByRecorderName, journalFile: om.config.journal_file as string };
}

/** A quantity as exact 1e-8 units: decimal text (the venue's, risk's status) or a wire double. */
function toUnits(value: string | number): bigint {
  return typeof value === 'number' ? unitsFromNumber(value, 8) : parseUnits(value, 8);
}

/**
 * The soak's trips count from their acknowledgement: an order the exchange actor sent just before
 * the trip may reach the venue after the kill switch's transition, and left before the trip. The
 * database's stretches that one of the soak's trips started are replaced by the soak's; the others
 * (the bot's own halts: risk panics, the dead man's switch) count from the kill switch's transition.
 */
export function mergeHalts(soakTrips: readonly (HaltWindow & { readonly requestedMs: number })[], recorded: readonly HaltWindow[], resetRequestsMs: readonly number[]): HaltWindow[] {
  const ours = (h: HaltWindow): boolean => soakTrips.some((t) => h.fromMs >= t.requestedMs && h.fromMs <= t.fromMs);
  // Only the soak resets, so a stretch ends no later than its reset request (the kill switch may
  // open the gate a few ms before it stamps the transition).
  const ended = (h: HaltWindow): HaltWindow => {
    const request = [...resetRequestsMs].sort((a, b) => a - b).find((r) => r >= h.fromMs);
    return request === undefined || (h.toMs !== null && h.toMs <= request) ? h : { fromMs: h.fromMs, toMs: request };
  };
  return [...soakTrips.map(({ fromMs, toMs }) => ({ fromMs, toMs })), ...recorded.filter((h) => !ours(h)).map(ended)];
}

/** HALTED stretches from the kill switch's own transitions (trips the soak did not make: risk panics, the dead man's switch). */
export function haltWindows(transitions: readonly { state: string; atMs: number }[]): HaltWindow[] {
  const windows: HaltWindow[] = [];
  let from: number | null = null;
  for (const t of [...transitions].sort((a, b) => a.atMs - b.atMs)) {
    if (t.state === 'HALTED' && from === null) from = t.atMs;
    if (t.state !== 'HALTED' && from !== null) {
      windows.push({ fromMs: from, toMs: t.atMs });
      from = null;
    }
  }
  if (from !== null) windows.push({ fromMs: from, toMs: null });
  return windows;
}

async function readDatabase(connectionString: string | null, pgliteDir: string, ids: Ids): Promise<{ orders: string[]; fills: BookedFill[]; halts: HaltWindow[] }> {
  const embedded = connectionString === null ? await startEmbeddedDatabase({ dataDir: pgliteDir, port: 0 }) : null;
  const client = new pg.Client({ connectionString: connectionString ?? embedded!.connectionString });
  try {
    await client.connect();
    const orders = (await client.query<{ client_order_id: string }>('SELECT client_order_id FROM orders')).rows.map((r) => r.client_order_id);
    const fills = (await client.query<{ venue: string; instrument: string; trade_id: string }>('SELECT venue, instrument, trade_id FROM fills')).rows.map((r) => ({
      venue: ids.venueIdByRecorderName.get(r.venue) ?? -1,
      symbol: r.instrument,
      tradeId: Number(r.trade_id),
    }));
    const transitions = (await client.query<{ state: string; at_ms: string }>('SELECT state, (extract(epoch FROM ts) * 1000)::bigint AS at_ms FROM kill_switch_events ORDER BY seq')).rows;
    return { orders, fills, halts: haltWindows(transitions.map((t) => ({ state: t.state, atMs: Number(t.at_ms) }))) };
  } finally {
    await client.end().catch(() => undefined); // closing after the work is done or failed: nothing is left to lose, and the failure that matters is already reported
    await embedded?.stop();
  }
}

function summary(options: SoakOptions, schedule: readonly ScheduledFault[], log: RunLog, records: SoakRecords, violations: readonly Violation[], elapsedMs: number): string {
  const lines: string[] = [];
  lines.push(`bot4 soak: seed ${options.seed}, chaos ${options.minutes} min (${schedule.length} episodes planned), database ${options.database}, ${(elapsedMs / 1000).toFixed(0)} s in all`);
  lines.push('faults injected');
  for (const kind of FAULT_KINDS) {
    const detail = kind === 'kill-actor' && log.killedByKind.size > 0 ? `  (${[...log.killedByKind].map(([k, n]) => `${k} ${n}`).join(', ')})` : '';
    lines.push(`  ${kind.padEnd(24)} ${String(log.injected.get(kind) ?? 0).padStart(5)}${detail}`);
  }
  lines.push('restarts');
  lines.push(`  ${'sigkill restarts'.padEnd(24)} ${String(log.sigkillRestarts).padStart(5)}`);
  lines.push(`  ${'restarts while HALTED'.padEnd(24)} ${String(log.restartsAfterTrip.length).padStart(5)}`);
  lines.push(`  ${'actor kills'.padEnd(24)} ${String([...log.killedByKind.values()].reduce((a, b) => a + b, 0)).padStart(5)}`);
  lines.push(`  ${'halts the bot made'.padEnd(24)} ${String(log.botHalts.length).padStart(5)}${log.botHalts.length > 0 ? `  (${[...new Set(log.botHalts)].join('; ').slice(0, 300)})` : ''}`);
  lines.push('venue records');
  lines.push(`  ${'orders'.padEnd(24)} ${String(records.venueOrders.length).padStart(5)}`);
  lines.push(`  ${'fills'.padEnd(24)} ${String(records.venueTrades.length).padStart(5)}`);
  lines.push('checks');
  for (const check of CHECKS) {
    const n = violations.filter((v) => v.check === check).length;
    lines.push(`  ${check.padEnd(24)} ${n === 0 ? 'ok' : `${n} violation(s)`}`);
  }
  for (const v of violations.slice(0, 50)) lines.push(`  ! ${v.check}: ${v.detail}`);
  if (violations.length > 50) lines.push(`  ! … and ${violations.length - 50} more`);
  for (const e of log.stepErrors) lines.push(`  step failed: ${e}`);
  lines.push(`violations: ${violations.length}`);
  return lines.join('\n');
}

export async function runSoak(argv: readonly string[]): Promise<number> {
  const parsed = parseSoakArgs(argv);
  if (parsed === 'help') {
    process.stdout.write(SOAK_HELP);
    return 0;
  }
  const options = parsed;
  let paper: Record<string, unknown>;
  let venuesPlanned: ReturnType<typeof paperVenues>;
  try {
    paper = parseYaml(readFileSync(options.configFile, 'utf8')) as Record<string, unknown>;
    venuesPlanned = paperVenues(paper);
  } catch (e) {
    throw new UsageError(`--config ${options.configFile}: ${(e as Error).message}`, 'soak');
  }
  const bindir = options.database === 'postgres' ? SoakPostgres.find() : null;
  if (options.database === 'postgres' && bindir === null) throw new UsageError('--database postgres: no PostgreSQL server binaries (initdb, pg_ctl, postgres) found', 'soak');

  const started = now();
  const dir = mkdtempSync(join(tmpdir(), 'bot4-soak-'));
  const venues = new Map<string, VenueProcess>();
  let postgres: SoakPostgres | null = null;
  let bot: BotProcess | undefined;
  let soak: Soak | undefined;
  let passed = false;
  try {
    // The venues, each its own process on a free port.
    const urlsByPort = new Map<number, { httpUrl: string; wsUrl: string }>();
    const venueByPort = new Map<number, string>();
    for (const v of venuesPlanned) {
      const file = join(dir, `venue-${v.name}.yaml`);
      writeFileSync(file, stringify({ ...v.options, port: 0 }));
      const proc = await VenueProcess.start(v.name, file);
      venues.set(v.name, proc);
      urlsByPort.set(v.port, { httpUrl: proc.httpUrl, wsUrl: proc.wsUrl });
      venueByPort.set(v.port, v.name);
      say(`venue ${v.name}: ${proc.httpUrl}`);
    }
    const plan = soakBotConfig(paper, dir, urlsByPort);
    mkdirSync(plan.dataDir, { recursive: true });
    const configFile = join(dir, 'bot.yaml');
    writeFileSync(configFile, stringify(plan.config));
    const paperUrls = new Map(actorsOf(paper.tree as Record<string, unknown>).filter((a) => a.kind === 'exchange').map((a) => [a.path, Number(new URL(String((a.config.emulator as { http_url: string }).http_url)).port)]));
    const ids = idsOf(plan.config.tree as Record<string, unknown>, venueByPort, paperUrls);
    if (bindir !== null) {
      postgres = await SoakPostgres.start(bindir);
      say(`database: PostgreSQL in ${postgres.dir}`);
    }
    // the soak's bot shows its dashboard on a free port: 18480 may be a running bot4's (bot4 ctl dashboard prints the URL)
    bot = new BotProcess(configFile, childEnv({ BOT4_DASHBOARD__PORT: '0', ...(postgres ? { DATABASE_URL: postgres.connectionString } : {}) }));
    await bot.start();
    say(`bot4 start running; config ${configFile}`);

    const actorsByKind = new Map<string, string[]>();
    for (const a of actorsOf(plan.config.tree as Record<string, unknown>)) actorsByKind.set(a.kind, [...(actorsByKind.get(a.kind) ?? []), a.path]);
    const schedule = planSoak(options.seed, options.minutes * 60_000, { actors: actorsByKind, venues: [...venues.keys()], databaseOutage: postgres !== null });
    const log: RunLog = { injected: new Map(), killedByKind: new Map(), halts: [], restartsAfterTrip: [], sigkillRestarts: 0, botHalts: [], resetRequestsMs: [], stepErrors: [] };
    soak = new Soak(bot, plan.socketPath, venues, postgres, log);
    await soak.connect();

    // Chaos: each episode at its time, one after another; behind schedule (a restart took longer
    // than planned) still with the shortest gap of quiet after the one before, so the tree recovers.
    const chaosStart = now();
    for (const { atMs, fault } of schedule) {
      await sleep(Math.max(MIN_QUIET_MS, chaosStart + atMs - now()));
      say(`${((now() - chaosStart) / 1000).toFixed(1).padStart(6)} s  ${fault.kind} ${JSON.stringify(fault)}`);
      try {
        await soak.resetHaltTheBotMade();
        await soak.run(fault);
        log.injected.set(fault.kind, (log.injected.get(fault.kind) ?? 0) + 1);
      } catch (error) {
        log.stepErrors.push(`${fault.kind} at ${((now() - chaosStart) / 1000).toFixed(1)} s: ${(error as Error).message.slice(0, 500)}`);
        // an episode cut short must not leave its fault on (a silent feed, the database down) for the next ones
        await soak.clearFaults().catch((e: unknown) => log.stepErrors.push(`clearing faults: ${(e as Error).message}`));
      }
      for (const exit of bot.unexpectedExits.splice(0)) {
        log.stepErrors.push(exit);
        await bot.start();
      }
    }
    await sleep(Math.max(0, chaosStart + options.minutes * 60_000 - now()));

    // The end: faults off, pause, trip (cancel every order; flatten if the config says so), quiet.
    say('end of chaos: clearing faults, pausing, tripping, waiting for quiet');
    await soak.clearFaults();
    const before = await soak.status();
    say(`trading before the final trip: ${before.trading.state} (${before.trading.reason})`);
    // HALTED (a risk panic, say) refuses a mode change and is already cancelling; the trip is then a no-op.
    if (before.trading.state !== 'HALTED') await soak.request('mode paused', (a) => a.request('mode.set', { mode: 'paused' }));
    const finalTripMs = now();
    await soak.request('trip', (a) => a.request('killswitch.trip', { reason: 'soak: end of run, cancel everything' }));
    log.halts.push({ requestedMs: finalTripMs, fromMs: now(), toMs: null });
    const quiet = await waitForQuiet(soak, venues);
    const status = quiet.status;
    const stopCode = await bot.stop();
    if (stopCode !== 0) log.stepErrors.push(`bot4 start exited ${String(stopCode)} on SIGTERM:\n${bot.tail()}`);

    // The records: the venues' own, the journal, the database.
    const venueOrders: VenueOrder[] = [];
    const venueTrades: VenueTrade[] = [];
    const venueOpenAtEnd: { venue: number; clientOrderId: string }[] = [];
    for (const [name, proc] of venues) {
      const venue = ids.venueIdByExchange.get(name) ?? -1;
      for (const symbol of await proc.symbols()) {
        for (const o of await proc.allOrders(symbol)) {
          venueOrders.push({ venue, symbol, orderId: o.orderId, clientOrderId: o.clientOrderId, timeMs: o.time });
          if (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED') venueOpenAtEnd.push({ venue, clientOrderId: o.clientOrderId });
        }
        for (const t of await proc.myTrades(symbol)) venueTrades.push({ venue, symbol, tradeId: t.id, orderId: t.orderId, side: t.isBuyer ? 'BUY' : 'SELL', qty: toUnits(t.qty) });
      }
    }
    const journal = replayJournal(ids.journalFile);
    const orderManagerFills = [...journal.lines.values()].flatMap((line) =>
      line.order.fills.map((f) => ({ venue: line.order.venue, symbol: ids.symbolByInstrument.get(line.order.instrument) ?? `instrument ${line.order.instrument}`, tradeId: f.tradeId })),
    );
    const database = await readDatabase(postgres?.connectionString ?? null, join(plan.dataDir, 'pglite'), ids);
    const records: SoakRecords = {
      venueOrders,
      venueTrades,
      venueOpenAtEnd,
      orderManagerFills,
      botOpenAtEnd: statusOpenOrders.parse(status.openOrders).map((o) => ({ venue: o.venue, clientOrderId: o.clientOrderId })),
      riskPositions: statusPositions.parse(status.positions).map((p) => ({ venue: p.venue, symbol: ids.symbolByInstrument.get(p.instrument) ?? `instrument ${p.instrument}`, qty: toUnits(p.qty) })),
      databaseOrders: database.orders,
      databaseFills: database.fills,
      halts: mergeHalts(log.halts, database.halts, log.resetRequestsMs),
      restartsAfterTrip: log.restartsAfterTrip,
    };
    const violations = runChecks(records);
    if (!quiet.quiet) log.stepErrors.push(`no quiet within the wait: ${quiet.why}`);
    say(summary(options, schedule, log, records, violations, now() - started));
    passed = violations.length === 0 && log.stepErrors.length === 0;
    return passed ? 0 : 1;
  } finally {
    soak?.close();
    if (bot?.running) await bot.sigkill();
    for (const v of venues.values()) await v.stop();
    postgres?.destroy();
    if (passed) rmSync(dir, { recursive: true, force: true });
    else say(`kept for inspection: ${dir}`);
  }
}

/** Quiet: nothing open on any venue or in the order manager, and the trade lists and positions unchanged over two looks 2 s apart. */
async function waitForQuiet(soak: Soak, venues: ReadonlyMap<string, VenueProcess>): Promise<{ quiet: boolean; status: StatusReport; why: string }> {
  const deadline = now() + 90_000;
  let previous = '';
  for (;;) {
    const status = await soak.status();
    let venueOpen = 0;
    let trades = 0;
    for (const proc of venues.values()) {
      venueOpen += (await proc.signedGet<unknown[]>('openOrders')).length;
      for (const symbol of await proc.symbols()) trades += (await proc.myTrades(symbol)).length;
    }
    // quantities only: a position's mark and unrealised PnL move with the market
    const look = JSON.stringify({ trades, positions: status.positions === null ? null : statusPositions.parse(status.positions).map((p) => [p.venue, p.instrument, p.qty]) });
    const botOpen = status.openOrders?.length ?? Number.NaN;
    const why = `${venueOpen} open on the venues, ${botOpen} in the order manager, trades ${look === previous ? 'steady' : 'still changing'}, unavailable: ${status.unavailable.join(', ') || 'none'}`;
    if (venueOpen === 0 && botOpen === 0 && status.positions !== null && look === previous) return { quiet: true, status, why };
    if (now() > deadline) return { quiet: false, status, why };
    previous = look;
    await sleep(2000);
  }
}
