/**
 * The running system: the supervision tree of actors on worker threads, the shared
 * memory they talk through, the kill switch's gate and GPIO panel, and the admin
 * backend the socket serves. One instance per process (`bot4 start`).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import { Subject, type Subscription } from 'rxjs';
import type {
  ActorDetail,
  AdminBackend,
  EventListener,
  PnlReport,
  StatusReport,
  TradingStateName,
  TradingStateReport,
  TreeNode,
} from '../admin/backend.js';
import { invocationRefusal } from '../admin/invocable-controls.js';
import type { PositionReport } from '../../actors/risk/accounting.js';
import { AdminError, topicMatches, type AdminEvent, type TradingMode } from '../admin/protocol.js';
import { latchHaltedExternally } from '../../actors/kill-switch/latch-store.js';
import type { Bot4Config } from '../config/schema.js';
import { TradingState, tradingStateName } from '../domain/messages.js';
import { seededRandom } from '../domain/random.js';
import type { Logging } from '../logging/logger.js';
import { GpioPanel, type GpioConfig, type GpioTripSource } from '../safety/gpio-panel.js';
import type { ActorHandle, ActorSpec } from './actor-handle.js';
import { openRuntimeDatabase, type RuntimeDatabase, type RuntimeDatabaseOptions } from './database.js';
import { packageRoot } from './package-root.js';
import { DEPENDENCY_CONTROL, DependencyNotifier } from './supervision/dependency-notices.js';
import { StandbyPool } from './standby-pool.js';
import { SupervisionTree, UnknownPathError, type StopReport } from './supervision/supervision-tree.js';
import type { ActorNodeSpec, SupervisorNodeSpec, TreeNodeSpec } from './supervision/tree-spec.js';
import { TradingGate, beatSupervisor, closeForShutdown, createTradingGate, forceHalt } from './trading-gate.js';
import { toTreeNode, findTreeNode } from './tree-view.js';
import { venueStatus } from './venue-status.js';
import { buildWiring, type ActorWiring } from './wiring.js';

export interface RuntimeOptions {
  tree: SupervisorNodeSpec;
  seed: number;
  logger: Logger;
  /** A port per actor start, carrying its log lines to the process log (Logging.workerLogPort). */
  workerLogPort?: () => MessagePort;
  logLevel?: string;
  gpio: GpioConfig;
  /** How often the supervisor beats for the kill switch's dead man's switch. */
  heartbeatMs?: number;
  shutdownDeadlineMs: number;
  cancelOpenOrdersOnExit: boolean;
  /** Actor kinds implemented outside actors/ (a user's own strategy file): kind -> module file URL. */
  actorModules?: Readonly<Record<string, string>>;
  /** Where the database actors' database is (src/runtime/database.ts); default: the embedded one. */
  database?: RuntimeDatabaseOptions;
  /** Warm standby workers for fast restarts (src/runtime/standby-pool.ts); default true. */
  standbyWorkers?: boolean;
}

const KILL_SWITCH_KIND = 'kill-switch';
const SUPERVISOR_BEAT_MS = 100;

export function actorNodes(node: TreeNodeSpec): ActorNodeSpec[] {
  return node.type === 'actor' ? [node] : node.children.flatMap(actorNodes);
}

export class Runtime implements AdminBackend {
  readonly gateBuffer: SharedArrayBuffer;
  readonly gate: TradingGate;
  private readonly wiring: Map<string, ActorWiring>;
  private readonly events = new Subject<AdminEvent>();
  private readonly killSwitchNode: ActorNodeSpec | undefined;
  private supervision!: SupervisionTree<ActorWiring>;
  private panel: GpioPanel | undefined;
  private beat: NodeJS.Timeout | undefined;
  private lastShownState: TradingState | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private readonly treeEvents: Subscription[] = [];
  private dependencies: DependencyNotifier | undefined;
  private database: RuntimeDatabase | null = null;
  private readonly standbys: StandbyPool;
  readonly startedAt = Date.now();

  private constructor(private readonly options: RuntimeOptions) {
    this.gateBuffer = createTradingGate();
    this.gate = new TradingGate(this.gateBuffer);
    const actors = actorNodes(options.tree);
    this.wiring = buildWiring(
      actors.map((a) => ({ name: a.name, path: a.path, sends: a.sends, ringBytes: a.ringBytes, fullPolicy: a.fullPolicy, edgeOverrides: a.edgeOverrides })),
      this.gateBuffer,
    );
    this.killSwitchNode = actors.find((a) => a.kind === KILL_SWITCH_KIND);
    this.standbys = new StandbyPool({
      enabled: options.standbyWorkers ?? true,
      onEvent: (event) => {
        const { type, ...data } = event;
        this.publish(`lifecycle.${type}`, data);
        if (event.type === 'standby-exited') options.logger.warn({ standby: data }, `standby worker of ${event.kind} exited while idle${event.replaced ? '; replaced' : ''}`);
      },
    });
  }

  /** Builds the shared memory, starts the supervisor heartbeat, the GPIO panel and the tree. */
  static async start(options: RuntimeOptions): Promise<Runtime> {
    // Persistence (src/runtime/database.ts): up, migrated and the kill switch latch recovered before any actor starts.
    const database = await openRuntimeDatabase(options.tree, options.database ?? {}, options.logger);
    const runtime = new Runtime(database ? { ...options, tree: database.tree } : options);
    runtime.database = database;
    try {
      await runtime.boot();
    } catch (error) {
      await runtime.standbys.stop();
      await database?.stop();
      throw error;
    }
    return runtime;
  }

  private async boot(): Promise<void> {
    const { logger } = this.options;
    if (!this.killSwitchNode) logger.warn('no kill-switch actor in the tree: the trading gate stays HALTED and no order can leave');
    this.beat = setInterval(() => this.onBeat(), this.options.heartbeatMs ?? SUPERVISOR_BEAT_MS);
    beatSupervisor(this.gateBuffer);
    this.panel = await GpioPanel.open(this.options.gpio, {
      log: logger.child({ path: 'supervisor/gpio' }),
      onTrip: (source, reason) => void this.trip(source, reason).catch((err: Error) => logger.error({ err }, `GPIO trip failed: ${err.message}`)),
    });
    this.supervision = new SupervisionTree<ActorWiring>(this.options.tree, {
      startChild: (spec, wiring) => this.startChild(spec, wiring),
      wiringFor: (path) => this.wiringOf(path),
      random: seededRandom(this.options.seed),
      logger: logger.child({ path: 'supervisor' }),
    });
    this.treeEvents.push(
      this.supervision.events.subscribe((event) => {
        const { type, at, ...data } = event;
        this.publish(`lifecycle.${type}`, data, at);
      }),
    );
    const supervision = this.supervision;
    this.dependencies = new DependencyNotifier(this.options.tree, supervision.events, (path, notice) => {
      const handle = supervision.handleOf(path) as ActorHandle | undefined;
      handle?.invoke(DEPENDENCY_CONTROL, notice).catch((err: Error) => logger.warn({ err, path, notice }, `could not tell ${path} that ${notice.subtree} is ${notice.state}: ${err.message}`));
    });
    await this.supervision.start();
  }

  private wiringOf(path: string): ActorWiring {
    const name = path.slice(path.lastIndexOf('/') + 1);
    const wiring = this.wiring.get(name);
    if (!wiring) throw new Error(`no wiring for ${path}: not an actor of this tree`);
    return wiring;
  }

  private startChild(spec: ActorSpec, wiring: ActorWiring): Promise<ActorHandle> {
    const isKillSwitch = spec.kind === KILL_SWITCH_KIND;
    const moduleUrl = spec.moduleUrl ?? this.options.actorModules?.[spec.kind];
    return this.standbys.startActor(
      {
        ...spec,
        ...(moduleUrl ? { moduleUrl } : {}),
        seed: spec.seed ?? this.options.seed,
        ...(this.options.logLevel ? { logLevel: this.options.logLevel } : {}),
      },
      wiring,
      {
        ...(this.options.workerLogPort ? { logPort: this.options.workerLogPort } : {}),
        onEvent: (event) => this.publish(event.topic, { path: event.path, ...event.data }),
        // Fail safe: the instant the kill switch's thread is gone, the gate reads HALTED.
        ...(isKillSwitch ? { onExitSync: () => forceHalt(this.gateBuffer) } : {}),
      },
    );
  }

  private onBeat(): void {
    beatSupervisor(this.gateBuffer);
    const state = this.gate.read();
    if (state !== this.lastShownState) {
      this.lastShownState = state;
      this.panel?.showState(state);
    }
  }

  private publish(topic: string, data: Record<string, unknown>, at = Date.now()): void {
    this.events.next({ topic, ts: new Date(at).toISOString(), data });
  }

  private killSwitch(): ActorHandle | undefined {
    return this.killSwitchNode ? (this.supervision.handleOf(this.killSwitchNode.path) as ActorHandle | undefined) : undefined;
  }

  private requireKillSwitch(command: string): ActorHandle {
    if (!this.killSwitchNode) throw new AdminError('not_available', `${command}: this tree has no kill-switch actor`);
    const handle = this.killSwitch();
    if (!handle) {
      throw new AdminError('not_available', `${command}: the kill switch (${this.killSwitchNode.path}) is restarting; the gate reads HALTED meanwhile, try again in a moment`);
    }
    return handle;
  }

  /**
   * Every trip source ends here. The gate is closed first, by this thread, so it holds
   * even if the kill-switch actor is slow, hung or down; then the actor records and
   * latches the trip, or, while it is down, the latch file is written for it.
   */
  async trip(source: 'admin' | GpioTripSource, reason: string): Promise<TradingStateReport> {
    forceHalt(this.gateBuffer);
    this.publish('killswitch.trip-requested', { source, reason });
    const handle = this.killSwitch();
    if (handle) {
      try {
        await handle.invoke('trip', { reason, source });
        return await this.tradingReport();
      } catch (error) {
        this.options.logger.error({ err: error }, `kill switch did not take the trip (${(error as Error).message}); latching HALTED in its state file`);
      }
    }
    if (!this.killSwitchNode) throw new AdminError('not_available', 'killswitch.trip: this tree has no kill-switch actor (the gate is closed regardless)');
    const stateFile = (this.killSwitchNode.config as { state_file?: string }).state_file ?? 'data/kill-switch.json';
    const record = latchHaltedExternally(stateFile, source, reason, Date.now());
    return { state: 'HALTED', reason: record.last!.reason, since: new Date(record.last!.atMs).toISOString() };
  }

  private async tradingReport(): Promise<TradingStateReport> {
    const handle = this.killSwitch();
    if (!handle) {
      return { state: tradingStateName(this.gate.read()) as TradingStateName, reason: 'the kill switch is down or restarting: the gate reads HALTED (fail safe)', since: new Date().toISOString() };
    }
    const status = (await handle.invoke('status', {})) as { state: TradingStateName; effective: TradingStateName; last: { reason: string; atMs: number } | null; since: number | null };
    const effective = status.effective;
    const reason =
      effective !== status.state
        ? `${status.state} by the kill switch, but the gate reads ${effective}${this.gate.isShuttingDown() ? ' (shutting down)' : ' (lease lapsed or gate forced closed)'}`
        : (status.last?.reason ?? 'initial state');
    return { state: effective, reason, since: new Date(status.since ?? this.startedAt).toISOString() };
  }

  // ---- AdminBackend ----

  async tree(): Promise<TreeNode> {
    return toTreeNode(this.supervision.snapshot());
  }

  async actorGet(path: string): Promise<ActorDetail> {
    const node = this.nodeOrThrow(path);
    const handle = this.supervision.handleOf(path) as ActorHandle | undefined;
    let snapshot: unknown = null;
    if (handle) {
      try {
        snapshot = await handle.describe();
      } catch (error) {
        snapshot = { unavailable: (error as Error).message };
      }
    }
    return { node, snapshot };
  }

  async actorRestart(path: string): Promise<TreeNode> {
    this.nodeOrThrow(path);
    try {
      await this.supervision.restartActor(path);
    } catch (error) {
      if (error instanceof UnknownPathError) throw new AdminError('not_found', error.message);
      throw error;
    }
    return this.nodeOrThrow(path);
  }

  async actorKill(path: string): Promise<TreeNode> {
    const node = this.nodeOrThrow(path);
    if (node.kind !== 'actor') throw new AdminError('bad_args', `${path} is a supervisor; actor.kill terminates one actor`);
    try {
      await this.supervision.killActor(path);
    } catch (error) {
      if (error instanceof UnknownPathError) throw new AdminError('not_found', error.message);
      throw error;
    }
    return this.nodeOrThrow(path);
  }

  /** actor.invoke: a control method the admin may call (invocable-controls.ts) of the running actor at `path`. */
  async actorInvoke(path: string, method: string, args: unknown): Promise<unknown> {
    const node = this.nodeOrThrow(path);
    if (node.kind !== 'actor' || node.actor === null) throw new AdminError('bad_args', `${path} is a supervisor; actor.invoke calls a control of one actor`);
    const refusal = invocationRefusal(node.actor, method);
    if (refusal) throw new AdminError('not_allowed', `${path}: ${refusal}`);
    const handle = this.supervision.handleOf(path) as ActorHandle | undefined;
    if (!handle) throw new AdminError('not_available', `${path} is not running (${node.status})`);
    try {
      return await handle.invoke(method, args);
    } catch (error) {
      throw new AdminError('control_failed', `${path} ${method}: ${(error as Error).message}`);
    }
  }

  /** Calls a control method of the running actor at `path`. */
  async invoke(path: string, method: string, args: unknown, timeoutMs?: number): Promise<unknown> {
    const handle = this.supervision.handleOf(path) as ActorHandle | undefined;
    if (!handle) throw new AdminError('not_found', `${path} is not a running actor`);
    return handle.invoke(method, args, timeoutMs);
  }

  killswitchTrip(reason: string): Promise<TradingStateReport> {
    return this.trip('admin', reason);
  }

  async killswitchReset(reason: string): Promise<TradingStateReport> {
    this.refuseDuringShutdown('killswitch.reset');
    await this.requireKillSwitch('killswitch.reset').invoke('reset', { reason });
    return this.tradingReport();
  }

  async modeSet(mode: TradingMode): Promise<TradingStateReport> {
    this.refuseDuringShutdown('mode.set');
    await this.requireKillSwitch('mode.set').invoke('setMode', { mode, reason: `operator set mode ${mode} (admin socket)` });
    return this.tradingReport();
  }

  async gpioPress(): Promise<TradingStateReport> {
    if (!this.panel) throw new AdminError('not_available', 'gpio.press: the GPIO panel is not open');
    try {
      this.panel.simulate('press', 4);
    } catch (error) {
      throw new AdminError('not_available', (error as Error).message);
    }
    const debounce = this.options.gpio.button?.debounce_ms ?? 0;
    await new Promise((resolve) => setTimeout(resolve, debounce + 20));
    this.panel.simulate('release', 4);
    await this.waitForKillSwitchState('HALTED', 2000);
    return this.tradingReport();
  }

  private async waitForKillSwitchState(state: TradingStateName, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const handle = this.killSwitch();
      if (handle && ((await handle.invoke('status', {})) as { state: string }).state === state) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async status(): Promise<StatusReport> {
    const unavailable: string[] = [];
    const ask = async (kind: string, what: string, method = 'status'): Promise<Record<string, unknown>[]> => {
      const nodes = actorNodes(this.options.tree).filter((a) => a.kind === kind);
      if (nodes.length === 0) {
        unavailable.push(`${what}: no ${kind} actor in this tree`);
        return [];
      }
      const answers: Record<string, unknown>[] = [];
      for (const node of nodes) {
        const handle = this.supervision.handleOf(node.path) as ActorHandle | undefined;
        if (!handle) {
          unavailable.push(`${what}: ${node.path} is not running`);
          continue;
        }
        try {
          answers.push({ path: node.path, ...((await handle.invoke(method, {})) as Record<string, unknown>) });
        } catch (error) {
          unavailable.push(`${what}: ${node.path} did not answer (${(error as Error).message})`);
        }
      }
      return answers;
    };
    // Exchange actors answer `health` (actors/exchange/actor.ts); risk reports PnL as separate fields.
    const [exchanges, risk, orders] = [await ask('exchange', 'venues', 'health'), await ask('risk', 'positions and PnL'), await ask('order-manager', 'open orders')];
    const riskStatus = risk[0];
    return {
      trading: await this.tradingReport(),
      venues: exchanges.length ? exchanges.map(venueStatus) : null,
      positions: riskStatus ? ((riskStatus.positions as PositionReport[]) ?? []) : null,
      openOrders: orders.length ? orders.flatMap((o) => (o.openOrders as unknown[]) ?? []) : null,
      pnl: riskStatus
        ? ({ realised: riskStatus.realisedPnl, unrealised: riskStatus.unrealisedPnl, fees: riskStatus.fees, equity: riskStatus.equity, drawdown: riskStatus.drawdown } as PnlReport)
        : null,
      safety: {
        gpio: this.panel?.status() ?? null,
        gate: { stored: tradingStateName(this.gate.storedState()), effective: tradingStateName(this.gate.read()), leaseUntil: new Date(this.gate.leaseUntilMs()).toISOString() },
      },
      standbys: this.standbys.snapshot(),
      unavailable,
    };
  }

  subscribe(topics: readonly string[], listener: EventListener): () => void {
    const subscription = this.events.subscribe((event) => {
      if (topics.some((pattern) => topicMatches(pattern, event.topic))) listener(event);
    });
    return () => subscription.unsubscribe();
  }

  /**
   * Graceful shutdown, in the order that keeps money safe: close the order gate (no order
   * may leave after the request), then the exit policy, then stop actors in reverse order
   * within the deadline, saying what is still running if it passes.
   */
  shutdown(reason: string): Promise<void> {
    this.shutdownPromise ??= this.runShutdown(reason);
    return this.shutdownPromise;
  }

  /** What the last shutdown could not stop in time (empty when it completed). */
  lastStopReport: StopReport | undefined;

  private async runShutdown(reason: string): Promise<void> {
    const { logger } = this.options;
    closeForShutdown(this.gateBuffer);
    this.publish('runtime.shutdown', { reason, phase: 'gate-closed' });
    logger.info({ reason }, `shutting down (${reason}): order gate closed`);
    this.panel?.showState(TradingState.HALTED);
    if (this.options.cancelOpenOrdersOnExit) await this.cancelOpenOrdersForExit(reason);
    // Idle standbys go first: no restart during shutdown should be handed one.
    await this.standbys.stop();
    const report = await this.supervision.stop(this.options.shutdownDeadlineMs);
    this.lastStopReport = report;
    if (report.complete) {
      logger.info({ elapsedMs: report.elapsedMs }, `all actors stopped in ${report.elapsedMs} ms`);
    } else {
      logger.error(
        { notStopped: report.notStopped },
        `shutdown deadline (${this.options.shutdownDeadlineMs} ms) passed; still waiting for: ${report.notStopped.map((w) => JSON.stringify(w)).join('; ')}`,
      );
    }
    // after the tree: the recorder has flushed (or spooled) what it held
    await this.database?.stop().catch((error: Error) => logger.error({ err: error }, `stopping the database failed: ${error.message}`));
    clearInterval(this.beat);
    this.panel?.close();
    for (const s of this.treeEvents) s.unsubscribe();
    this.dependencies?.stop();
    this.publish('runtime.shutdown', { reason, phase: 'stopped', complete: report.complete });
    this.events.complete();
  }

  /** Exit policy: every venue cancels its open orders before the actors stop (the gate is already closed). */
  private async cancelOpenOrdersForExit(reason: string): Promise<void> {
    const { logger } = this.options;
    const venues = actorNodes(this.options.tree).filter((a) => a.kind === 'exchange');
    const results = await Promise.allSettled(
      venues.map(async (node) => {
        const handle = this.supervision.handleOf(node.path) as ActorHandle | undefined;
        if (!handle) throw new Error(`${node.path} is not running; its open orders stay on the venue`);
        return { path: node.path, ...((await handle.invoke('cancelAll', { reason }, this.options.shutdownDeadlineMs / 2)) as object) };
      }),
    );
    for (const result of results) {
      if (result.status === 'fulfilled') logger.info(result.value, 'exit policy: open orders cancelled');
      else logger.error({ err: result.reason }, `exit policy: could not cancel open orders: ${(result.reason as Error).message}`);
    }
    this.publish('runtime.shutdown', { reason, phase: 'orders-cancelled', venues: venues.length, failed: results.filter((r) => r.status === 'rejected').length });
  }

  private refuseDuringShutdown(command: string): void {
    if (this.gate.isShuttingDown()) throw new AdminError('not_available', `${command}: the runtime is shutting down; the order gate stays closed`);
  }

  private nodeOrThrow(path: string): TreeNode {
    const node = findTreeNode(toTreeNode(this.supervision.snapshot()), path);
    if (!node) throw new AdminError('not_found', `no node at "${path}"; paths look like "${this.options.tree.path}/<child>/…" (see the tree command)`);
    return node;
  }
}

/** `bot4 start`'s entry: a validated config and the process log in, a running runtime out. */
export function startRuntime(config: Bot4Config, { logger, logging }: { logger: Logger; logging: Logging }): Promise<Runtime> {
  const root = packageRoot();
  return Runtime.start({
    tree: config.tree,
    seed: config.runtime.seed,
    logger,
    workerLogPort: () => logging.workerLogPort(),
    logLevel: logging.level,
    gpio: config.killswitch.gpio,
    heartbeatMs: config.runtime.heartbeat_ms,
    shutdownDeadlineMs: config.runtime.shutdown_deadline_ms,
    cancelOpenOrdersOnExit: config.runtime.exit_policy.cancel_open_orders,
    standbyWorkers: config.runtime.standby_workers,
    database: { ...(config.database.url ? { url: config.database.url } : {}), dataDir: config.database.data_dir, addSecret: (value) => logging.addSecret(value) },
    actorModules: Object.fromEntries(Object.entries(config.runtime.actor_modules).map(([kind, file]) => [kind, pathToFileURL(resolve(root, file)).href])),
  });
}
