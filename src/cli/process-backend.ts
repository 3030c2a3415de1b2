/**
 * The backend the admin socket of a `bot4 start` process serves. The socket opens before
 * the runtime starts (so a second instance is refused before it starts any actor), so
 * until the runtime is attached every command answers `not_available`. `shutdown` goes
 * through the process's own shutdown sequence (the same one a signal starts), which
 * ends with the process exiting.
 */
import type { AdminBackend, ActorDetail, EventListener, StatusReport, TradingStateReport, TreeNode } from '../admin/backend.js';
import { AdminError, type TradingMode } from '../admin/protocol.js';

export class ProcessBackend implements AdminBackend {
  private runtime: AdminBackend | undefined;

  constructor(private readonly requestShutdown: (reason: string) => Promise<void>) {}

  attach(runtime: AdminBackend): void {
    this.runtime = runtime;
  }

  tree(): Promise<TreeNode> {
    return this.ready().tree();
  }
  actorGet(path: string): Promise<ActorDetail> {
    return this.ready().actorGet(path);
  }
  actorRestart(path: string): Promise<TreeNode> {
    return this.ready().actorRestart(path);
  }
  actorKill(path: string): Promise<TreeNode> {
    return this.ready().actorKill(path);
  }
  actorInvoke(path: string, method: string, args: unknown): Promise<unknown> {
    return this.ready().actorInvoke(path, method, args);
  }
  killswitchTrip(reason: string): Promise<TradingStateReport> {
    return this.ready().killswitchTrip(reason);
  }
  killswitchReset(reason: string): Promise<TradingStateReport> {
    return this.ready().killswitchReset(reason);
  }
  modeSet(mode: TradingMode): Promise<TradingStateReport> {
    return this.ready().modeSet(mode);
  }
  gpioPress(): Promise<TradingStateReport> {
    return this.ready().gpioPress();
  }
  status(): Promise<StatusReport> {
    return this.ready().status();
  }
  subscribe(topics: readonly string[], listener: EventListener): () => void {
    return this.ready().subscribe(topics, listener);
  }
  shutdown(reason: string): Promise<void> {
    return this.requestShutdown(reason);
  }

  private ready(): AdminBackend {
    if (!this.runtime) throw new AdminError('not_available', 'the runtime is still starting; try again in a moment');
    return this.runtime;
  }
}
