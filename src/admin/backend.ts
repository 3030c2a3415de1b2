/**
 * What the admin socket needs from the running system. The runtime
 * (src/runtime/runtime.ts) implements it; the admin server only validates requests,
 * calls these methods and relays results and typed errors.
 *
 * A method the current build cannot serve (the kill switch before it is wired, say)
 * throws `new AdminError('not_available', 'kill switch is not wired in this build')`;
 * an unknown actor path throws `new AdminError('not_found', …)`. Any other exception
 * reaches the client as `internal` with its message.
 */
import type { AdminEvent, TradingMode } from './protocol.js';
import type { PositionReport } from '../../actors/risk/accounting.js';

export type NodeStatus = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed' | 'open';
export type SupervisionStrategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/** Fill level of one inbound ring of an actor. */
export interface MailboxDepth {
  /** The producing actor. */
  readonly peer: string;
  readonly depthBytes: number;
  readonly capacityBytes: number;
}

export interface NodeStats {
  readonly msgsIn: number;
  readonly msgsOut: number;
  /** Handler time percentiles in microseconds; null before the first message. */
  readonly handlerP50Us: number | null;
  readonly handlerP99Us: number | null;
}

/** One node of the supervision tree, as `tree` reports it. */
export interface TreeNode {
  readonly name: string;
  /** Slash-separated from the root (`root/safety/kill-switch`); the key for actor.* commands. */
  readonly path: string;
  readonly kind: 'supervisor' | 'actor';
  /** The actor kind (`kill-switch`); null for supervisors. */
  readonly actor: string | null;
  readonly status: NodeStatus;
  /** The restart strategy of a supervisor; null for actors. */
  readonly strategy: SupervisionStrategy | null;
  readonly restarts: number;
  readonly threadId: number | null;
  readonly uptimeMs: number | null;
  readonly mailbox: readonly MailboxDepth[];
  readonly stats: NodeStats | null;
  readonly lastError: string | null;
  readonly children: readonly TreeNode[];
}

export interface ActorDetail {
  readonly node: TreeNode;
  /** The actor's own description of its state (ActorDefinition.describe); null when it has none. */
  readonly snapshot: unknown;
}

export type TradingStateName = 'ACTIVE' | 'REDUCING' | 'PAUSED' | 'HALTED';

export interface TradingStateReport {
  readonly state: TradingStateName;
  /** Why the system is in this state (the trip or reset reason, or the mode change). */
  readonly reason: string;
  /** ISO-8601 time of the last change. */
  readonly since: string;
}

/** Round-trip times of one kind of call to a venue (null before the first). */
export interface LatencyStats {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

/** One venue connection (exchange actor) in `status`. */
export interface VenueHealth {
  /** `<actor path> (venue <id>)`. */
  readonly name: string;
  /** The market feed and user stream in a few words, e.g. "market live, user stream up". */
  readonly status: string;
  /** REST calls and market-socket pings. */
  readonly latency: { readonly rest: LatencyStats; readonly ws: LatencyStats };
  /** Market-socket reconnects since the actor started. */
  readonly reconnects: number;
  /** Time since the last market-data message; null when the actor did not say. */
  readonly lastMessageAgeMs: number | null;
  readonly stale: boolean;
  /** Errors by kind (gap, rate-limited, market-connection, …). */
  readonly errors: Readonly<Record<string, number>>;
  readonly detail?: string;
}

/**
 * `status`: the trading state and why, venues and their health, positions, open orders
 * and PnL. Each comes from the actor that owns it (exchange actors, the risk monitor, the
 * order manager); a section whose actor is not in the tree, or did not answer, is null
 * and `unavailable` says why — an empty list always means "none", never "unknown".
 * Booked figures (quantities, prices, cash, fees, PnL) are decimal text at their instrument's
 * precision, exact as risk's ledger holds them (docs/risk.md, "Exact money").
 */
export interface StatusReport {
  readonly trading: TradingStateReport;
  readonly venues: readonly VenueHealth[] | null;
  readonly positions: readonly PositionReport[] | null;
  readonly openOrders: readonly unknown[] | null;
  readonly pnl: PnlReport | null;
  /** The kill switch's GPIO panel and the gate word as the supervisor reads them. */
  readonly safety: unknown;
  /** Idle warm standby workers (one per actor kind): not actors, but threads and memory. */
  readonly standbys: readonly StandbyReport[];
  readonly unavailable: readonly string[];
  /** Risk's limits and their usage, its panics with thresholds, the last VaR/ES; null without a running risk actor. */
  readonly risk?: RiskReport | null;
  /** The order manager's most recent fills, as it holds them; null without a running order manager. */
  readonly recentFills?: readonly unknown[] | null;
  /** The kill switch's last transitions (oldest first); null while it is not running. */
  readonly killSwitchHistory?: readonly unknown[] | null;
  /** On a cluster node: the link's connection, the trading-state lease, each peer node's state and lag (src/cluster/link.ts). */
  readonly cluster?: unknown;
}

/** What `status` carries of risk beyond positions and PnL (fields as actors/risk/actor.ts reports them). */
export interface RiskReport {
  readonly limits: Readonly<Record<string, unknown>>;
  readonly panicLimits: Readonly<Record<string, unknown>>;
  readonly panicsSent: readonly unknown[];
  readonly lastVar: unknown;
  readonly grossExposure: unknown;
  readonly dailyLoss: unknown;
  readonly peakEquity: string | null;
}

/** `tree --cluster`: one entry per cluster node, its tree or why it did not answer. */
export interface ClusterTreeEntry {
  readonly node: string;
  readonly tree?: TreeNode;
  readonly error?: string;
}

/** Portfolio totals as risk reports them; null where a position has no mark to be valued at. */
export interface PnlReport {
  readonly realised: string;
  readonly unrealised: string | null;
  readonly fees: string;
  readonly equity: string | null;
  readonly drawdown: { readonly drawdown: string; readonly fraction: string };
}

export interface StandbyReport {
  readonly kind: string;
  readonly threadId: number;
  readonly state: 'loading' | 'ready';
  /** Spawn -> module graph loaded (ms); null while loading. */
  readonly loadMs: number | null;
  /** The standby's own V8 heap once loaded; null while loading. */
  readonly heapUsedBytes: number | null;
}

export type EventListener = (event: AdminEvent) => void;

export interface AdminBackend {
  tree(): Promise<TreeNode>;
  /** Every cluster node's tree (a single node: its own); optional for backends that are never clustered. */
  clusterTree?(): Promise<ClusterTreeEntry[]>;
  actorGet(path: string): Promise<ActorDetail>;
  /** Graceful stop and start of one actor; resolves with its node after the restart. */
  actorRestart(path: string): Promise<TreeNode>;
  /** Abrupt terminate, as an operator kills a stuck process; supervision then applies its policy. */
  actorKill(path: string): Promise<TreeNode>;
  /**
   * Calls a control method of one running actor, if src/admin/invocable-controls.ts opens
   * it to the admin (else `not_allowed`); what the control throws is `control_failed`.
   */
  actorInvoke(path: string, method: string, args: unknown): Promise<unknown>;
  killswitchTrip(reason: string): Promise<TradingStateReport>;
  killswitchReset(reason: string): Promise<TradingStateReport>;
  modeSet(mode: TradingMode): Promise<TradingStateReport>;
  /** A simulated press of the GPIO kill button (the hardware does not exist on a dev machine). */
  gpioPress(): Promise<TradingStateReport>;
  status(): Promise<StatusReport>;
  /**
   * Calls `listener` for every event whose topic matches one of `topics`
   * (see topicMatches in protocol.ts); returns the function that unsubscribes.
   */
  subscribe(topics: readonly string[], listener: EventListener): () => void;
  /** Graceful shutdown; resolves when it has completed. */
  shutdown(reason: string): Promise<void>;
  /** Where the web dashboard listens (`bot4 ctl dashboard`); absent where none runs (`not_available`). */
  dashboard?(): Promise<DashboardInfo>;
}

export interface DashboardInfo {
  /** The ready-to-open URL, access token included. */
  readonly url: string;
  readonly origin: string;
  readonly allowTrip: boolean;
}
