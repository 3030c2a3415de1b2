/**
 * Bulkheads tell their dependants (ARCHITECTURE's OTP/Akka item 8): an actor whose `depends_on`
 * names an isolated subtree is told when that subtree's breaker opens, goes half-open and closes,
 * and, when it (re)starts while the breaker is not closed, what state it is in. Delivery is the
 * actor's `dependency` control call; an actor that defines none ignores the notice (the host
 * answers for it), so every actor kind may be a dependant.
 */
import type { Observable, Subscription } from 'rxjs';
import type { SupervisionEvent } from './events.js';
import type { ActorNodeSpec, SupervisorNodeSpec, TreeNodeSpec } from './tree-spec.js';

export const DEPENDENCY_CONTROL = 'dependency';

export type BreakerState = 'open' | 'half-open' | 'closed';

export interface DependencyNotice {
  readonly type: 'dependency';
  /** Path of the isolated subtree. */
  readonly subtree: string;
  readonly state: BreakerState;
  /** Why it opened (the failure that opened it), for an `open` notice. */
  readonly cause?: string;
  readonly atMs: number;
}

const STATE_OF: Partial<Record<SupervisionEvent['type'], BreakerState>> = {
  'breaker-opened': 'open',
  'breaker-half-open': 'half-open',
  'breaker-closed': 'closed',
};

export class DependencyNotifier {
  /** Last notice per subtree whose breaker has ever changed. */
  private readonly latest = new Map<string, DependencyNotice>();
  private readonly dependsOn = new Map<string, readonly string[]>();
  private readonly subscription: Subscription;

  constructor(spec: SupervisorNodeSpec, events: Observable<SupervisionEvent>, private readonly deliver: (actorPath: string, notice: DependencyNotice) => void) {
    for (const actor of actorsOf(spec)) if (actor.dependsOn.length > 0) this.dependsOn.set(actor.path, actor.dependsOn);
    this.subscription = events.subscribe((event) => this.onEvent(event));
  }

  /** The breaker state of each subtree `actorPath` depends on (closed when it never opened). */
  dependenciesOf(actorPath: string): Record<string, BreakerState> {
    return Object.fromEntries((this.dependsOn.get(actorPath) ?? []).map((subtree) => [subtree, this.latest.get(subtree)?.state ?? 'closed']));
  }

  stop(): void {
    this.subscription.unsubscribe();
  }

  private onEvent(event: SupervisionEvent): void {
    if (event.type === 'breaker-opened' || event.type === 'breaker-half-open' || event.type === 'breaker-closed') {
      const notice: DependencyNotice = {
        type: 'dependency',
        subtree: event.supervisor,
        state: STATE_OF[event.type]!,
        ...(event.type === 'breaker-opened' && { cause: event.cause }),
        atMs: event.at,
      };
      this.latest.set(event.supervisor, notice);
      for (const dependant of event.dependants) this.deliver(dependant, notice);
      return;
    }
    if (event.type === 'child-started' && event.nodeKind === 'actor') {
      // A dependant that (re)starts while a breaker is not closed would otherwise never hear of it.
      for (const subtree of this.dependsOn.get(event.path) ?? []) {
        const notice = this.latest.get(subtree);
        if (notice !== undefined && notice.state !== 'closed') this.deliver(event.path, notice);
      }
    }
  }
}

function actorsOf(node: TreeNodeSpec): ActorNodeSpec[] {
  return node.type === 'actor' ? [node] : node.children.flatMap(actorsOf);
}
