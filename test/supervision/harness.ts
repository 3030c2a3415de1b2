import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ActorHandle } from '../../src/runtime/actor-handle.js';
import { StandbyPool, type StandbyEvent } from '../../src/runtime/standby-pool.js';
import { seededRandom } from '../../src/domain/random.js';
import type { SupervisionEvent } from '../../src/runtime/supervision/events.js';
import { DEPENDENCY_CONTROL, DependencyNotifier } from '../../src/runtime/supervision/dependency-notices.js';
import { SupervisionTree } from '../../src/runtime/supervision/supervision-tree.js';
import { parseTreeSpec, type TreeNodeSpec } from '../../src/runtime/supervision/tree-spec.js';
import { createTradingGate } from '../../src/runtime/trading-gate.js';
import { buildWiring, type ActorWiring } from '../../src/runtime/wiring.js';

/** Real workers under a real tree: the fixture module is chosen by the node's actor kind. */
export const fixtureUrl = (kind: string): string => new URL(`../fixtures/actors/${kind}.js`, import.meta.url).href;

export interface Harness {
  readonly tree: SupervisionTree<ActorWiring>;
  /** Every event since before the start, in order. */
  readonly events: SupervisionEvent[];
  /** The latest handle started for each path. */
  readonly handles: Map<string, ActorHandle>;
  /** The first event at index >= `from` matching `match` (waits for it if need be). */
  waitFor<T extends SupervisionEvent['type']>(type: T, match?: (e: Extract<SupervisionEvent, { type: T }>) => boolean, from?: number, timeoutMs?: number): Promise<Extract<SupervisionEvent, { type: T }>>;
  eventsOf<T extends SupervisionEvent['type']>(type: T): Extract<SupervisionEvent, { type: T }>[];
  threadIdOf(path: string): number | undefined;
  readonly dependencies: DependencyNotifier;
  /** The tree's warm standbys (enabled unless the test asked for cold starts only). */
  readonly standbys: StandbyPool;
  readonly standbyEvents: StandbyEvent[];
  /** Stops the tree, then terminates the standbys (as the runtime's shutdown does). */
  stop(): Promise<void>;
}

export interface TreeOptions {
  /** false: every start is cold (no StandbyPool standbys). Default true, as in the runtime. */
  readonly standby?: boolean;
  /** Receives the tree's lifecycle log lines (as the runtime's pino logger does). */
  readonly logger?: Logger;
}

/** A scratch folder for start counters, removed by `cleanup`. */
export function scratch(): { file(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bot4-supervision-'));
  return { file: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Actors in these trees stop in 500 ms unless a test says otherwise: a graceful stop
 * that stalls then costs half a second, not the 5 s default.
 */
function withShortShutdown(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  const record = node as Record<string, unknown>;
  if ('actor' in record) return { shutdown_ms: 500, ...record };
  if (Array.isArray(record.children)) return { ...record, children: record.children.map(withShortShutdown) };
  return node;
}

/**
 * Starts the tree with restarts going through a StandbyPool (the runtime's default), so
 * every supervision guarantee tested here holds for warm restarts too.
 */
export async function startTree(rawTree: unknown, seed = 42, options: TreeOptions = {}): Promise<Harness> {
  const spec = parseTreeSpec(withShortShutdown(rawTree));
  const actors = collectActors(spec);
  const wiring = buildWiring(
    actors.map((a) => ({ name: a.name, path: a.path, sends: a.sends, ringBytes: a.ringBytes, fullPolicy: a.fullPolicy, edgeOverrides: a.edgeOverrides })),
    createTradingGate(),
  );
  const handles = new Map<string, ActorHandle>();
  const standbyEvents: StandbyEvent[] = [];
  const standbys = new StandbyPool({ enabled: options.standby ?? true, onEvent: (e) => standbyEvents.push(e) });
  const tree = new SupervisionTree<ActorWiring>(spec, {
    startChild: async (actorSpec, actorWiring) => {
      const handle = await standbys.startActor({ ...actorSpec, moduleUrl: fixtureUrl(actorSpec.kind), logLevel: 'silent' }, actorWiring);
      handles.set(actorSpec.path, handle);
      return handle;
    },
    wiringFor: (path) => wiring.get(path.slice(path.lastIndexOf('/') + 1))!,
    random: seededRandom(seed),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const events: SupervisionEvent[] = [];
  tree.events.subscribe((e) => events.push(e));
  // As the runtime does: bulkheads tell their dependants (dependency-notices.ts).
  const dependencies = new DependencyNotifier(spec, tree.events, (path, notice) => {
    void handles.get(path)?.invoke(DEPENDENCY_CONTROL, notice).catch(() => undefined); // a stopping actor misses the notice; the tests read the events
  });
  const harness: Harness = {
    tree,
    events,
    handles,
    waitFor(type, match = () => true, from = 0, timeoutMs = 20_000) {
      type E = Extract<SupervisionEvent, { type: typeof type }>;
      const fits = (e: SupervisionEvent): e is E => e.type === type && match(e as E);
      const seen = events.slice(from).find(fits);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          subscription.unsubscribe();
          reject(new Error(`no ${type} event within ${timeoutMs} ms; saw: ${events.map((e) => `${e.type}(${'path' in e ? e.path : e.supervisor})`).join(', ')}`));
        }, timeoutMs);
        const subscription = tree.events.subscribe((e) => {
          if (fits(e)) {
            clearTimeout(timer);
            subscription.unsubscribe();
            resolve(e);
          }
        });
      });
    },
    eventsOf: (type) => events.filter((e) => e.type === type) as never,
    threadIdOf: (path) => tree.node(path)?.threadId,
    dependencies,
    standbys,
    standbyEvents,
    async stop() {
      dependencies.stop();
      const report = await tree.stop(10_000);
      await standbys.stop();
      if (!report.complete) throw new Error(`tree did not stop: ${JSON.stringify(report.notStopped)}`);
    },
  };
  try {
    await tree.start();
  } catch (error) {
    await standbys.stop();
    throw error;
  }
  return harness;
}

function collectActors(node: TreeNodeSpec): Extract<TreeNodeSpec, { type: 'actor' }>[] {
  return node.type === 'actor' ? [node] : node.children.flatMap(collectActors);
}
