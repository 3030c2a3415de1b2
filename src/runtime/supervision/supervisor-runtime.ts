import { createActor, waitFor, type Actor } from 'xstate';
import type { Random } from '../../domain/random.js';
import type { StartChild } from './child-port.js';
import type { LifecycleContext } from './child-lifecycle.js';
import { ChildSlot, type ChildSupervisor, type StopWait } from './child-slot.js';
import type { UnstampedEvent } from './events.js';
import type { ChildExitReason } from './exit-reason.js';
import type { NodeSnapshot, NodeStatus } from './snapshot.js';
import { statusOf, supervisorMachine } from './supervisor-machine.js';
import type { SupervisorNodeSpec, TreeNodeSpec } from './tree-spec.js';

/** What every supervisor of one tree shares. */
export interface SupervisionEnv {
  readonly startChild: StartChild;
  wiringFor(path: string): unknown;
  emit(event: UnstampedEvent): void;
  now(): number;
  /** Actor paths that declared `depends_on` the isolated subtree at `path`. */
  dependantsOf(path: string): readonly string[];
}

export class SupervisorBusyError extends Error {
  override readonly name = 'SupervisorBusyError';
}

/**
 * One supervisor node at run time: its XState machine plus the slots of its children.
 * A restart of this supervisor by its parent creates a fresh instance (fresh restart
 * window), as OTP restarts a supervisor process.
 */
export class SupervisorRuntime implements ChildSupervisor {
  readonly exited: Promise<ChildExitReason>;
  private readonly slots: readonly ChildSlot[];
  private readonly machine: Actor<typeof supervisorMachine>;

  constructor(readonly node: SupervisorNodeSpec, env: SupervisionEnv, random: Random, parentPath: string | undefined = undefined) {
    this.slots = node.children.map((child, index) => new ChildSlot(index, child));
    const lifecycle: LifecycleContext = {
      supervisorPath: node.path,
      startChild: env.startChild,
      wiringFor: (path) => env.wiringFor(path),
      emit: (event) => env.emit(event),
      now: () => env.now(),
      spawnSupervisor: (child) => new SupervisorRuntime(child, env, random.fork(), node.path),
      onUnrequestedExit: (failure) => this.machine.send({ type: 'CHILD_EXITED', failure }),
    };
    this.machine = createActor(supervisorMachine, {
      input: { core: { node, slots: this.slots, lifecycle, random, parentPath, dependants: env.dependantsOf(node.path) } },
    });
    this.exited = new Promise((resolve) => {
      this.machine.subscribe({
        next: (snapshot) => {
          if (snapshot.value === 'failed') resolve({ kind: 'escalated', supervisor: node.path, cause: snapshot.context.cause });
          else if (snapshot.value === 'stopped') resolve({ kind: 'normal' });
        },
        error: (error) => resolve({ kind: 'escalated', supervisor: node.path, cause: `supervisor machine failed: ${String(error)}` }),
      });
    });
    this.machine.start();
  }

  get path(): string {
    return this.node.path;
  }

  status(): NodeStatus {
    return statusOf(this.machine.getSnapshot().value);
  }

  async start(): Promise<void> {
    this.machine.send({ type: 'START' });
    await this.settled();
    const snapshot = this.machine.getSnapshot();
    if (snapshot.value === 'failed') throw new Error(`supervisor ${this.path} gave up while starting: ${snapshot.context.cause}`);
    if (snapshot.value === 'stopped') throw new Error(`supervisor ${this.path} was stopped while starting`);
  }

  async stop(): Promise<void> {
    this.machine.send({ type: 'STOP' });
    await waitFor(this.machine, (s) => s.status === 'done', { timeout: Infinity });
  }

  /** Resolves once no start, restart or stop is in progress (running, open, failed or stopped). */
  async settled(): Promise<void> {
    await waitFor(this.machine, (s) => ['running', 'open', 'failed', 'stopped'].includes(s.value as string), { timeout: Infinity });
  }

  /** Operator restart of the child at `childPath`; the caller watches the events for its outcome. */
  restartChild(childPath: string): void {
    const slot = this.slots.find((s) => s.path === childPath);
    if (!slot) throw new RangeError(`${childPath} is not a child of ${this.path}`);
    const state = this.machine.getSnapshot().value;
    if (state !== 'running') throw new SupervisorBusyError(`supervisor ${this.path} is ${this.status()}; restart ${childPath} once it is running`);
    this.machine.send({ type: 'RESTART_CHILD', index: slot.index });
  }

  /** Finds the slot holding `path` in this subtree, with the supervisor that owns it. */
  locate(path: string): { owner: SupervisorRuntime; slot: ChildSlot } | undefined {
    for (const slot of this.slots) {
      if (slot.path === path) return { owner: this, slot };
      if (path.startsWith(`${slot.path}/`) && slot.current?.type === 'supervisor') {
        return (slot.current.supervisor as SupervisorRuntime).locate(path);
      }
    }
    return undefined;
  }

  snapshot(): NodeSnapshot {
    return {
      name: this.node.name,
      path: this.node.path,
      kind: 'supervisor',
      status: this.status(),
      strategy: this.node.strategy,
      isolated: this.node.isolated,
      restarts: 0,
      children: this.slots.map(slotSnapshot),
    };
  }

  /** Children whose stop has not finished, and what each is waiting for. */
  waitingFor(): StopWait[] {
    const now = Date.now();
    return this.slots.flatMap((slot): StopWait[] => {
      const nested = slot.current?.type === 'supervisor' && slot.alive ? slot.current.supervisor.waitingFor() : [];
      if (slot.stopWait) return [{ path: slot.path, waitingFor: slot.stopWait.waitingFor, sinceMs: now - slot.stopWait.since }, ...nested];
      if (slot.alive) return [{ path: slot.path, waitingFor: 'its turn (children after it stop first)', sinceMs: 0 }, ...nested];
      return nested;
    });
  }
}

function slotSnapshot(slot: ChildSlot): NodeSnapshot {
  const common = {
    restarts: slot.restarts,
    ...(slot.lastError !== undefined && { lastError: slot.lastError }),
  };
  const current = slot.current;
  if (current?.type === 'supervisor' && slot.alive) {
    return { ...current.supervisor.snapshot(), ...common, uptimeMs: Date.now() - current.startedAt };
  }
  if (current?.type === 'actor' && slot.alive) {
    return {
      ...specSnapshot(slot.node, slot.status),
      ...common,
      threadId: current.handle.threadId,
      uptimeMs: Date.now() - current.startedAt,
      stats: current.handle.stats(),
    };
  }
  return { ...specSnapshot(slot.node, slot.status), ...common };
}

/** A node that has no live incarnation: described from its spec. */
function specSnapshot(node: TreeNodeSpec, status: NodeStatus): NodeSnapshot {
  if (node.type === 'actor') return { name: node.name, path: node.path, kind: 'actor', actor: node.kind, status, restarts: 0 };
  return {
    name: node.name,
    path: node.path,
    kind: 'supervisor',
    status,
    strategy: node.strategy,
    isolated: node.isolated,
    restarts: 0,
    children: node.children.map((child) => specSnapshot(child, 'stopped')),
  };
}
