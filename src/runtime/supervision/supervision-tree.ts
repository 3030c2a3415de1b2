import type { Logger } from 'pino';
import { filter, type Observable, type Subscription } from 'rxjs';
import type { Random } from '../../domain/random.js';
import type { StartChild, SupervisedHandle } from './child-port.js';
import type { StopWait } from './child-slot.js';
import { createEventStream, type SupervisionEvent, type SupervisionEventStream } from './events.js';
import type { ChildExitReason } from './exit-reason.js';
import type { NodeSnapshot, NodeStatus } from './snapshot.js';
import { SupervisorRuntime } from './supervisor-runtime.js';
import type { SupervisorNodeSpec, TreeNodeSpec } from './tree-spec.js';

export interface SupervisionOptions<Wiring> {
  readonly startChild: StartChild<Wiring>;
  /** Called once per actor path; the same wiring is reused on every restart of that actor. */
  wiringFor(path: string): Wiring;
  /** Backoff jitter; every supervisor forks its own stream from it. */
  readonly random: Random;
  readonly logger?: Logger;
  readonly now?: () => number;
}

export interface StopReport {
  /** True when everything stopped before the deadline. */
  readonly complete: boolean;
  readonly elapsedMs: number;
  /** What was still running at the deadline and what its stop was waiting for. */
  readonly notStopped: readonly StopWait[];
}

export class UnknownPathError extends Error {
  override readonly name = 'UnknownPathError';
}

/**
 * The running supervision tree: starts it, answers the admin commands (`tree`,
 * `actor.restart`, `actor.kill`), streams lifecycle events, stops it.
 */
export class SupervisionTree<Wiring = unknown> {
  readonly events: Observable<SupervisionEvent>;
  /** Resolves when the root gives up (escalated past the top) or is stopped. */
  readonly terminated: Promise<ChildExitReason>;

  private readonly root: SupervisorRuntime;
  private readonly stream: SupervisionEventStream;
  private readonly now: () => number;

  /** Builds the tree without starting it: subscribe to `events` first to see the start too. */
  constructor(readonly spec: SupervisorNodeSpec, options: SupervisionOptions<Wiring>) {
    this.now = options.now ?? Date.now;
    this.stream = createEventStream(this.now);
    this.events = this.stream.events;
    if (options.logger) logEvents(this.events, options.logger);
    const wirings = new Map<string, Wiring>();
    const dependants = dependantsBySubtree(spec);
    this.root = new SupervisorRuntime(spec, {
      startChild: options.startChild as StartChild,
      wiringFor: (path) => {
        if (!wirings.has(path)) wirings.set(path, options.wiringFor(path));
        return wirings.get(path);
      },
      emit: (event) => this.stream.emit(event),
      now: this.now,
      dependantsOf: (path) => dependants.get(path) ?? [],
    }, options.random.fork());
    this.terminated = this.root.exited;
  }

  /** Builds and starts a tree (its start events reach only `options.logger`). */
  static async start<Wiring>(spec: SupervisorNodeSpec, options: SupervisionOptions<Wiring>): Promise<SupervisionTree<Wiring>> {
    const tree = new SupervisionTree(spec, options);
    await tree.start();
    return tree;
  }

  /** Starts every child in order; rejects (with everything stopped) if the root gives up while starting. */
  start(): Promise<void> {
    return this.root.start();
  }

  snapshot(): NodeSnapshot {
    return this.root.snapshot();
  }

  /** The node at `path` in the current snapshot, or undefined. */
  node(path: string): NodeSnapshot | undefined {
    return findNode(this.snapshot(), path);
  }

  /** The live handle of the actor at `path` (for stats, control calls), if it is up. */
  handleOf(path: string): SupervisedHandle | undefined {
    const found = this.root.locate(path);
    const current = found?.slot.current;
    return current?.type === 'actor' && found?.slot.alive ? current.handle : undefined;
  }

  /**
   * Graceful restart of one node, operator-driven: the node alone (whatever the
   * strategy), no backoff, not counted toward intensity (as OTP's restart_child).
   * Resolves once the new incarnation runs; rejects if it failed to start (the normal
   * failure policy then applies to it).
   */
  async restartActor(path: string): Promise<void> {
    const found = this.locateOrThrow(path);
    const previousGeneration = found.slot.generation;
    let subscription: Subscription | undefined;
    const outcome = new Promise<SupervisionEvent>((resolve) => {
      subscription = this.events
        .pipe(filter((e) => (e.type === 'child-started' || e.type === 'child-start-failed') && e.path === path && found.slot.generation > previousGeneration))
        .subscribe(resolve);
    });
    try {
      found.owner.restartChild(path);
      const event = await outcome;
      await found.owner.settled();
      if (event.type === 'child-start-failed') throw new Error(`restart of ${path} failed: ${event.description}`);
    } finally {
      subscription?.unsubscribe();
    }
  }

  /**
   * Abrupt kill of one actor, as an operator kills a stuck process: its exit counts as
   * a crash and the supervisor applies its normal policy.
   */
  async killActor(path: string): Promise<ChildExitReason> {
    const found = this.locateOrThrow(path);
    const current = found.slot.current;
    if (current?.type !== 'actor') throw new UnknownPathError(`${path} is a supervisor; kill targets actors`);
    if (!found.slot.alive) throw new UnknownPathError(`${path} is not running (status ${found.slot.status})`);
    this.stream.emit({ type: 'kill-requested', path });
    return current.handle.kill();
  }

  /**
   * Stops the whole tree, children in reverse order. Resolves by `deadlineMs` at the
   * latest, listing what had not stopped yet and what each stop was waiting for; those
   * stops carry on in the background.
   */
  async stop(deadlineMs: number): Promise<StopReport> {
    const started = this.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    const outcome = await Promise.race([this.root.stop().then(() => 'stopped' as const), deadline]);
    clearTimeout(timer);
    const report: StopReport = {
      complete: outcome === 'stopped',
      elapsedMs: this.now() - started,
      notStopped: outcome === 'stopped' ? [] : this.root.waitingFor(),
    };
    if (report.complete) this.stream.complete();
    return report;
  }

  /** Resolves with the node once it has `status`; rejects after `timeoutMs` naming the status it had. */
  async whenStatus(path: string, status: NodeStatus, timeoutMs = 20_000): Promise<NodeSnapshot> {
    return this.whenNode(path, (node) => node.status === status, `status ${status}`, timeoutMs);
  }

  /** Resolves once the node at `path` satisfies `predicate` (re-checked on every event and every 20 ms). */
  whenNode(path: string, predicate: (node: NodeSnapshot) => boolean, what: string, timeoutMs = 20_000): Promise<NodeSnapshot> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const node = this.node(path);
        if (node && predicate(node)) {
          cleanup();
          resolve(node);
          return true;
        }
        return false;
      };
      const subscription = this.events.subscribe(() => void check());
      const poll = setInterval(check, 20);
      const timeout = setTimeout(() => {
        cleanup();
        const node = this.node(path);
        reject(new Error(`${path} did not reach ${what} within ${timeoutMs} ms (it is ${node ? node.status : 'not in the tree'})`));
      }, timeoutMs);
      function cleanup(): void {
        subscription.unsubscribe();
        clearInterval(poll);
        clearTimeout(timeout);
      }
      check();
    });
  }

  private locateOrThrow(path: string): NonNullable<ReturnType<SupervisorRuntime['locate']>> {
    const found = this.root.locate(path);
    if (!found) throw new UnknownPathError(`no running node at ${path} (paths look like "${this.spec.path}/<child>/…")`);
    return found;
  }
}

function findNode(node: NodeSnapshot, path: string): NodeSnapshot | undefined {
  if (node.path === path) return node;
  for (const child of node.children ?? []) {
    if (path === child.path || path.startsWith(`${child.path}/`)) return findNode(child, path);
  }
  return undefined;
}

/** Isolated subtree path -> paths of the actors that declared `depends_on` it. */
function dependantsBySubtree(root: TreeNodeSpec): Map<string, string[]> {
  const dependants = new Map<string, string[]>();
  const walk = (node: TreeNodeSpec): void => {
    if (node.type === 'supervisor') node.children.forEach(walk);
    else for (const subtree of node.dependsOn) dependants.set(subtree, [...(dependants.get(subtree) ?? []), node.path]);
  };
  walk(root);
  return dependants;
}

function logEvents(events: Observable<SupervisionEvent>, logger: Logger): void {
  events.subscribe((event) => {
    const level = levelOf(event);
    logger[level]({ supervision: event }, `supervision ${event.type}`);
  });
}

function levelOf(event: SupervisionEvent): 'info' | 'warn' | 'error' {
  switch (event.type) {
    case 'supervisor-gave-up':
    case 'escalated':
    case 'breaker-opened':
      return 'error';
    case 'child-exited':
      return event.requested ? 'info' : 'warn';
    case 'child-start-failed':
    case 'child-stop-forced':
    case 'kill-requested':
      return 'warn';
    default:
      return 'info';
  }
}
