/**
 * The local half of every cross-node edge (docs/cluster.md, "Topology"). An actor's outbox to
 * a peer on another node is an ordinary ring whose consumer is the cluster link on the main
 * thread (one doorbell per remote peer); a remote sender's frames arrive in an ordinary ring
 * the link writes and the local actor reads, under the sender's name. Actors cannot tell a
 * remote peer from a local one.
 */
import { createDoorbell } from '../runtime/doorbell.js';
import { createRing } from '../runtime/ring.js';
import type { ActorNodeSpec } from '../runtime/supervision/tree-spec.js';
import { DEFAULT_BLOCK_TIMEOUT_MS, type ActorWiring } from '../runtime/wiring.js';

export interface OutboundRemoteEdge {
  readonly producer: string;
  readonly toNode: string;
  readonly toActor: string;
  readonly ring: SharedArrayBuffer;
}

/** Every local producer's ring to one remote actor, behind one doorbell the link parks on. */
export interface RemotePeerProxy {
  readonly toNode: string;
  readonly toActor: string;
  readonly doorbell: SharedArrayBuffer;
  readonly edges: OutboundRemoteEdge[];
}

export interface InboundRemoteEdge {
  readonly consumer: string;
  readonly fromNode: string;
  readonly fromActor: string;
  readonly ring: SharedArrayBuffer;
  /** The local consumer's doorbell, rung after each frame the link writes. */
  readonly doorbell: SharedArrayBuffer;
}

export interface RemoteEdges {
  readonly proxies: readonly RemotePeerProxy[];
  readonly inbound: readonly InboundRemoteEdge[];
}

/** Adds the rings of every cross-node edge to `wiring` (built by buildWiring for the local edges). */
export function wireRemoteEdges(actors: readonly ActorNodeSpec[], wiring: Map<string, ActorWiring>): RemoteEdges {
  const proxies = new Map<string, RemotePeerProxy>();
  const inbound: InboundRemoteEdge[] = [];
  for (const actor of actors) {
    const own = wiring.get(actor.name);
    if (!own) throw new Error(`wireRemoteEdges: ${actor.path} has no wiring`);
    for (const remote of actor.remoteSends) {
      const key = `${remote.node}/${remote.actor}`;
      let proxy = proxies.get(key);
      if (!proxy) proxies.set(key, (proxy = { toNode: remote.node, toActor: remote.actor, doorbell: createDoorbell(), edges: [] }));
      const override = actor.edgeOverrides[remote.actor];
      const ring = createRing({ capacityBytes: override?.ringBytes ?? actor.ringBytes });
      own.outbound.push({ peer: remote.actor, ring, doorbell: proxy.doorbell, fullPolicy: override?.fullPolicy ?? actor.fullPolicy, blockTimeoutMs: DEFAULT_BLOCK_TIMEOUT_MS });
      proxy.edges.push({ producer: actor.name, toNode: remote.node, toActor: remote.actor, ring });
    }
    for (const remote of actor.remoteReceives) {
      const ring = createRing({ capacityBytes: actor.ringBytes });
      own.inbound.push({ peer: remote.actor, ring });
      inbound.push({ consumer: actor.name, fromNode: remote.node, fromActor: remote.actor, ring, doorbell: own.doorbell });
    }
  }
  return { proxies: [...proxies.values()], inbound };
}
