/**
 * One node's link to the cluster (docs/cluster.md): the NATS connection, the cluster-wide
 * trading state (beats, lease, mirror, trips from other nodes), peer presence, and the
 * bridges that carry cross-node edges. It runs on the main thread beside the supervisor.
 *
 * Fail safe from the first moment: the constructor joins the gate to the cluster lease, so
 * the gate reads HALTED until the kill switch's state has been heard through the server,
 * and again whenever it has not been heard for lease_ms (the gate checks that itself).
 */
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection, type Subscription, type Msg, type Status } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { TreeNode } from '../admin/backend.js';
import { TradingState, tradingStateName } from '../domain/messages.js';
import { FrameDecoder } from '../runtime/codec/frame-decoder.js';
import { Doorbell, DoorbellParking } from '../runtime/doorbell.js';
import { RingFullError, RingReader, RingWriter, type FrameHandler } from '../runtime/ring.js';
import type { DependencyNotice } from '../runtime/supervision/dependency-notices.js';
import { TradingGate, TradingGateWriter, holdForTrip, joinCluster, releaseTripHold, renewClusterLease } from '../runtime/trading-gate.js';
import type { TripRequestSource } from '../runtime/trip-relay.js';
import type { ClusterConfig } from './config.js';
import { initialLease, stepLease, type LeaseEffect, type LeaseInput, type LeaseState, type StateBeat } from './lease.js';
import type { InboundRemoteEdge, RemoteEdges, RemotePeerProxy } from './remote-edges.js';
import { conflationKey, decodeWireFrame, dedupId, edgeClassOf, edgeSubject, encodeWireFrame, inboundSubjects, parseEdgeSubject, type Route } from './wire.js';

export interface ClusterHost {
  readonly gate: SharedArrayBuffer;
  readonly logger: Logger;
  event(topic: string, data: Record<string, unknown>): void;
  /** On the kill switch's node: a trip made on another node. */
  takeTrip(source: TripRequestSource, reason: string): Promise<void>;
  /** This node's supervision tree, for `tree --cluster` on any node. */
  tree(): Promise<TreeNode>;
  /** Tells local actors that a peer node went away or came back (the `dependency` notice). */
  dependency(actorNames: readonly string[], notice: DependencyNotice): void;
}

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface PeerStatus {
  node: string;
  state: 'up' | 'lost' | 'never-seen';
  bootId: string | null;
  /** Since its last presence beat, on this node's clock. */
  lastSeenAgoMs: number | null;
  /** One-way delay of its last presence beat (sent -> heard; wall clocks of both nodes). */
  lagMs: number | null;
}

export interface EdgeCounters {
  sent: number;
  received: number;
  /** Market data: an unsent older frame replaced by a newer one, or a frame the ring had no room for. */
  dropped: number;
  /** Frames refused: from a node or actor this node does not hear from, or not a frame. */
  refused: number;
  /** JetStream publishes that failed and were retried. */
  retried: number;
}

export interface ClusterStatus {
  node: string;
  killSwitchNode: string;
  connection: ConnectionState;
  server: string | null;
  lastError: string | null;
  lease: { heard: string | null; validForMs: number; refused: Record<string, number> };
  peers: PeerStatus[];
  edges: Record<string, EdgeCounters>;
  /** Order-path messages waiting for this node in its durable consumer (null while unknown). */
  consumerPending: number | null;
  /** Order-path frames this node has published whose acknowledgement is outstanding. */
  unacknowledged: number;
}

const STREAM_OPS = 'OPS';
const STREAM_TRIPS = 'TRIPS';
const JS_PUBLISH_TIMEOUT_MS = 2000;
const PUBLISH_WINDOW = 64;
const RING_RETRY_MS = 2;
const WHOIS_TIMEOUT_MS = 500;

interface TripMessage {
  id: string;
  node: string;
  source: TripRequestSource;
  reason: string;
  atMs: number;
}

interface PresenceBeat {
  node: string;
  bootId: string;
  sentAtMs: number;
  pid: number;
}

interface PendingPublish {
  subject: string;
  data: Uint8Array;
  msgId: string;
}

interface PendingTrip extends PendingPublish {
  /** Resolves the caller's `stored` promise. */
  done: () => void;
  sending: boolean;
}

export class ClusterLink {
  readonly bootId = randomUUID();
  private readonly settings: { node: string; killSwitchNode: string; leaseMs: number };
  private readonly gate: TradingGate;
  private readonly writer: TradingGateWriter;
  private lease: LeaseState = initialLease();
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private connection: ConnectionState = 'connecting';
  private lastError: string | null = null;
  private stopped = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly consumers: ConsumerMessages[] = [];
  private beatSeq = 0;
  private fallbackSeq = 0;
  private readonly peers = new Map<string, { bootId: string; lastSeenMs: number; lagMs: number; up: boolean }>();
  private readonly counters = new Map<string, EdgeCounters>();
  private edges: RemoteEdges | undefined;
  private readonly inboundWriters = new Map<string, { edge: InboundRemoteEdge; writer: RingWriter }>();
  private readonly decoder = new FrameDecoder();
  private readonly tripQueue: PendingTrip[] = [];
  private readonly opQueue: PendingPublish[] = [];
  private opInFlight = 0;
  private pumping = false;
  private readonly conflated = new Map<string, { writer: RingWriter; type: number; version: number; payload: Uint8Array; counters: EdgeCounters }>();
  private conflationTimer: NodeJS.Timeout | undefined;
  private readonly refusedLogged = new Set<string>();
  private consumerPending: number | null = null;
  /** On the kill switch's node: per node, the id of the last trip from it taken. */
  private readonly takenTrips = new Map<string, string>();
  private connected: Promise<void> | undefined;

  constructor(
    private readonly config: ClusterConfig,
    private readonly host: ClusterHost,
  ) {
    this.settings = { node: config.node, killSwitchNode: config.kill_switch_node, leaseMs: config.lease_ms };
    this.gate = new TradingGate(host.gate);
    this.writer = new TradingGateWriter(host.gate);
    joinCluster(host.gate);
    for (const node of config.nodes) if (node !== config.node) this.peers.set(node, { bootId: '', lastSeenMs: 0, lagMs: 0, up: false });
  }

  get isKillSwitchNode(): boolean {
    return this.config.node === this.config.kill_switch_node;
  }

  private get log(): Logger {
    return this.host.logger;
  }

  /**
   * Connects (one try, within connect_timeout_ms) and checks that no running process already
   * is this node. A server that cannot be reached is not an error here: the node runs with its
   * gate closed and keeps trying; a second process with this node's name is (ClusterError).
   */
  async start(): Promise<void> {
    this.timers.push(setInterval(() => this.tick(), this.config.heartbeat_ms));
    this.connected = this.connectLoop();
    const first = await Promise.race([this.connected.then(() => true), delay(this.config.connect_timeout_ms).then(() => false)]);
    if (!first && !this.stopped) {
      this.log.error(
        { servers: this.config.servers, lastError: this.lastError },
        `cluster: cannot reach the NATS server (${this.config.servers.join(', ')}): ${this.lastError ?? 'no answer'}; node ${this.config.node} starts with its trading gate closed and keeps trying`,
      );
      this.host.event('cluster.unreachable', { servers: this.config.servers, error: this.lastError });
    }
  }

  /** Resolves once connected and set up (for tests and benches). */
  ready(): Promise<void> {
    return this.connected ?? Promise.reject(new ClusterError('the cluster link was not started'));
  }

  private async connectLoop(): Promise<void> {
    let nc: NatsConnection | undefined;
    while (!this.stopped && !nc) {
      try {
        nc = await connect({
          servers: [...this.config.servers],
          name: `bot4-${this.config.node}`,
          timeout: this.config.connect_timeout_ms,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: this.config.reconnect_wait_ms,
          reconnectJitter: 0,
          pingInterval: Math.max(500, this.config.lease_ms),
          maxPingOut: 2,
          ...(this.config.token !== undefined ? { token: this.config.token } : {}),
          ...(this.config.user !== undefined ? { user: this.config.user, pass: this.config.password } : {}),
        });
      } catch (error) {
        const message = (error as Error).message;
        if (this.lastError !== message) this.log.warn({ err: error }, `cluster: connecting to ${this.config.servers.join(', ')} failed: ${message}; retrying every ${this.config.reconnect_wait_ms} ms`);
        this.lastError = message;
        await delay(this.config.reconnect_wait_ms);
      }
    }
    if (!nc) return;
    if (this.stopped) {
      await nc.close();
      return;
    }
    this.nc = nc;
    try {
      await this.refuseSecondInstance(nc);
      await this.setUp(nc);
    } catch (error) {
      this.connection = 'closed';
      this.lastError = (error as Error).message;
      await nc.close().catch((e: unknown) => this.log.warn({ err: e }, 'cluster: closing the connection after a failed set-up failed too'));
      throw error;
    }
    this.connection = 'connected';
    this.lastError = null;
    this.log.info({ server: nc.getServer() }, `cluster: node ${this.config.node} connected to ${nc.getServer()}`);
    this.host.event('cluster.connected', { node: this.config.node, server: nc.getServer() });
    void this.watchStatus(nc);
  }

  private async refuseSecondInstance(nc: NatsConnection): Promise<void> {
    try {
      const reply = await nc.request(`${this.config.prefix}.whois.${this.config.node}`, '', { timeout: WHOIS_TIMEOUT_MS });
      const other = reply.json<PresenceBeat>();
      throw new ClusterError(`node name "${this.config.node}" is already in use by a running process (pid ${other.pid}, boot ${other.bootId}); each node of a cluster needs its own name (cluster.node)`);
    } catch (error) {
      if (error instanceof ClusterError) throw error;
      // no responders / timeout: nobody else is this node, which is what we hoped to hear
    }
  }

  private async setUp(nc: NatsConnection): Promise<void> {
    const { prefix, node } = this.config;
    this.js = jetstream(nc);
    this.jsm = await jetstreamManager(nc);
    await this.ensureStream(this.streamName(STREAM_OPS), [`${prefix}.op.>`]);
    await this.ensureStream(this.streamName(STREAM_TRIPS), [`${prefix}.trip`]);
    this.subscriptions.push(
      nc.subscribe(`${prefix}.whois.${node}`, { callback: (_e, msg) => void msg.respond(JSON.stringify(this.presence())) }),
      nc.subscribe(`${prefix}.state`, { callback: (error, msg) => { if (!error) this.onStateMessage(msg); } }),
      nc.subscribe(`${prefix}.presence.*`, { callback: (error, msg) => { if (!error) this.onPresence(msg); } }),
      nc.subscribe(`${prefix}.admin.${node}`, { callback: (error, msg) => { if (!error) void this.onAdmin(msg); } }),
    );
    if (this.isKillSwitchNode) await this.consumeTrips();
    if (this.edges) await this.startInbound();
    this.pumpTrips();
    this.pumpOps();
  }

  private streamName(which: string): string {
    return `${this.config.prefix.toUpperCase().replace(/-/g, '_')}_${which}`;
  }

  private async ensureStream(name: string, subjects: string[]): Promise<void> {
    const jsm = this.jsm!;
    const config = {
      name,
      subjects,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: this.config.dedup_window_ms * 1_000_000,
      max_age: 24 * 3600 * 1_000_000_000,
    };
    try {
      await jsm.streams.info(name);
      await jsm.streams.update(name, config);
    } catch (error) {
      if (!/not found/i.test((error as Error).message)) throw error;
      await jsm.streams.add(config);
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) this.onStatus(status);
  }

  private onStatus(status: Status): void {
    switch (status.type) {
      case 'disconnect':
        this.connection = 'reconnecting';
        this.lastError = `disconnected from ${status.server}`;
        this.log.warn(`cluster: disconnected from ${status.server}; the gate closes within the lease (${this.config.lease_ms} ms) unless the state is heard again`);
        this.host.event('cluster.disconnected', { server: status.server });
        break;
      case 'reconnect':
        this.connection = 'connected';
        this.lastError = null;
        this.log.info(`cluster: reconnected to ${status.server}`);
        this.host.event('cluster.reconnected', { server: status.server });
        this.pumpTrips();
        this.pumpOps();
        break;
      case 'slowConsumer':
        this.log.warn(`cluster: slow consumer on ${status.sub.getSubject()}: ${status.pending} messages pending; the server drops market data beyond this`);
        break;
      case 'close':
        this.connection = 'closed';
        break;
      default:
        break;
    }
  }

  // ---- the trading state ----

  private presence(): PresenceBeat {
    return { node: this.config.node, bootId: this.bootId, sentAtMs: Date.now(), pid: process.pid };
  }

  private tick(): void {
    const nc = this.nc;
    // Only while connected: a beat the client buffers during a partition would arrive stale.
    if (nc && this.connection === 'connected') {
      nc.publish(`${this.config.prefix}.presence.${this.config.node}`, JSON.stringify(this.presence()));
      if (this.isKillSwitchNode) this.publishBeat(nc);
    }
    this.checkPeers();
  }

  private publishBeat(nc: NatsConnection): void {
    const beat: StateBeat = {
      node: this.config.node,
      bootId: this.bootId,
      seq: ++this.beatSeq,
      state: this.gate.localRead(),
      flatten: this.gate.flattenPermitted(),
      sentAtMs: Date.now(),
      taken: Object.fromEntries(this.takenTrips),
    };
    nc.publish(`${this.config.prefix}.state`, JSON.stringify(beat));
  }

  /** Publishes the kill switch's state now (after a transition), not at the next beat. */
  publishStateNow(): void {
    if (this.nc && this.connection === 'connected' && this.isKillSwitchNode) this.publishBeat(this.nc);
  }

  private onStateMessage(msg: Msg): void {
    let beat: StateBeat;
    try {
      beat = msg.json<StateBeat>();
    } catch (error) {
      this.log.error({ err: error }, `cluster: a trading-state beat that is not JSON: ${(error as Error).message}`);
      return;
    }
    this.step({ type: 'beat', beat, nowMs: Date.now() });
  }

  private step(input: LeaseInput): void {
    const { state, effects } = stepLease(this.settings, this.lease, input);
    this.lease = state;
    for (const effect of effects) this.apply(effect);
  }

  private apply(effect: LeaseEffect): void {
    switch (effect.type) {
      case 'renew-cluster-lease':
        renewClusterLease(this.host.gate, effect.untilMs);
        break;
      case 'mirror-state':
        this.writer.set(effect.state, effect.flatten);
        this.writer.renewLease(effect.leaseMs);
        break;
      case 'hold-gate':
        holdForTrip(this.host.gate);
        break;
      case 'release-hold':
        releaseTripHold(this.host.gate);
        this.log.info(`cluster: the kill switch on ${this.config.kill_switch_node} has latched the trip made here; the gate follows its state`);
        break;
      case 'refused':
        if (!this.refusedLogged.has(effect.reason)) {
          this.refusedLogged.add(effect.reason);
          this.log.warn(`cluster: trading-state beat refused (${effect.reason}): ${effect.detail}`);
        }
        break;
      case 'state-changed':
        this.host.event('cluster.trading-state', { node: this.config.node, from: effect.from === null ? null : tradingStateName(effect.from), to: tradingStateName(effect.to) });
        break;
    }
  }

  /**
   * A trip on a node without the kill switch: this node's gate closes now, and the trip goes to
   * the kill switch's node through JetStream (stored, retried until stored; a partition delays
   * it, never loses it). Resolves once the server has stored it, or at once while unreachable.
   */
  forwardTrip(source: TripRequestSource, reason: string): { stored: Promise<void> } {
    const id = `trip:${this.config.node}:${this.bootId}:${++this.fallbackSeq}`;
    this.step({ type: 'local-trip', id });
    const trip: TripMessage = { id, node: this.config.node, source, reason, atMs: Date.now() };
    let done!: () => void;
    const stored = new Promise<void>((resolve) => (done = resolve));
    this.tripQueue.push({ subject: `${this.config.prefix}.trip`, data: new TextEncoder().encode(JSON.stringify(trip)), msgId: id, done, sending: false });
    this.host.event('cluster.trip-forwarded', { node: this.config.node, to: this.config.kill_switch_node, source, reason });
    this.pumpTrips();
    return { stored };
  }

  private pumpTrips(): void {
    const js = this.js;
    const head = this.tripQueue[0];
    if (!js || !head || head.sending || this.stopped) return;
    head.sending = true;
    js.publish(head.subject, head.data, { msgID: head.msgId, timeout: JS_PUBLISH_TIMEOUT_MS }).then(
      () => {
        this.tripQueue.shift();
        head.done();
        this.pumpTrips();
      },
      (error: Error) => {
        head.sending = false;
        this.log.warn({ err: error }, `cluster: the trip could not be stored yet (${error.message}); retrying`);
        setTimeout(() => this.pumpTrips(), this.config.reconnect_wait_ms).unref();
      },
    );
  }

  private async consumeTrips(): Promise<void> {
    const messages = await this.durableConsumer(this.streamName(STREAM_TRIPS), 'kill-switch', `${this.config.prefix}.trip`);
    void (async () => {
      for await (const msg of messages) {
        let trip: TripMessage;
        try {
          trip = msg.json<TripMessage>();
        } catch (error) {
          this.log.error({ err: error }, `cluster: a trip message that is not JSON (stream seq ${msg.seq}); terminated`);
          msg.term();
          continue;
        }
        if (!this.config.nodes.includes(trip.node)) {
          this.log.error({ trip }, `cluster: a trip from unknown node "${trip.node}"; taken anyway (a trip is never refused) and reported`);
          this.host.event('cluster.frame-refused', { reason: `trip from unknown node "${trip.node}" (taken: a trip is never refused)` });
        }
        try {
          await this.host.takeTrip(trip.source, `${trip.reason} (tripped on node ${trip.node})`);
          this.takenTrips.set(trip.node, trip.id);
          msg.ack();
          this.publishStateNow();
        } catch (error) {
          this.log.error({ err: error }, `cluster: the trip from ${trip.node} was not taken (${(error as Error).message}); it will be redelivered`);
          msg.nak(this.config.reconnect_wait_ms);
        }
      }
    })();
  }

  private async durableConsumer(stream: string, name: string, filter: string): Promise<ConsumerMessages> {
    const jsm = this.jsm!;
    const config = { durable_name: name, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: filter, ack_wait: 5_000_000_000, max_ack_pending: 4096 };
    try {
      await jsm.consumers.info(stream, name);
    } catch (error) {
      if (!/not found/i.test((error as Error).message)) throw error;
      await jsm.consumers.add(stream, config);
    }
    const consumer = await this.js!.consumers.get(stream, name);
    const messages = await consumer.consume({ max_messages: 256 });
    this.consumers.push(messages);
    return messages;
  }

  // ---- peers ----

  private onPresence(msg: Msg): void {
    let beat: PresenceBeat;
    try {
      beat = msg.json<PresenceBeat>();
    } catch (error) {
      this.log.error({ err: error }, `cluster: a presence beat that is not JSON on ${msg.subject}`);
      return;
    }
    if (beat.node === this.config.node) return;
    const peer = this.peers.get(beat.node);
    if (!peer) {
      this.refuseOnce(`presence:${beat.node}`, `cluster: presence of unknown node "${beat.node}" (pid ${beat.pid}); cluster.nodes are [${this.config.nodes.join(', ')}]`);
      return;
    }
    const now = Date.now();
    if (peer.bootId !== '' && peer.bootId !== beat.bootId) this.host.event('cluster.node-restarted', { node: beat.node, bootId: beat.bootId });
    peer.bootId = beat.bootId;
    peer.lastSeenMs = now;
    peer.lagMs = now - beat.sentAtMs;
    if (!peer.up) {
      peer.up = true;
      this.log.info(`cluster: node ${beat.node} is up`);
      this.host.event('cluster.node-up', { node: beat.node, bootId: beat.bootId });
      this.notifyDependants(beat.node, 'closed');
    }
  }

  private checkPeers(): void {
    const now = Date.now();
    for (const [node, peer] of this.peers) {
      if (!peer.up || now - peer.lastSeenMs <= this.config.node_timeout_ms) continue;
      peer.up = false;
      const cause = `node ${node} not heard from for ${now - peer.lastSeenMs} ms (node_timeout_ms ${this.config.node_timeout_ms})`;
      this.log.warn(`cluster: ${cause}: lost`);
      this.host.event('cluster.node-lost', { node, cause });
      this.notifyDependants(node, 'open', cause);
    }
  }

  /** Local actors with an edge to or from `node` hear of it as a dependency breaker (subtree `cluster/<node>`). */
  private notifyDependants(node: string, state: 'open' | 'closed', cause?: string): void {
    if (!this.edges) return;
    const actors = new Set<string>();
    for (const proxy of this.edges.proxies) if (proxy.toNode === node) for (const edge of proxy.edges) actors.add(edge.producer);
    for (const edge of this.edges.inbound) if (edge.fromNode === node) actors.add(edge.consumer);
    if (actors.size === 0) return;
    this.host.dependency([...actors], { type: 'dependency', subtree: `cluster/${node}`, state, ...(cause !== undefined ? { cause } : {}), atMs: Date.now() });
  }

  private refuseOnce(key: string, message: string): void {
    if (this.refusedLogged.has(key)) return;
    this.refusedLogged.add(key);
    this.log.error(message);
  }

  // ---- admin across nodes ----

  private async onAdmin(msg: Msg): Promise<void> {
    try {
      const request = msg.json<{ cmd: string }>();
      if (request.cmd === 'tree') msg.respond(JSON.stringify({ node: this.config.node, tree: await this.host.tree() }));
      else msg.respond(JSON.stringify({ node: this.config.node, error: `unknown cluster admin command "${request.cmd}"; known: tree` }));
    } catch (error) {
      msg.respond(JSON.stringify({ node: this.config.node, error: (error as Error).message }));
    }
  }

  /** Every node's tree: this one's from the host, the others' over NATS (a node that does not answer says why). */
  async clusterTrees(timeoutMs = 1000): Promise<{ node: string; tree?: TreeNode; error?: string }[]> {
    return Promise.all(
      this.config.nodes.map(async (node) => {
        if (node === this.config.node) return { node, tree: await this.host.tree() };
        const nc = this.nc;
        if (!nc || this.connection !== 'connected') return { node, error: `not connected to the cluster (${this.connection})` };
        try {
          const reply = await nc.request(`${this.config.prefix}.admin.${node}`, JSON.stringify({ cmd: 'tree' }), { timeout: timeoutMs });
          return reply.json<{ node: string; tree?: TreeNode; error?: string }>();
        } catch (error) {
          return { node, error: `no answer within ${timeoutMs} ms (${(error as Error).message})` };
        }
      }),
    );
  }

  // ---- cross-node edges ----

  /** The remote edges of this node's tree (wireRemoteEdges): carried from now on. */
  async attach(edges: RemoteEdges): Promise<void> {
    this.edges = edges;
    for (const edge of edges.inbound) {
      this.inboundWriters.set(`${edge.fromNode}/${edge.fromActor}/${edge.consumer}`, { edge, writer: new RingWriter(edge.ring, { policy: 'fail', doorbell: new Doorbell(edge.doorbell) }) });
    }
    for (const proxy of edges.proxies) void this.drain(proxy);
    if (this.nc && this.connection !== 'closed') await this.startInbound();
  }

  private countersOf(key: string): EdgeCounters {
    let counters = this.counters.get(key);
    if (!counters) this.counters.set(key, (counters = { sent: 0, received: 0, dropped: 0, refused: 0, retried: 0 }));
    return counters;
  }

  /** Drains every local producer's ring to one remote peer, parking on its doorbell when all are empty. */
  private async drain(proxy: RemotePeerProxy): Promise<void> {
    const parking = new DoorbellParking(new Doorbell(proxy.doorbell));
    const readers = proxy.edges.map((edge) => {
      const route: Route = { cls: 'md', toNode: proxy.toNode, toActor: proxy.toActor, fromNode: this.config.node, fromActor: edge.producer };
      const counters = this.countersOf(`${edge.producer} -> ${proxy.toNode}/${proxy.toActor}`);
      const handler: FrameHandler = { onFrame: (type, version, view, offset, length) => this.send(route, counters, type, version, view, offset, length) };
      return { reader: new RingReader(edge.ring), handler };
    });
    while (!this.stopped) {
      let handled = 0;
      for (const { reader, handler } of readers) handled += reader.poll(handler, 256);
      if (handled > 0) continue;
      const sequence = parking.announce();
      if (readers.every(({ reader }) => reader.isEmpty())) await parking.sleepAsync(sequence, 100);
      parking.retract();
    }
  }

  private send(route: Route, counters: EdgeCounters, type: number, version: number, view: DataView, offset: number, length: number): void {
    const cls = edgeClassOf(type);
    const data = encodeWireFrame(type, version, view, offset, length);
    const subject = edgeSubject(this.config.prefix, { ...route, cls });
    counters.sent++;
    if (cls === 'md') {
      // At most once: while disconnected the client buffers; what the server never gets is lost.
      this.nc?.publish(subject, data);
      return;
    }
    const decoded = this.decoder.decode(type, version, view, offset, length);
    this.opQueue.push({ subject, data, msgId: dedupId(decoded, `${route.fromNode}:${route.fromActor}:${this.bootId}:${++this.fallbackSeq}`) });
    this.pumpOps();
  }

  /**
   * Publishes order-path frames in order, up to PUBLISH_WINDOW awaiting their acknowledgement.
   * A failed publish is retried with everything after it (the message ids make the repeats harmless).
   */
  private pumpOps(): void {
    if (this.pumping || !this.js || this.stopped || this.opQueue.length === 0) return;
    this.pumping = true;
    const js = this.js;
    void (async () => {
      try {
        while (this.opQueue.length > 0 && !this.stopped) {
          const batch = this.opQueue.slice(0, PUBLISH_WINDOW);
          this.opInFlight = batch.length;
          const results = await Promise.allSettled(batch.map((m) => js.publish(m.subject, m.data, { msgID: m.msgId, timeout: JS_PUBLISH_TIMEOUT_MS })));
          const firstFailure = results.findIndex((r) => r.status === 'rejected');
          const done = firstFailure < 0 ? batch.length : firstFailure;
          this.opQueue.splice(0, done);
          if (firstFailure >= 0) {
            const reason = (results[firstFailure] as PromiseRejectedResult).reason as Error;
            this.countersOf('order-path publish').retried += batch.length - done;
            this.refuseOnce(`publish:${reason.message}`, `cluster: order-path publish failed (${reason.message}); retrying ${batch.length - done} frames in order`);
            await delay(this.config.reconnect_wait_ms);
          }
        }
      } finally {
        this.opInFlight = 0;
        this.pumping = false;
      }
    })();
  }

  private async startInbound(): Promise<void> {
    const nc = this.nc!;
    const { prefix, node } = this.config;
    this.subscriptions.push(nc.subscribe(inboundSubjects(prefix, 'md', node), { callback: (error, msg) => { if (!error) this.onMarketData(msg); } }));
    const messages = await this.durableConsumer(this.streamName(STREAM_OPS), node, inboundSubjects(prefix, 'op', node));
    void (async () => {
      for await (const msg of messages) await this.onOrderPath(msg);
    })();
  }

  /** The local ring for a frame on `subject`, or null with the frame refused and said why. */
  private inboundFor(subject: string): { writer: RingWriter; counters: EdgeCounters } | null {
    const route = parseEdgeSubject(this.config.prefix, subject);
    if (typeof route === 'string') return this.refuseFrame(subject, route);
    if (!this.config.nodes.includes(route.fromNode)) return this.refuseFrame(subject, `a frame from unknown node "${route.fromNode}" (actor ${route.fromActor}); cluster.nodes are [${this.config.nodes.join(', ')}]`);
    const inbound = this.inboundWriters.get(`${route.fromNode}/${route.fromActor}/${route.toActor}`);
    if (!inbound) return this.refuseFrame(subject, `a frame from ${route.fromNode}/${route.fromActor} to ${route.toActor}, which has no \`receives: [{from: ${route.fromActor}, node: ${route.fromNode}}]\` on this node`);
    return { writer: inbound.writer, counters: this.countersOf(`${route.fromNode}/${route.fromActor} -> ${route.toActor}`) };
  }

  private refuseFrame(subject: string, why: string): null {
    this.countersOf('refused').refused++;
    if (!this.refusedLogged.has(`frame:${subject}`)) {
      this.refusedLogged.add(`frame:${subject}`);
      this.log.error({ subject }, `cluster: frame refused: ${why}`);
      this.host.event('cluster.frame-refused', { subject, reason: why });
    }
    return null;
  }

  private onMarketData(msg: Msg): void {
    const inbound = this.inboundFor(msg.subject);
    if (!inbound) return;
    let frame;
    try {
      frame = decodeWireFrame(msg.data);
    } catch (error) {
      this.refuseFrame(msg.subject, (error as Error).message);
      return;
    }
    inbound.counters.received++;
    const decoded = this.decoder.decode(frame.type, frame.version, new DataView(frame.payload.buffer, frame.payload.byteOffset, frame.payload.byteLength), 0, frame.payload.byteLength);
    const key = `${msg.subject}|${conflationKey(decoded, frame.type)}`;
    // Newest wins: behind an unsent frame of the same kind, a newer one replaces it (counted).
    if (this.conflated.has(key) || !writeFrame(inbound.writer, frame.type, frame.version, frame.payload)) {
      if (this.conflated.has(key)) inbound.counters.dropped++;
      this.conflated.set(key, { writer: inbound.writer, type: frame.type, version: frame.version, payload: frame.payload.slice(), counters: inbound.counters });
      this.conflationTimer ??= setTimeout(() => this.flushConflated(), RING_RETRY_MS);
    }
  }

  private flushConflated(): void {
    this.conflationTimer = undefined;
    for (const [key, pending] of this.conflated) {
      if (!writeFrame(pending.writer, pending.type, pending.version, pending.payload)) break;
      this.conflated.delete(key);
    }
    if (this.conflated.size > 0 && !this.stopped) this.conflationTimer = setTimeout(() => this.flushConflated(), RING_RETRY_MS);
  }

  private async onOrderPath(msg: JsMsg): Promise<void> {
    const inbound = this.inboundFor(msg.subject);
    if (!inbound) {
      msg.term();
      return;
    }
    let frame;
    try {
      frame = decodeWireFrame(msg.data);
    } catch (error) {
      this.refuseFrame(msg.subject, (error as Error).message);
      msg.term();
      return;
    }
    // Never dropped: wait for the local actor to make room (the ack waits too, so a crash here redelivers).
    let waitedMs = 0;
    while (!writeFrame(inbound.writer, frame.type, frame.version, frame.payload)) {
      if (this.stopped) return;
      await delay(RING_RETRY_MS);
      waitedMs += RING_RETRY_MS;
      if (waitedMs % 1000 === 0) msg.working();
    }
    inbound.counters.received++;
    msg.ack();
  }

  // ---- status ----

  async status(): Promise<ClusterStatus> {
    const now = Date.now();
    if (this.jsm && this.connection === 'connected' && this.edges && this.edges.inbound.length > 0) {
      try {
        this.consumerPending = (await this.jsm.consumers.info(this.streamName(STREAM_OPS), this.config.node)).num_pending;
      } catch (error) {
        this.lastError = `consumer info: ${(error as Error).message}`;
      }
    }
    return {
      node: this.config.node,
      killSwitchNode: this.config.kill_switch_node,
      connection: this.connection,
      server: this.nc && this.connection === 'connected' ? this.nc.getServer() : null,
      lastError: this.lastError,
      lease: { heard: this.lease.heard === null ? null : tradingStateName(this.lease.heard), validForMs: Math.max(0, Math.round(this.lease.leaseUntilMs - now)), refused: { ...this.lease.refused } },
      peers: [...this.peers].map(([node, peer]) => ({
        node,
        state: peer.bootId === '' ? 'never-seen' : peer.up ? 'up' : 'lost',
        bootId: peer.bootId || null,
        lastSeenAgoMs: peer.bootId === '' ? null : now - peer.lastSeenMs,
        lagMs: peer.bootId === '' ? null : peer.lagMs,
      })),
      edges: Object.fromEntries(this.counters),
      consumerPending: this.consumerPending,
      unacknowledged: this.opQueue.length + (this.pumping ? 0 : this.opInFlight),
    };
  }

  /** The link's view of the local gate, for tests: what every order path on this node reads. */
  gateState(): TradingState {
    return this.gate.read();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    if (this.conflationTimer) clearTimeout(this.conflationTimer);
    for (const proxy of this.edges?.proxies ?? []) new Doorbell(proxy.doorbell).wake();
    for (const consumer of this.consumers) consumer.stop();
    const nc = this.nc;
    this.nc = undefined;
    this.connection = 'closed';
    if (nc) await nc.drain().catch((error: Error) => this.log.warn({ err: error }, `cluster: draining the connection failed: ${error.message}`));
  }
}

/** Writes a frame when the ring has room now; false when it is full (the caller waits or conflates). */
function writeFrame(writer: RingWriter, type: number, version: number, payload: Uint8Array): boolean {
  let offset: number;
  try {
    offset = writer.reserve(payload.byteLength);
  } catch (error) {
    if (error instanceof RingFullError) return false;
    throw error;
  }
  writer.bytes.set(payload, offset);
  writer.publish(type, version);
  return true;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
