/**
 * Warm standby workers, at most one per actor kind (and module override). After an actor
 * of a kind starts, the pool spawns one idle thread that loads that kind's module graph;
 * the next start of the kind — in practice a restart after a crash — is handed that
 * thread instead of paying for a new Worker and its module loading, then a fresh standby
 * is spawned in the background for next time.
 *
 * The pool only changes *where* init runs. Supervision (strategies, backoff, intensity,
 * exit classification, the watchdog) sees the same ActorHandle either way, and a standby
 * has no shared memory, so it cannot touch a ring or the trading gate before it is an actor.
 */
import type { ActorHandle, ActorSpec, StartActorOptions } from './actor-handle.js';
import { startActor } from './actor-handle.js';
import { standbyKey, StandbyWorker } from './standby-worker.js';
import type { ActorWiring } from './wiring.js';

/** One standby as `status` shows it. */
export interface StandbyInfo {
  readonly kind: string;
  readonly moduleUrl: string | null;
  readonly threadId: number;
  readonly state: 'loading' | 'ready';
  /** Spawn -> module graph loaded (ms); null while loading. */
  readonly loadMs: number | null;
  /** The standby's own V8 heap once loaded; null while loading. */
  readonly heapUsedBytes: number | null;
}

export type StandbyEvent =
  | { readonly type: 'standby-ready'; readonly kind: string; readonly threadId: number; readonly loadMs: number; readonly heapUsedBytes: number }
  | { readonly type: 'standby-used'; readonly kind: string; readonly threadId: number; readonly path: string }
  | { readonly type: 'standby-exited'; readonly kind: string; readonly threadId: number; readonly state: 'loading' | 'ready'; readonly error: string | undefined; readonly code: number; readonly replaced: boolean };

export interface StandbyPoolOptions {
  /** false: every start is cold and no standby is ever spawned (the global switch). Default true. */
  readonly enabled?: boolean;
  onEvent?(event: StandbyEvent): void;
}

/**
 * A standby that dies while idle is replaced, but not forever: after this many deaths in a
 * row with no start of its kind in between, the kind waits for its next start to re-arm.
 */
const MAX_IDLE_REPLACEMENTS = 3;

export class StandbyPool {
  readonly enabled: boolean;
  private readonly standbys = new Map<string, StandbyWorker>();
  private readonly idleDeaths = new Map<string, number>();
  private readonly readyWaiters = new Set<() => void>();
  private closed = false;

  constructor(private readonly options: StandbyPoolOptions = {}) {
    this.enabled = options.enabled ?? true;
  }

  /**
   * Starts `spec` on its kind's standby when there is one (a cold worker otherwise), then
   * makes sure a standby of the kind exists for the next start. A spec with
   * `standby: false` is started cold and arms nothing.
   */
  async startActor(spec: ActorSpec, wiring: ActorWiring, options: StartActorOptions = {}): Promise<ActorHandle> {
    if (!this.enabled || spec.standby === false) return startActor(spec, wiring, options);
    const key = standbyKey(spec.kind, spec.moduleUrl);
    const standby = this.standbys.get(key);
    this.standbys.delete(key);
    this.idleDeaths.delete(key);
    if (standby) this.options.onEvent?.({ type: 'standby-used', kind: standby.kind, threadId: standby.threadId, path: spec.path });
    try {
      return await startActor(spec, wiring, standby ? { ...options, standby } : options);
    } finally {
      this.arm(spec.kind, spec.moduleUrl);
    }
  }

  /** Spawns a standby for the kind unless one exists (loading or ready) or the pool is stopped. */
  arm(kind: string, moduleUrl: string | undefined): void {
    const key = standbyKey(kind, moduleUrl);
    if (!this.enabled || this.closed || this.standbys.has(key)) return;
    this.standbys.set(
      key,
      new StandbyWorker(kind, moduleUrl, {
        onReady: (standby) => {
          this.options.onEvent?.({ type: 'standby-ready', kind, threadId: standby.threadId, loadMs: Math.round(standby.loadMs!), heapUsedBytes: standby.heapUsedBytes! });
          for (const wake of this.readyWaiters) wake();
        },
        onExit: (standby, error, code) => this.onStandbyExit(standby, error, code),
      }),
    );
  }

  snapshot(): StandbyInfo[] {
    return [...this.standbys.values()].map((s) => ({
      kind: s.kind,
      moduleUrl: s.moduleUrl ?? null,
      threadId: s.threadId,
      state: s.state,
      loadMs: s.loadMs === undefined ? null : Math.round(s.loadMs),
      heapUsedBytes: s.heapUsedBytes ?? null,
    }));
  }

  /** Resolves once a loaded standby of the kind waits (benchmarks and tests pace crashes on it). */
  whenReady(kind: string, moduleUrl: string | undefined, timeoutMs: number): Promise<StandbyInfo> {
    const key = standbyKey(kind, moduleUrl);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const standby = this.standbys.get(key);
        if (standby?.state !== 'ready') return;
        done();
        resolve(this.snapshot().find((s) => s.threadId === standby.threadId)!);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ready standby of ${kind} within ${timeoutMs} ms (${this.standbys.has(key) ? 'one is still loading' : 'none is armed'})`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.readyWaiters.delete(check);
      };
      this.readyWaiters.add(check);
      check();
    });
  }

  /** Terminates every standby; no new one is spawned afterwards. */
  async stop(): Promise<void> {
    this.closed = true;
    const all = [...this.standbys.values()];
    this.standbys.clear();
    await Promise.all(all.map((s) => s.terminate()));
  }

  private onStandbyExit(standby: StandbyWorker, error: Error | undefined, code: number): void {
    const key = standby.key;
    if (this.standbys.get(key) !== standby) return; // terminated by stop()
    this.standbys.delete(key);
    const deaths = (this.idleDeaths.get(key) ?? 0) + 1;
    this.idleDeaths.set(key, deaths);
    // One that never loaded would fail the same way again: the next start of the kind re-arms.
    const replaced = standby.state === 'ready' && deaths <= MAX_IDLE_REPLACEMENTS && !this.closed;
    this.options.onEvent?.({ type: 'standby-exited', kind: standby.kind, threadId: standby.threadId, state: standby.state, error: error?.message, code, replaced });
    if (replaced) this.arm(standby.kind, standby.moduleUrl);
  }
}
