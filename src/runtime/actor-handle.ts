/**
 * The supervisor's side of one actor incarnation: starts the worker, waits for init,
 * watches its heartbeat, stops it gracefully or terminates it, and says precisely why
 * it exited. Supervision policy lives elsewhere (src/runtime/supervision/); this file
 * only reports facts.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { StatusReader, type ActorCounters } from './actor-status.js';
import { RingReader } from './ring.js';
import type { ActorAssignment, ActorControlApi, ActorEventMessage, ActorLocalStats, HostBoot, HostSpec, StandbyAssign, StandbyToSupervisor, WaitStrategy } from './actor-protocol.js';
import { actorHostUrl, type StandbyWorker } from './standby-worker.js';
import type { ActorWiring } from './wiring.js';

export interface ActorSpec {
  /** Tree path, e.g. "root/safety/kill-switch". */
  path: string;
  name: string;
  /** Folder under actors/ (compiled module <out>/actors/<kind>/actor.js). */
  kind: string;
  /** Overrides the kind's module (tests use fixture actors). */
  moduleUrl?: string;
  config: unknown;
  waitStrategy?: WaitStrategy;
  /** init must finish within this, or the start fails. */
  startTimeoutMs?: number;
  /** No heartbeat progress for this long = hung: the worker is terminated. */
  heartbeatTimeoutMs?: number;
  seed?: number;
  logLevel?: string;
  parkSliceMs?: number;
  /** false: this actor neither uses nor keeps a warm standby (StandbyPool); default true. */
  standby?: boolean;
}

export type SerializedError = { name: string; message: string; stack?: string };

export type ExitReason =
  | { kind: 'normal' }
  | { kind: 'killed'; requested: boolean }
  | { kind: 'error'; error: SerializedError }
  | { kind: 'exit-code'; code: number }
  | { kind: 'hung'; silentForMs: number }
  | { kind: 'start-failed'; error: SerializedError };

export interface ActorStats extends ActorCounters {
  /** Per inbound ring: fill level and frames rejected as corrupt. */
  mailbox: { peer: string; depthBytes: number; capacityBytes: number; corruptFrames: number }[];
}

export interface ActorHandle {
  readonly spec: ActorSpec;
  readonly threadId: number;
  /** True when a warm standby became this incarnation (no module loading on the restart path). */
  readonly warm: boolean;
  /** Date.now() when init completed. */
  readonly startedAt: number;
  /** Resolves once the worker thread is gone. */
  readonly exited: Promise<ExitReason>;
  isAlive(): boolean;
  /** Graceful: the actor's stop() runs; after timeoutMs the worker is terminated. */
  stop(timeoutMs: number): Promise<ExitReason>;
  /** Abrupt terminate, as an operator kills a stuck process: reported as killed, not requested. */
  kill(): Promise<ExitReason>;
  /** Shared-memory counters and mailbox depths: answers even when the actor is hung. */
  stats(): ActorStats;
  /** Handler percentiles straight from the worker (needs a responsive actor). */
  localStats(timeoutMs?: number): Promise<ActorLocalStats>;
  describe(timeoutMs?: number): Promise<unknown>;
  invoke(method: string, args: unknown, timeoutMs?: number): Promise<unknown>;
}

export interface StartActorOptions {
  /**
   * Where the actor's log lines go (Logging.workerLogPort(); transferred to the worker).
   * Without one, lines at the spec's level (default warn) go to stderr.
   */
  logPort?: MessagePort | (() => MessagePort);
  onEvent?: (event: ActorEventMessage) => void;
  /** Runs synchronously inside the worker's exit event, before anything else observes the exit. */
  onExitSync?: (reason: ExitReason) => void;
  /**
   * A warm standby of the spec's kind to become this actor instead of spawning a thread.
   * If it turns out to be gone before it took the assignment, the start goes cold.
   */
  standby?: StandbyWorker;
}

export class StartError extends Error {
  override readonly name = 'StartError';
  constructor(
    readonly path: string,
    readonly reason: ExitReason,
  ) {
    super(`${path}: start failed: ${describeExit(reason)}`);
  }
}

export const DEFAULT_START_TIMEOUT_MS = 10_000;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 2_000;
/**
 * A control call that has not answered by then is reported as not answering. Generous on
 * purpose: a busy 2-core machine can hold a worker off its event loop for seconds, and a hung
 * actor is the heartbeat watchdog's to find, not this timeout's.
 */
const DEFAULT_CONTROL_TIMEOUT_MS = 5_000;

export function describeExit(reason: ExitReason): string {
  switch (reason.kind) {
    case 'normal':
      return 'stopped normally';
    case 'killed':
      return reason.requested ? 'terminated by the supervisor' : 'killed (abrupt terminate)';
    case 'error':
      return `crashed: ${reason.error.name}: ${reason.error.message}`;
    case 'exit-code':
      return `exited with code ${reason.code}`;
    case 'hung':
      return `hung: no heartbeat for ${reason.silentForMs} ms, terminated`;
    case 'start-failed':
      return `${reason.error.name}: ${reason.error.message}`;
  }
}

/** An exit the supervisor did not ask for. */
export function isAbnormal(reason: ExitReason): boolean {
  if (reason.kind === 'normal') return false;
  if (reason.kind === 'killed') return !reason.requested;
  if (reason.kind === 'exit-code') return reason.code !== 0;
  return true;
}

function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function stderrLogPort(): MessagePort {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (line: string) => process.stderr.write(line.endsWith('\n') ? line : `${line}\n`));
  port1.unref();
  return port2;
}

/**
 * Starts one incarnation: on `options.standby` when given and still there, else on a new
 * worker. Either way the handle behaves the same (init deadline, watchdog, exits).
 */
export async function startActor(spec: ActorSpec, wiring: ActorWiring, options: StartActorOptions = {}): Promise<ActorHandle> {
  if (options.standby) {
    const warm = await startIncarnation(spec, wiring, options, options.standby.take());
    if (warm !== STANDBY_LOST) return warm;
  }
  return (await startIncarnation(spec, wiring, options, undefined)) as ActorHandle;
}

/** The standby ended before it acknowledged its assignment: it never ran any of the actor. */
const STANDBY_LOST = Symbol('standby lost');

async function startIncarnation(
  spec: ActorSpec,
  wiring: ActorWiring,
  options: StartActorOptions,
  standby: Worker | undefined,
): Promise<ActorHandle | typeof STANDBY_LOST> {
  const heartbeatTimeoutMs = spec.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
  const hostSpec: HostSpec = {
    path: spec.path,
    name: spec.name,
    kind: spec.kind,
    ...(spec.moduleUrl ? { moduleUrl: spec.moduleUrl } : {}),
    config: spec.config,
    waitStrategy: spec.waitStrategy ?? 'spin-then-park',
    heartbeatIntervalMs: Math.max(5, Math.floor(heartbeatTimeoutMs / 8)),
    parkSliceMs: spec.parkSliceMs ?? 5,
    seed: spec.seed ?? 1,
    logLevel: spec.logLevel ?? (options.logPort ? 'info' : 'warn'),
  };
  const status = new StatusReader(wiring.status);
  status.resetForStart();

  const control = new MessageChannel();
  const logPort = (typeof options.logPort === 'function' ? options.logPort() : options.logPort) ?? stderrLogPort();
  const assignment: ActorAssignment = { spec: hostSpec, wiring, control: control.port2, log: logPort };
  const transferList = [control.port2, logPort];
  /** Whether the thread has become this actor (a cold worker is, from its first instruction). */
  let assigned = standby === undefined;
  let worker: Worker;
  if (standby) {
    worker = standby;
    worker.postMessage({ type: 'assign', assignment } satisfies StandbyAssign, transferList);
  } else {
    const boot: HostBoot = { mode: 'cold', assignment };
    worker = new Worker(actorHostUrl, { name: spec.path, workerData: boot, transferList });
  }
  const threadId = worker.threadId;
  const remote = Comlink.wrap<ActorControlApi>(control.port1);
  worker.on('message', (msg: ActorEventMessage | StandbyToSupervisor) => {
    if (msg?.type === 'event') options.onEvent?.(msg);
    else if (msg?.type === 'assigned') assigned = true;
  });

  let crash: SerializedError | undefined;
  let stopRequested = false;
  let terminateRequested = false;
  let operatorKill = false;
  let hungForMs: number | undefined;
  let startFailure: SerializedError | undefined;
  let alive = true;
  let watchdog: NodeJS.Timeout | undefined;

  const classify = (code: number): ExitReason => {
    if (startFailure) return { kind: 'start-failed', error: startFailure };
    if (hungForMs !== undefined) return { kind: 'hung', silentForMs: hungForMs };
    if (crash) return { kind: 'error', error: crash };
    if (operatorKill) return { kind: 'killed', requested: false };
    if (stopRequested && code === 0) return { kind: 'normal' };
    if (terminateRequested || stopRequested) return { kind: 'killed', requested: true };
    return { kind: 'exit-code', code };
  };

  worker.on('error', (error) => {
    crash ??= serializeError(error);
  });
  const exited = new Promise<ExitReason>((resolve) => {
    worker.once('exit', (code) => {
      alive = false;
      if (watchdog) clearInterval(watchdog);
      const reason = classify(code);
      // Worker messages are delivered before its exit event, so `assigned` is settled here.
      if (assigned) options.onExitSync?.(reason);
      // A reply the worker posted on its control port just before it died can still be
      // queued there (that port is not drained before the exit event, unlike parentPort):
      // let it be dispatched before the port closes and the exit is announced.
      setImmediate(() => {
        remote[Comlink.releaseProxy]();
        control.port1.close();
        resolve(reason);
      });
    });
  });

  try {
    await withTimeout(
      Promise.race([
        remote.start(),
        exited.then((reason) => {
          throw new Error(`the worker exited during init (${describeExit(reason)})`);
        }),
      ]),
      spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      `${spec.path} init`,
    );
  } catch (error) {
    if (!assigned) {
      if (alive) await worker.terminate();
      await exited;
      return STANDBY_LOST;
    }
    startFailure = crash ?? serializeError(error);
    if (alive) await worker.terminate();
    throw new StartError(spec.path, await exited);
  }
  const startedAt = Date.now();

  let lastBeat = status.heartbeat();
  let lastProgressAt = performance.now();
  watchdog = setInterval(
    () => {
      const beat = status.heartbeat();
      const now = performance.now();
      if (beat !== lastBeat) {
        lastBeat = beat;
        lastProgressAt = now;
        return;
      }
      if (now - lastProgressAt >= heartbeatTimeoutMs && hungForMs === undefined && !operatorKill && !terminateRequested) {
        hungForMs = Math.round(now - lastProgressAt);
        void worker.terminate();
      }
    },
    Math.max(5, Math.floor(heartbeatTimeoutMs / 4)),
  );
  watchdog.unref();

  /**
   * A call the worker cannot answer any more fails when the worker exits, not at its
   * timeout. (A reply the worker sent just before dying can be lost with its port.)
   */
  const controlCall = <T>(call: Promise<T>, timeoutMs: number, what: string): Promise<T> =>
    withTimeout(
      Promise.race([
        call,
        exited.then((reason): never => {
          throw new Error(`${spec.path} exited before answering ${what} (${describeExit(reason)})`);
        }),
      ]),
      timeoutMs,
      `${spec.path} ${what}`,
    );

  const handle: ActorHandle = {
    spec,
    threadId,
    warm: standby !== undefined,
    startedAt,
    exited,
    isAlive: () => alive,
    async stop(timeoutMs) {
      if (!alive) return exited;
      stopRequested = true;
      try {
        // The worker exits right after replying; a reply can be lost with its closing
        // port, so the exit itself also counts as the answer.
        await withTimeout(Promise.race([remote.stop(), exited]), timeoutMs, `${spec.path} graceful stop`);
        return await withTimeout(exited, timeoutMs, `${spec.path} exit after stop`);
      } catch {
        // A stop that fails or times out ends the same way: the worker is terminated.
        if (alive) {
          terminateRequested = true;
          await worker.terminate();
        }
        return exited;
      }
    },
    async kill() {
      if (!alive) return exited;
      operatorKill = true;
      await worker.terminate();
      return exited;
    },
    stats() {
      return {
        ...status.counters(),
        mailbox: wiring.inbound.map((w) => {
          // A reader constructed here only looks: it commits nothing unless polled.
          const ring = new RingReader(w.ring);
          return { peer: w.peer, depthBytes: ring.depthBytes(), capacityBytes: ring.capacityBytes, corruptFrames: ring.corruptFrames() };
        }),
      };
    },
    localStats: (timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS) => controlCall(remote.stats(), timeoutMs, 'stats'),
    describe: (timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS) => controlCall(remote.describe(), timeoutMs, 'describe'),
    invoke: (method, args, timeoutMs = DEFAULT_CONTROL_TIMEOUT_MS) => controlCall(remote.invoke(method, args), timeoutMs, method),
  };
  return handle;
}
