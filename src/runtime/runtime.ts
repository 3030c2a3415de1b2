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
  RiskReport,
  StatusReport,
  TradingStateName,
  TradingStateReport,
  TreeNode,
} from '../admin/backend.js';
import { invocationRefusal } from '../admin/invocable-controls.js';
import type { PositionReport } from '../../actors/risk/accounting.js';
import { AdminError, topicMatches, type AdminEvent, type TradingMode } from '../admin/protocol.js';
import type { Bot4Config } from '../config/schema.js';
import { TradingState, tradingStateName } from '../domain/messages.js';
import { seededRandom } from '../domain/random.js';
import type { Logging } from '../logging/logger.js';
import { GpioPanel, type GpioConfig, type GpioTripSource } from '../safety/gpio-panel.js';
import type { ActorHandle, ActorSpec } from './actor-handle.js';
import { killSwitchStateFileOf, openRuntimeDatabase, type RuntimeDatabase, type RuntimeDatabaseOptions } from './database.js';
import { packageRoot } from './package-root.js';
import { DEPENDENCY_CONTROL, DependencyNotifier } from './supervision/dependency-notices.js';
import { StandbyPool } from './standby-pool.js';
import { SupervisionTree, UnknownPathError, type StopReport } from './supervision/supervision-tree.js';
import type { ActorNodeSpec, SupervisorNodeSpec, TreeNodeSpec } from './supervision/tree-spec.js';
import type { NodeSnapshot } from './supervision/snapshot.js';
import { TradingGate, beatSupervisor, closeForShutdown, createTradingGate, forceHalt } from './trading-gate.js';
import { toTreeNode, findTreeNode, specTreeNode } from './tree-view.js';
import { TripRelay } from './trip-relay.js';
import { venueStatus } from './venue-status.js';
import { buildWiring, type ActorWiring } from './wiring.js';
import type { ClusterConfig } from '../cluster/config.js';
import { ClusterLink, type ClusterStatus } from '../cluster/link.js';
import { wireRemoteEdges } from '../cluster/remote-edges.js';

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
  /** This process as one node of a cluster (src/cluster/, docs/cluster.md). */
  cluster?: ClusterConfig;
}

const KILL_SWITCH_KIND = 'kill-switch';

/** The kill-switch actor's `status` answer (actors/kill-switch/actor.ts), the part read here. */
interface KillSwitchStatus {
  state: TradingStateName;
  effective: TradingStateName;
  last: { reason: string; atMs: number } | null;
  since: number | null;
  history: unknown[];
}

function riskReport(status: Record<string, unknown>): RiskReport {
  const { limits, panicLimits, panicsSent, lastVar, grossExposure, dailyLoss, peakEquity } = status;
  return {
    limits: (limits ?? {}) as RiskReport['limits'],
    panicLimits: (panicLimits ?? {}) as RiskReport['panicLimits'],
    panicsSent: (panicsSent ?? []) as unknown[],
    lastVar: lastVar ?? null,
    grossExposure: grossExposure ?? null,
    dailyLoss: dailyLoss ?? null,
    peakEquity: typeof peakEquity === 'string' ? peakEquity : null,
  };
}
const SUPERVISOR_BEAT_MS = 100;

export function actorNodes(node: TreeNodeSpec): ActorNodeSpec[] {
  return node.type === 'actor' ? [node] : node.children.flatMap(actorNodes);
}

export class Runtime implements AdminBackend {
  readonly gateBuffer: SharedArrayBuffer;
  readonly gate: TradingGate;
  /** Every trip goes through it, from creation to exit (src/runtime/trip-relay.ts). */
  readonly trips: TripRelay;
  /** The tree as configured, then as the database rewrote it (src/runtime/database.ts). */
  private treeSpec: SupervisorNodeSpec;
  private wiring = new Map<string, ActorWiring>();
  private readonly events = new Subject<AdminEvent>();
  private readonly killSwitchNode: ActorNodeSpec | undefined;
  /** Undefined until the database is up and the tree is built: the actors have not started yet. */
  private supervision: SupervisionTree<ActorWiring> | undefined;
  private booting: Promise<void> | undefined;
  private panel: GpioPanel | undefined;
  /** Set when the panel starts opening: gpio.press during start-up waits for it rather than refusing. */
  private panelOpening: Promise<GpioPanel> | undefined;
  private beat: NodeJS.Timeout | undefined;
  private lastShownState: TradingState | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private readonly treeEvents: Subscription[] = [];
  private dependencies: DependencyNotifier | undefined;
  private database: RuntimeDatabase | null = null;
  private readonly standbys: StandbyPool;
  /** The link to the other nodes when this process is one node of a cluster. */
  readonly cluster: ClusterLink | undefined;
  private lastPublishedGateSeq = -1;
  readonly startedAt = Date.now();

  private constructor(private readonly options: RuntimeOptions) {
    this.gateBuffer = createTradingGate();
    this.gate = new TradingGate(this.gateBuffer);
    this.treeSpec = options.tree;
    this.killSwitchNode = actorNodes(options.tree).find((a) => a.kind === KILL_SWITCH_KIND);
    const stateFile = this.killSwitchNode ? killSwitchStateFileOf(this.killSwitchNode) : undefined;
    this.trips = new TripRelay(this.gateBuffer, stateFile, () => this.killSwitch(), options.logger.child({ path: 'supervisor/trips' }));
    this.standbys = new StandbyPool({
      enabled: options.standbyWorkers ?? true,
      onEvent: (event) => {
        const { type, ...data } = event;
        this.publish(`lifecycle.${type}`, data);
        if (event.type === 'standby-exited') options.logger.warn({ standby: data }, `standby worker of ${event.kind} exited while idle${event.replaced ? '; replaced' : ''}`);
      },
    });
    this.cluster = options.cluster
      ? new ClusterLink(options.cluster, {
          gate: this.gateBuffer,
          logger: options.logger.child({ path: 'supervisor/cluster' }),
          event: (topic, data) => this.publish(topic, data),
          takeTrip: async (source, reason) => {
            await this.trip(source, reason);
          },
          tree: () => this.tree(),
          dependency: (names, notice) => {
            for (const actor of actorNodes(this.treeSpec).filter((a) => names.includes(a.name))) {
              this.handleAt(actor.path)
                ?.invoke(DEPENDENCY_CONTROL, notice)
                .catch((err: Error) => options.logger.warn({ err, path: actor.path, notice }, `could not tell ${actor.path} that ${notice.subtree} is ${notice.state}: ${err.message}`));
            }
          },
        })
      : undefined;
  }

  /**
   * The shared memory and the trip path, nothing started: it takes trips (and answers the
   * admin socket) from here on, before boot() has started anything.
   */
  static create(options: RuntimeOptions): Runtime {
    return new Runtime(options);
  }

  /** create() then boot(). */
  static async start(options: RuntimeOptions): Promise<Runtime> {
    const runtime = Runtime.create(options);
    await runtime.boot();
    return runtime;
  }

  /**
   * Starts, in this order: the supervisor heartbeat and the GPIO panel (a button press trips
   * from here on), the database (up, migrated, the kill switch latch recovered before any
   * actor starts), the tree. A failed boot leaves nothing running.
   */
  boot(): Promise<void> {
    this.booting ??= this.bootOnce().catch(async (error: unknown) => {
      clearInterval(this.beat);
      this.panel?.close();
      await this.cluster?.stop();
      await this.standbys.stop();
      await this.database?.stop();
      throw error;
    });
    return this.booting;
  }

  /**
   * Opens the GPIO panel once: a button press trips from here on. `bot4 start` opens it before
   * the admin socket, so a press is taken at every moment an admin trip is; boot() opens it
   * first when nothing did.
   */
  openPanel(): Promise<GpioPanel> {
    const { logger } = this.options;
    this.panelOpening ??= GpioPanel.open(this.options.gpio, {
      log: logger.child({ path: 'supervisor/gpio' }),
      onTrip: (source, reason) => void this.trip(source, reason).catch((err: Error) => logger.error({ err }, `GPIO trip failed: ${err.message}`)),
    }).then((panel) => (this.panel = panel));
    return this.panelOpening;
  }

  private async bootOnce(): Promise<void> {
    const { logger } = this.options;
    if (this.cluster && !this.cluster.isKillSwitchNode) {
      if (this.killSwitchNode) throw new Error(`${this.killSwitchNode.path}: a kill switch on node ${this.options.cluster!.node}, but cluster.kill_switch_node is ${this.options.cluster!.kill_switch_node}; one kill switch owns the cluster's state`);
      logger.info(`the trading gate mirrors the kill switch on node ${this.options.cluster!.kill_switch_node} (docs/cluster.md)`);
    } else if (!this.killSwitchNode) logger.warn('no kill-switch actor in the tree: the trading gate stays HALTED and no order can leave');
    this.beat = setInterval(() => this.onBeat(), this.options.heartbeatMs ?? SUPERVISOR_BEAT_MS);
    beatSupervisor(this.gateBuffer);
    await this.openPanel();
    // Before anything else starts: a second process claiming this node's name stops the boot here.
    await this.cluster?.start();
    this.database = await openRuntimeDatabase(this.treeSpec, this.options.database ?? {}, logger);
    if (this.database) this.treeSpec = this.database.tree;
    this.wiring = buildWiring(
      actorNodes(this.treeSpec).map((a) => ({ name: a.name, path: a.path, sends: a.sends, ringBytes: a.ringBytes, fullPolicy: a.fullPolicy, edgeOverrides: a.edgeOverrides })),
      this.gateBuffer,
    );
    if (this.cluster) await this.cluster.attach(wireRemoteEdges(actorNodes(this.treeSpec), this.wiring));
    const supervision = new SupervisionTree<ActorWiring>(this.treeSpec, {
      startChild: (spec, wiring) => this.startChild(spec, wiring),
      wiringFor: (path) => this.wiringOf(path),
      random: seededRandom(this.options.seed),
      logger: logger.child({ path: 'supervisor' }),
    });
    this.supervision = supervision;
    this.treeEvents.push(
      supervision.events.subscribe((event) => {
        const { type, at, ...data } = event;
        this.publish(`lifecycle.${type}`, data, at);
      }),
    );
    this.dependencies = new DependencyNotifier(this.treeSpec, supervision.events, (path, notice) => {
      const handle = supervision.handleOf(path) as ActorHandle | undefined;
      handle?.invoke(DEPENDENCY_CONTROL, notice).catch((err: Error) => logger.warn({ err, path, notice }, `could not tell ${path} that ${notice.subtree} is ${notice.state}: ${err.message}`));
    });
    await supervision.start();
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
    const start = (): Promise<ActorHandle> => this.standbys.startActor(
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
    // The kill switch takes the trips held while it was down before it counts as started.
    return isKillSwitch ? this.trips.starts(start) : start();
  }

  private onBeat(): void {
    beatSupervisor(this.gateBuffer);
    const state = this.gate.read();
    // The kill switch's node tells the cluster of a transition at once, not at the next beat.
    if (this.cluster?.isKillSwitchNode && this.gate.seq() !== this.lastPublishedGateSeq) {
      this.lastPublishedGateSeq = this.gate.seq();
      this.cluster.publishStateNow();
    }
    if (state !== this.lastShownState) {
      this.lastShownState = state;
      this.panel?.showState(state);
    }
  }

  private publish(topic: string, data: Record<string, unknown>, at = Date.now()): void {
    this.events.next({ topic, ts: new Date(at).toISOString(), data });
  }

  /** The running actor at `path`; undefined while it is not up (or the tree has not started yet). */
  private handleAt(path: string): ActorHandle | undefined {
    return this.supervision?.handleOf(path) as ActorHandle | undefined;
  }

  private killSwitch(): ActorHandle | undefined {
    return this.killSwitchNode ? this.handleAt(this.killSwitchNode.path) : undefined;
  }

  private requireKillSwitch(command: string): ActorHandle {
    if (this.cluster && !this.cluster.isKillSwitchNode) throw new AdminError('not_available', `${command}: the kill switch runs on node ${this.options.cluster!.kill_switch_node}; use that node's admin socket`);
    if (!this.killSwitchNode) throw new AdminError('not_available', `${command}: this tree has no kill-switch actor`);
    const handle = this.killSwitch();
    if (!handle) {
      throw new AdminError('not_available', `${command}: the kill switch (${this.killSwitchNode.path}) is restarting; the gate reads HALTED meanwhile, try again in a moment`);
    }
    return handle;
  }

  /**
   * Every trip source ends here, at any moment from create() to exit: the gate is closed and
   * held by this thread first, so it holds even if the kill-switch actor is slow, hung, down
   * or not started yet; then the actor latches the trip, or its state file is latched for it
   * (src/runtime/trip-relay.ts).
   */
  async trip(source: 'admin' | GpioTripSource, reason: string): Promise<TradingStateReport> {
    this.publish('killswitch.trip-requested', { source, reason });
    if (this.cluster && !this.cluster.isKillSwitchNode) return this.forwardTrip(source, reason);
    let outcome;
    try {
      outcome = await this.trips.trip(source, reason);
    } catch (error) {
      throw new AdminError('not_available', `killswitch.trip: ${(error as Error).message}`);
    }
    if (outcome.taken === 'by-actor') return this.tradingReport();
    const last = outcome.record.last!;
    return { state: 'HALTED', reason: `${last.reason} (${outcome.why}: latched HALTED in its state file, gate held closed until it takes the trip)`, since: new Date(last.atMs).toISOString() };
  }

  /**
   * A trip on a node without the kill switch: the gate here is held closed at once, and the trip
   * goes to the kill switch's node (stored by JetStream, delivered when that node can take it).
   */
  private async forwardTrip(source: 'admin' | GpioTripSource, reason: string): Promise<TradingStateReport> {
    const cluster = this.cluster!;
    const { stored } = cluster.forwardTrip(source, reason);
    const storedInTime = await Promise.race([stored.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), this.options.cluster!.lease_ms).unref())]);
    const where = `node ${this.options.cluster!.kill_switch_node}'s kill switch`;
    return {
      state: 'HALTED',
      reason: `${reason} (gate held closed here; ${storedInTime ? `stored for ${where}` : `${where} not reachable yet: the trip is retried until stored`})`,
      since: new Date().toISOString(),
    };
  }

  private async tradingReport(): Promise<TradingStateReport> {
    return (await this.killSwitchReport()).trading;
  }

  /** The trading state and, while the kill switch runs, its recent transitions (one status call for both). */
  private async killSwitchReport(): Promise<{ trading: TradingStateReport; history: readonly unknown[] | null }> {
    if (this.cluster && !this.cluster.isKillSwitchNode) {
      const heard = (await this.cluster.status()).lease;
      const effective = tradingStateName(this.gate.read()) as TradingStateName;
      const why = heard.heard === null ? 'not heard yet' : heard.validForMs > 0 ? `${heard.heard}, lease valid ${heard.validForMs} ms` : `${heard.heard} heard last, lease lapsed (fail safe)`;
      const reason = `mirrors the kill switch on node ${this.options.cluster!.kill_switch_node}: ${why}${this.gate.isTripHeld() ? '; a trip made here is held' : ''}`;
      return { trading: { state: effective, reason, since: new Date().toISOString() }, history: null };
    }
    const handle = this.killSwitch();
    if (!handle) {
      const why = this.supervision ? 'the kill switch is down or restarting' : 'the runtime is starting (the kill switch is not running yet)';
      return { trading: { state: tradingStateName(this.gate.read()) as TradingStateName, reason: `${why}: the gate reads HALTED (fail safe)`, since: new Date().toISOString() }, history: null };
    }
    const status = (await handle.invoke('status', {})) as KillSwitchStatus;
    const effective = status.effective;
    const reason =
      effective !== status.state
        ? `${status.state} by the kill switch, but the gate reads ${effective}${this.gate.isShuttingDown() ? ' (shutting down)' : ' (lease lapsed or gate forced closed)'}`
        : (status.last?.reason ?? 'initial state');
    return { trading: { state: effective, reason, since: new Date(status.since ?? this.startedAt).toISOString() }, history: status.history };
  }

  /**
   * The supervision tree as the supervisor holds it, each running actor's shared-memory stats
   * included (counters, mailbox depths, handler-time buckets); read without asking any actor.
   * Undefined until the tree has started. For monitoring (src/metrics/).
   */
  supervisionSnapshot(): NodeSnapshot | undefined {
    return this.supervision?.snapshot();
  }

  /** The trading gate as it reads now (shared memory: no actor is asked). */
  tradingStateNow(): TradingStateName {
    return tradingStateName(this.gate.read()) as TradingStateName;
  }

  /** An event of the supervisor's own (an alert, say) on the same stream as the actors' (events.subscribe). */
  publishEvent(topic: string, data: Record<string, unknown>): void {
    this.publish(topic, data);
  }

  // ---- AdminBackend ----

  /** `tree --cluster`: every node's tree (a node that does not answer says why); a single node answers with its own. */
  async clusterTree(): Promise<{ node: string; tree?: TreeNode; error?: string }[]> {
    return this.cluster ? this.cluster.clusterTrees() : [{ node: 'local', tree: await this.tree() }];
  }

  /** The cluster link's state (connection, lease, peers and their lag, edges), or null on a single node. */
  async clusterStatus(): Promise<ClusterStatus | null> {
    return this.cluster ? this.cluster.status() : null;
  }

  /** While the database starts, before the tree exists, every node reads `starting`. */
  async tree(): Promise<TreeNode> {
    return this.supervision ? toTreeNode(this.supervision.snapshot()) : specTreeNode(this.treeSpec, 'starting');
  }

  async actorGet(path: string): Promise<ActorDetail> {
    const node = this.nodeOrThrow(path);
    const handle = this.handleAt(path);
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
      await this.startedTree('actor.restart').restartActor(path);
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
      await this.startedTree('actor.kill').killActor(path);
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
    const handle = this.handleAt(path);
    if (!handle) throw new AdminError('not_available', `${path} is not running (${node.status})`);
    try {
      return await handle.invoke(method, args);
    } catch (error) {
      throw new AdminError('control_failed', `${path} ${method}: ${(error as Error).message}`);
    }
  }

  /** Calls a control method of the running actor at `path`. */
  async invoke(path: string, method: string, args: unknown, timeoutMs?: number): Promise<unknown> {
    const handle = this.handleAt(path);
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
    const panel = this.panel ?? (await this.panelOpening?.catch(() => undefined)); // boot logged why it failed; below says it is not open
    if (!panel) throw new AdminError('not_available', 'gpio.press: the GPIO panel is not open');
    const seq = this.gate.seq();
    try {
      panel.simulate('press', 4);
    } catch (error) {
      throw new AdminError('not_available', (error as Error).message);
    }
    const debounce = this.options.gpio.button?.debounce_ms ?? 0;
    await new Promise((resolve) => setTimeout(resolve, debounce + 20));
    panel.simulate('release', 4);
    await this.waitForPressTaken(seq, 2000);
    return this.tradingReport();
  }

  /**
   * The press has tripped: the kill switch reports HALTED, or, while it is not running,
   * the gate was held closed for the trip after the press (trip-relay.ts).
   */
  private async waitForPressTaken(gateSeqBeforePress: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const handle = this.killSwitch();
      if (handle ? ((await handle.invoke('status', {})) as { state: string }).state === 'HALTED' : this.gate.isTripHeld() && this.gate.seq() !== gateSeqBeforePress) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async status(): Promise<StatusReport> {
    const unavailable: string[] = [];
    const ask = async (kind: string, what: string, method = 'status'): Promise<Record<string, unknown>[]> => {
      const nodes = actorNodes(this.treeSpec).filter((a) => a.kind === kind);
      if (nodes.length === 0) {
        unavailable.push(`${what}: no ${kind} actor in this tree`);
        return [];
      }
      const answers: Record<string, unknown>[] = [];
      for (const node of nodes) {
        const handle = this.handleAt(node.path);
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
    const killSwitch = await this.killSwitchReport();
    return {
      trading: killSwitch.trading,
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
      risk: riskStatus ? riskReport(riskStatus) : null,
      recentFills: orders.length ? orders.flatMap((o) => (o.recentFills as unknown[]) ?? []) : null,
      killSwitchHistory: killSwitch.history,
      ...(this.cluster ? { cluster: await this.cluster.status() } : {}),
    };
  }

  /** The database the recorder writes (the audit log among it); null when this tree has none or it is not up yet. */
  get databaseUrl(): string | null {
    return this.database?.connectionString ?? null;
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
    // Requested during start-up: the gate is closed already; the tree is stopped once it has started.
    const booted = await this.booting?.then(
      () => true,
      () => false,
    );
    const supervision = this.supervision;
    if (!booted || !supervision) {
      await this.cluster?.stop();
      this.panel?.close();
      // boot() failed (and cleaned up after itself) or never ran: nothing was started
      this.lastStopReport = { complete: true, elapsedMs: 0, notStopped: [] };
      this.publish('runtime.shutdown', { reason, phase: 'stopped', complete: true });
      this.events.complete();
      return;
    }
    if (this.options.cancelOpenOrdersOnExit) await this.cancelOpenOrdersForExit(reason);
    // Idle standbys go first: no restart during shutdown should be handed one.
    await this.standbys.stop();
    const report = await supervision.stop(this.options.shutdownDeadlineMs);
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
    await this.cluster?.stop();
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
    const venues = actorNodes(this.treeSpec).filter((a) => a.kind === 'exchange');
    const results = await Promise.allSettled(
      venues.map(async (node) => {
        const handle = this.handleAt(node.path);
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
    const node = findTreeNode(this.supervision ? toTreeNode(this.supervision.snapshot()) : specTreeNode(this.treeSpec, 'starting'), path);
    if (!node) throw new AdminError('not_found', `no node at "${path}"; paths look like "${this.treeSpec.path}/<child>/…" (see the tree command)`);
    return node;
  }

  private startedTree(command: string): SupervisionTree<ActorWiring> {
    if (!this.supervision) throw new AdminError('not_available', `${command}: the runtime is still starting (database, then the actors); try again in a moment`);
    return this.supervision;
  }
}

/**
 * `bot4 start`'s entry: a validated config and the process log in, a runtime out that takes
 * trips and answers the admin socket but has started nothing (boot() starts it).
 */
export function createRuntime(config: Bot4Config, { logger, logging }: { logger: Logger; logging: Logging }): Runtime {
  const root = packageRoot();
  return Runtime.create({
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
    ...(config.cluster ? { cluster: config.cluster } : {}),
    actorModules: Object.fromEntries(Object.entries(config.runtime.actor_modules).map(([kind, file]) => [kind, pathToFileURL(resolve(root, file)).href])),
  });
}
