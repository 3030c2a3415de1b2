import { createDoorbell } from './doorbell.js';
import { createRing, type FullPolicy } from './ring.js';
import { createStatusBlock } from './actor-status.js';

/**
 * The shared memory of the whole actor system, allocated once by the supervisor (main
 * thread) and never by an actor. One SPSC ring per directed edge producer -> consumer,
 * one doorbell and one status block per actor, one trading gate for everyone. A
 * restarted actor gets the very same buffers, which is what lets it resume its rings.
 */
export interface WiringActor {
  name: string;
  path: string;
  /** Names of the actors this one sends to. */
  sends: readonly string[];
  /** Capacity of each of this actor's outbound rings (power of two). */
  ringBytes: number;
  /** What a send does when the consumer's ring is full. */
  fullPolicy: FullPolicy;
  /** How long a 'block' send may wait for space. */
  blockTimeoutMs?: number;
  /** Per-peer ring size or full policy where an edge differs from the actor's default. */
  edgeOverrides?: Readonly<Record<string, { ringBytes?: number; fullPolicy?: FullPolicy }>>;
}

export interface InboundWire {
  peer: string;
  ring: SharedArrayBuffer;
}

export interface OutboundWire {
  peer: string;
  ring: SharedArrayBuffer;
  /** The consumer's doorbell, rung after each publish. */
  doorbell: SharedArrayBuffer;
  fullPolicy: FullPolicy;
  blockTimeoutMs: number;
}

export interface ActorWiring {
  doorbell: SharedArrayBuffer;
  status: SharedArrayBuffer;
  gate: SharedArrayBuffer;
  inbound: InboundWire[];
  outbound: OutboundWire[];
}

export class WiringError extends Error {
  override readonly name = 'WiringError';
}

export const DEFAULT_BLOCK_TIMEOUT_MS = 1000;

export function buildWiring(actors: readonly WiringActor[], gate: SharedArrayBuffer): Map<string, ActorWiring> {
  const byName = new Map<string, WiringActor>();
  for (const actor of actors) {
    if (byName.has(actor.name)) throw new WiringError(`actor name "${actor.name}" is used twice (${byName.get(actor.name)!.path} and ${actor.path}); ring wiring needs unique names`);
    byName.set(actor.name, actor);
  }
  const wiring = new Map<string, ActorWiring>();
  for (const actor of actors) {
    wiring.set(actor.name, { doorbell: createDoorbell(), status: createStatusBlock(), gate, inbound: [], outbound: [] });
  }
  for (const producer of actors) {
    for (const peer of new Set(producer.sends)) {
      const consumer = wiring.get(peer);
      if (!consumer) throw new WiringError(`${producer.path}: sends to "${peer}", which is not an actor in the tree`);
      if (peer === producer.name) throw new WiringError(`${producer.path}: an actor cannot send to itself`);
      const override = producer.edgeOverrides?.[peer];
      const ring = createRing({ capacityBytes: override?.ringBytes ?? producer.ringBytes });
      wiring.get(producer.name)!.outbound.push({
        peer,
        ring,
        doorbell: consumer.doorbell,
        fullPolicy: override?.fullPolicy ?? producer.fullPolicy,
        blockTimeoutMs: producer.blockTimeoutMs ?? DEFAULT_BLOCK_TIMEOUT_MS,
      });
      consumer.inbound.push({ peer: producer.name, ring });
    }
  }
  return wiring;
}
