/**
 * One warm standby thread as the supervisor sees it: a Worker on actor-host.js in standby
 * mode that has loaded (or is loading) the module graph of one actor kind and waits to be
 * handed an actor. It is given no shared memory at all; `take()` passes the thread to
 * startActor, which assigns it an actor (src/runtime/actor-handle.ts).
 */
import { Worker } from 'node:worker_threads';
import type { HostBoot, StandbyToSupervisor } from './actor-protocol.js';

export const actorHostUrl = new URL('./actor-host.js', import.meta.url);

export type StandbyState = 'loading' | 'ready';

export interface StandbyHooks {
  onReady(standby: StandbyWorker): void;
  /** The thread ended while still a standby (never after `take()`). */
  onExit(standby: StandbyWorker, error: Error | undefined, code: number): void;
}

/** Identity of what a standby preloaded: the kind and, when the spec overrides it, the module. */
export function standbyKey(kind: string, moduleUrl: string | undefined): string {
  return moduleUrl ? `${kind} ${moduleUrl}` : kind;
}

export class StandbyWorker {
  readonly threadId: number;
  readonly spawnedAt = performance.now();
  state: StandbyState = 'loading';
  /** Spawn -> module graph loaded (ms). */
  loadMs: number | undefined;
  /** The standby isolate's V8 heap once loaded (what it reported; the RSS cost is larger). */
  heapUsedBytes: number | undefined;
  private readonly worker: Worker;
  private taken = false;
  private error: Error | undefined;
  private readonly onMessage = (message: StandbyToSupervisor): void => {
    if (message?.type !== 'standby-ready') return;
    this.state = 'ready';
    this.loadMs = performance.now() - this.spawnedAt;
    this.heapUsedBytes = message.heapUsedBytes;
    this.hooks.onReady(this);
  };
  private readonly onError = (error: Error): void => {
    this.error ??= error;
  };
  private readonly onExit = (code: number): void => {
    this.hooks.onExit(this, this.error, code);
  };

  constructor(
    readonly kind: string,
    readonly moduleUrl: string | undefined,
    private readonly hooks: StandbyHooks,
  ) {
    const boot: HostBoot = { mode: 'standby', kind, ...(moduleUrl ? { moduleUrl } : {}) };
    this.worker = new Worker(actorHostUrl, { name: `standby:${kind}`, workerData: boot });
    this.threadId = this.worker.threadId;
    // An idle standby never keeps the process alive; the actor it becomes does.
    this.worker.unref();
    this.worker.on('message', this.onMessage);
    this.worker.on('error', this.onError);
    this.worker.once('exit', this.onExit);
  }

  get key(): string {
    return standbyKey(this.kind, this.moduleUrl);
  }

  /** Hands the thread over: this object lets go of it (no more hooks) and the caller owns it. */
  take(): Worker {
    if (this.taken) throw new Error(`standby ${this.kind} (thread ${this.threadId}) was already taken`);
    this.taken = true;
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
    this.worker.ref();
    return this.worker;
  }

  /** Ends an idle standby; resolves once its thread is gone. */
  async terminate(): Promise<void> {
    if (this.taken) return;
    await this.worker.terminate();
  }
}
