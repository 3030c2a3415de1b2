import type { ActorSpec, StartChild, SupervisedHandle } from './child-port.js';
import { ChildSlot, type ChildSupervisor, type RunningChild } from './child-slot.js';
import type { UnstampedEvent } from './events.js';
import { describeExit, toSerializedError, type ChildExitReason } from './exit-reason.js';
import { restartsAsBystander } from './restart-strategy.js';
import type { ActorNodeSpec, SupervisorNodeSpec } from './tree-spec.js';

/**
 * The side effects of supervision: starting, stopping and replacing the children of one
 * supervisor. The supervisor machine decides *what* happens; these functions do it.
 */
export interface LifecycleContext {
  readonly supervisorPath: string;
  readonly startChild: StartChild;
  /** Same wiring object for every incarnation of a path: restarted actors re-attach to their rings. */
  wiringFor(path: string): unknown;
  emit(event: UnstampedEvent): void;
  now(): number;
  spawnSupervisor(node: SupervisorNodeSpec): ChildSupervisor;
  /** A child went away without being asked to. */
  onUnrequestedExit(failure: ChildFailure): void;
}

export interface ChildFailure {
  readonly index: number;
  readonly generation: number;
  readonly reason: ChildExitReason;
}

/**
 * How long past a child's shutdown_ms we wait for its handle's own stop to finish
 * before calling terminate() ourselves (the handle terminates at shutdown_ms already;
 * this only guards against a stop call that never settles).
 */
const STOP_GRACE_MS = 1_000;

export function toActorSpec(node: ActorNodeSpec): ActorSpec {
  return {
    path: node.path,
    name: node.name,
    kind: node.kind,
    config: node.config,
    waitStrategy: node.wait,
    startTimeoutMs: node.startTimeoutMs,
    heartbeatTimeoutMs: node.heartbeatTimeoutMs,
    standby: node.standby,
  };
}

/** Starts a new incarnation of `slot`. Returns undefined on success, the failure otherwise. */
export function startSlot(ctx: LifecycleContext, slot: ChildSlot): Promise<ChildFailure | undefined> {
  const attempt = startIncarnation(ctx, slot);
  slot.starting = attempt.then(() => undefined);
  return attempt.finally(() => {
    slot.starting = undefined;
  });
}

async function startIncarnation(ctx: LifecycleContext, slot: ChildSlot): Promise<ChildFailure | undefined> {
  if (slot.generation > 0) slot.restarts++;
  const generation = ++slot.generation;
  slot.current = undefined;
  slot.exitReason = undefined;
  slot.stopRequested = false;
  slot.awaitingStart = false;
  slot.status = 'starting';
  let running: RunningChild;
  try {
    running = await launch(ctx, slot, generation);
  } catch (error) {
    const reason: ChildExitReason = slot.node.type === 'actor'
      ? { kind: 'start-failed', error: toSerializedError(error) }
      : { kind: 'escalated', supervisor: slot.path, cause: toSerializedError(error).message };
    slot.status = 'failed';
    slot.lastError = describeExit(reason);
    ctx.emit({ type: 'child-start-failed', supervisor: ctx.supervisorPath, path: slot.path, reason, description: slot.lastError });
    return { index: slot.index, generation, reason };
  }
  slot.current = running;
  slot.status = 'running';
  ctx.emit({
    type: 'child-started',
    supervisor: ctx.supervisorPath,
    path: slot.path,
    nodeKind: running.type,
    threadId: running.type === 'actor' ? running.handle.threadId : undefined,
    restarts: slot.restarts,
  });
  void running.exited.then((reason) => noteExit(ctx, slot, generation, reason));
  return undefined;
}

async function launch(ctx: LifecycleContext, slot: ChildSlot, generation: number): Promise<RunningChild> {
  const node = slot.node;
  if (node.type === 'actor') {
    const handle = await ctx.startChild(toActorSpec(node), ctx.wiringFor(node.path));
    return { type: 'actor', generation, startedAt: handle.startedAt, handle, exited: handle.exited };
  }
  const supervisor = ctx.spawnSupervisor(node);
  await supervisor.start();
  return { type: 'supervisor', generation, startedAt: ctx.now(), supervisor, exited: supervisor.exited };
}

function noteExit(ctx: LifecycleContext, slot: ChildSlot, generation: number, reason: ChildExitReason): void {
  if (slot.generation !== generation) return;
  slot.exitReason = reason;
  const requested = slot.stopRequested;
  const description = describeExit(reason);
  if (!requested) {
    slot.lastError = description;
    slot.status = 'failed';
  }
  ctx.emit({ type: 'child-exited', supervisor: ctx.supervisorPath, path: slot.path, reason, requested, description });
  if (!requested) ctx.onUnrequestedExit({ index: slot.index, generation, reason });
}

/**
 * Stops the child in `slot` (graceful, then terminate) and resolves once it is really
 * gone. Concurrent callers share one stop; a start in flight is waited for first so
 * that what it brings up is taken down too.
 */
export function stopSlot(ctx: LifecycleContext, slot: ChildSlot): Promise<void> {
  slot.stopping ??= stopIncarnation(ctx, slot).finally(() => {
    slot.stopping = undefined;
    slot.stopWait = undefined;
  });
  return slot.stopping;
}

async function stopIncarnation(ctx: LifecycleContext, slot: ChildSlot): Promise<void> {
  if (slot.starting) {
    slot.stopWait = { waitingFor: 'its start to finish', since: ctx.now() };
    await slot.starting;
  }
  const child = slot.current;
  if (!child || !slot.alive) return;
  slot.stopRequested = true;
  slot.status = 'stopping';
  if (child.type === 'actor') await stopActor(ctx, slot, child.handle, (slot.node as ActorNodeSpec).shutdownMs);
  else {
    slot.stopWait = { waitingFor: 'its children to stop', since: ctx.now() };
    await child.supervisor.stop();
  }
  await child.exited;
}

async function stopActor(ctx: LifecycleContext, slot: ChildSlot, handle: SupervisedHandle, shutdownMs: number): Promise<void> {
  const since = ctx.now();
  slot.stopWait = { waitingFor: `graceful stop (shutdown_ms ${shutdownMs})`, since };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), shutdownMs + STOP_GRACE_MS);
  });
  const outcome = await Promise.race([
    handle.stop(shutdownMs).then(() => 'stopped' as const, () => 'stop-failed' as const),
    deadline,
  ]);
  clearTimeout(timer);
  if (outcome !== 'stopped') {
    ctx.emit({ type: 'child-stop-forced', supervisor: ctx.supervisorPath, path: slot.path, afterMs: ctx.now() - since });
    slot.stopWait = { waitingFor: 'worker exit after terminate()', since: ctx.now() };
    await handle.kill().catch(() => undefined); // the worker is gone either way; its exit is awaited next
  }
  slot.stopWait = { waitingFor: 'worker exit', since: ctx.now() };
  await handle.exited;
}

/** A restart plan: take `restart` down in reverse order, wait `delayMs`, start what awaits a start in order. */
export interface RestartPlan {
  readonly restart: readonly number[];
  /** The child whose failure (or restart request) caused the plan; it comes back even if temporary. */
  readonly cause: number | undefined;
  readonly delayMs: number;
}

export const startEverythingPlan: RestartPlan = { restart: [], cause: undefined, delayMs: 0 };

/**
 * Runs a plan. Returns the first start failure (the machine decides about it like about
 * any failure), or undefined once every child awaiting a start runs.
 */
export async function executePlan(ctx: LifecycleContext, slots: readonly ChildSlot[], plan: RestartPlan, signal: AbortSignal): Promise<ChildFailure | undefined> {
  for (const index of plan.restart) {
    const slot = slots[index]!;
    const comesBack = index === plan.cause || (slot.node.type === 'supervisor' || restartsAsBystander(slot.node.restart));
    slot.awaitingStart = comesBack;
    if (!slot.alive) slot.status = comesBack ? 'restarting' : 'stopped';
  }
  for (const index of [...plan.restart].reverse()) {
    const slot = slots[index]!;
    if (slot.alive) {
      await stopSlot(ctx, slot);
      slot.status = slot.awaitingStart ? 'restarting' : 'stopped';
    }
    if (signal.aborted) return undefined;
  }
  if (plan.delayMs > 0) await abortableDelay(plan.delayMs, signal, () => ctx.now());
  for (const slot of slots) {
    if (signal.aborted) return undefined;
    if (!slot.awaitingStart) continue;
    const failure = await startSlot(ctx, slot);
    if (failure) return failure;
  }
  return undefined;
}

/** Stops every child in reverse start order, one after the other (OTP shutdown order). */
export async function stopAllChildren(ctx: LifecycleContext, slots: readonly ChildSlot[]): Promise<void> {
  for (const slot of slots) slot.awaitingStart = false;
  for (const slot of [...slots].reverse()) {
    await stopSlot(ctx, slot);
    slot.status = 'stopped';
  }
}

/**
 * Waits `ms` as `now` measures them. A timer alone can end early: Node runs timers against
 * the event loop's cached clock, which lags the wall clock after a long callback, and with
 * a warm standby the start that follows is fast enough for that to show.
 */
function abortableDelay(ms: number, signal: AbortSignal, now: () => number): Promise<void> {
  const until = now() + ms;
  return new Promise((resolve) => {
    let timer = setTimeout(tick, ms);
    signal.addEventListener('abort', done, { once: true });
    function tick(): void {
      const left = until - now();
      if (left > 0 && !signal.aborted) {
        timer = setTimeout(tick, left);
        return;
      }
      done();
    }
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
