/**
 * The backend the admin socket of a `bot4 start` process serves: the runtime, created (not
 * started) before the socket opens, so every command is served from the socket's first
 * moment: a trip during start-up closes the gate and latches HALTED, `tree` and `status`
 * answer with what exists so far. `shutdown` goes through the process's own shutdown
 * sequence (the same one a signal starts), which ends with the process exiting.
 */
import type { AdminBackend, ActorDetail, DashboardInfo, EventListener, StatusReport, TradingStateReport, TreeNode } from '../admin/backend.js';
import { AdminError, type TradingMode } from '../admin/protocol.js';

export class ProcessBackend implements AdminBackend {
  /** Set once the dashboard listens (start.ts); undefined with `dashboard: false`. */
  dashboardInfo: DashboardInfo | undefined;

  constructor(
    private readonly runtime: AdminBackend,
    private readonly requestShutdown: (reason: string) => Promise<void>,
  ) {}

  tree(): Promise<TreeNode> {
    return this.runtime.tree();
  }
  actorGet(path: string): Promise<ActorDetail> {
    return this.runtime.actorGet(path);
  }
  actorRestart(path: string): Promise<TreeNode> {
    return this.runtime.actorRestart(path);
  }
  actorKill(path: string): Promise<TreeNode> {
    return this.runtime.actorKill(path);
  }
  actorInvoke(path: string, method: string, args: unknown): Promise<unknown> {
    return this.runtime.actorInvoke(path, method, args);
  }
  killswitchTrip(reason: string): Promise<TradingStateReport> {
    return this.runtime.killswitchTrip(reason);
  }
  killswitchReset(reason: string): Promise<TradingStateReport> {
    return this.runtime.killswitchReset(reason);
  }
  modeSet(mode: TradingMode): Promise<TradingStateReport> {
    return this.runtime.modeSet(mode);
  }
  gpioPress(): Promise<TradingStateReport> {
    return this.runtime.gpioPress();
  }
  status(): Promise<StatusReport> {
    return this.runtime.status();
  }
  subscribe(topics: readonly string[], listener: EventListener): () => void {
    return this.runtime.subscribe(topics, listener);
  }
  shutdown(reason: string): Promise<void> {
    return this.requestShutdown(reason);
  }
  async dashboard(): Promise<DashboardInfo> {
    if (!this.dashboardInfo) throw new AdminError('not_available', 'no dashboard runs in this process (dashboard: false in the config)');
    return this.dashboardInfo;
  }
}
