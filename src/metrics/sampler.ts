/**
 * One look at the running system for monitoring, taken in the supervisor process from what it
 * already holds: the supervision snapshot (shared-memory counters, mailbox depths and
 * handler-time buckets, read without asking any actor), the admin `status` report, and the
 * order manager's and recorder's `status` controls. Control calls are answered on the actors'
 * event loops between message batches, never inside a handler, so a sample neither sits on
 * the order path nor blocks an actor; and scrapes closer together than `minIntervalMs` share
 * one sample, so a busy scraper cannot make the actors answer more often than that.
 */
import type { StatusReport, TradingStateName } from '../admin/backend.js';
import type { ActorStats } from '../runtime/actor-handle.js';
import type { NodeSnapshot } from '../runtime/supervision/snapshot.js';

/** What the sampler needs of the runtime (src/runtime/runtime.ts implements it). */
export interface SampleSource {
  supervisionSnapshot(): NodeSnapshot | undefined;
  status(): Promise<StatusReport>;
  invoke(path: string, method: string, args: unknown, timeoutMs?: number): Promise<unknown>;
  /** The trading gate as it reads now (shared memory, no actor asked). */
  tradingStateNow(): TradingStateName;
}

export interface ActorSample {
  readonly path: string;
  readonly kind: string;
  readonly status: string;
  readonly restarts: number;
  /** Null while the actor is not up. */
  readonly stats: ActorStats | null;
}

export interface SupervisorSample {
  readonly path: string;
  readonly status: string;
  readonly restarts: number;
}

/** A `status` control's answer of one actor, with its path. */
export interface ControlAnswer {
  readonly path: string;
  readonly answer: Readonly<Record<string, unknown>>;
}

export interface SystemSample {
  readonly atMs: number;
  readonly tradingState: TradingStateName;
  readonly actors: readonly ActorSample[];
  readonly supervisors: readonly SupervisorSample[];
  /** Null when the runtime could not report (it is starting or stopping). */
  readonly status: StatusReport | null;
  readonly orderManagers: readonly ControlAnswer[];
  readonly recorders: readonly ControlAnswer[];
  /** What could not be asked, and why. */
  readonly unavailable: readonly string[];
  /** How long taking it took. */
  readonly tookMs: number;
}

const CONTROL_TIMEOUT_MS = 2000;

export class SystemSampler {
  private last: SystemSample | undefined;
  private pending: Promise<SystemSample> | undefined;

  constructor(
    private readonly source: SampleSource,
    private readonly minIntervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A sample no older than minIntervalMs; concurrent callers share the one being taken. */
  sample(): Promise<SystemSample> {
    if (this.last && this.now() - this.last.atMs < this.minIntervalMs) return Promise.resolve(this.last);
    this.pending ??= this.take().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async take(): Promise<SystemSample> {
    const started = this.now();
    const unavailable: string[] = [];
    const actors: ActorSample[] = [];
    const supervisors: SupervisorSample[] = [];
    const walk = (node: NodeSnapshot): void => {
      if (node.kind === 'actor') {
        actors.push({ path: node.path, kind: node.actor ?? 'unknown', status: node.status, restarts: node.restarts, stats: (node.stats as ActorStats | undefined) ?? null });
      } else {
        supervisors.push({ path: node.path, status: node.status, restarts: node.restarts });
      }
      node.children?.forEach(walk);
    };
    const snapshot = this.source.supervisionSnapshot();
    if (snapshot) walk(snapshot);
    else unavailable.push('tree: the runtime is starting');

    let status: StatusReport | null = null;
    try {
      status = await this.source.status();
      unavailable.push(...status.unavailable);
    } catch (error) {
      unavailable.push(`status: ${(error as Error).message}`);
    }
    const ask = async (kind: string): Promise<ControlAnswer[]> => {
      const answers: ControlAnswer[] = [];
      for (const actor of actors.filter((a) => a.kind === kind && a.status === 'running')) {
        try {
          answers.push({ path: actor.path, answer: (await this.source.invoke(actor.path, 'status', {}, CONTROL_TIMEOUT_MS)) as Record<string, unknown> });
        } catch (error) {
          unavailable.push(`${actor.path}: ${(error as Error).message}`);
        }
      }
      return answers;
    };
    const orderManagers = await ask('order-manager');
    const recorders = await ask('recorder');
    const atMs = this.now();
    this.last = { atMs, tradingState: this.source.tradingStateNow(), actors, supervisors, status, orderManagers, recorders, unavailable, tookMs: atMs - started };
    return this.last;
  }
}
