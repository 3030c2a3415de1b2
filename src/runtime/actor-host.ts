/**
 * Worker-thread entry of every actor. The supervisor starts a Worker on this file with
 * the actor's spec and its shared memory (ActorWiring); the host loads the actor module,
 * wires its rings, serves the control plane (comlink) and runs the mailbox loop.
 *
 * Crash semantics: an exception from `init`, `handle` or a timer is not caught here: it
 * kills the worker, and supervision decides what happens next. A frame whose handler
 * threw was never committed, so the next incarnation receives it again (at-least-once).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createHistogram } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import * as Comlink from 'comlink';
import type { ActorContext, ActorDefinition, InboundFrame, Outbox } from './actor-definition.js';
import { FrameDecoder } from './codec/frame-decoder.js';
import { ActorPhase, StatusWriter } from './actor-status.js';
import { Doorbell } from './doorbell.js';
import { Mailbox } from './mailbox.js';
import { RingReader, RingWriter, type FrameHandler } from './ring.js';
import { TradingGate } from './trading-gate.js';
import type { ActorWiring } from './wiring.js';
import { seededRandom } from '../domain/random.js';
import { compiledRoot } from './package-root.js';
import { DEPENDENCY_CONTROL } from './supervision/dependency-notices.js';
import { CONTROL_TYPE, CONTROL_VERSION, encodeControl } from './codec/control-frame.js';
import type { HostSpec, ActorControlApi, ActorLocalStats } from './actor-protocol.js';
import { createWorkerLogger } from '../logging/worker-logger.js';
import type { LogLevel } from '../config/schema.js';

interface HostData {
  spec: HostSpec;
  wiring: ActorWiring;
  control: MessagePort;
  log: MessagePort;
}

const data = workerData as HostData;
if (!parentPort || !data?.spec) throw new Error('actor-host.js must be started as a worker by the supervisor');

const { spec, wiring } = data;
const status = new StatusWriter(wiring.status);
const log = createWorkerLogger(data.log, { path: spec.path, actor: spec.kind }, spec.logLevel as LogLevel);
const handlerTimes = createHistogram();
const decoder = new FrameDecoder();
/** Refusals logged one by one up to this many, then one line per thousand. */
const DECODE_ERRORS_LOGGED = 10;

function decodeFrame(frame: InboundFrame) {
  const decoded = decoder.decode(frame.type, frame.version, frame.view, frame.offset, frame.length);
  if (decoded === null) {
    status.countDecodeError();
    const rejected = decoder.rejected();
    if (rejected <= DECODE_ERRORS_LOGGED || rejected % 1000 === 0) {
      log.error({ peer: frame.peer, rejected }, `dropped frame #${rejected} from ${frame.peer}: ${decoder.lastError?.message}`);
    }
  }
  return decoded;
}

/** How often the host proves liveness from its event loop and publishes handler percentiles. */
const BEAT_INTERVAL_MS = Math.max(5, Math.floor(spec.heartbeatIntervalMs));
/** A busy loop yields to the event loop this often so timers, I/O and the control plane run. */
const YIELD_EVERY_MS = 1;

function resolveModuleUrl(): string {
  if (spec.moduleUrl) return spec.moduleUrl;
  return pathToFileURL(join(compiledRoot(), 'actors', spec.kind, 'actor.js')).href;
}

async function loadDefinition(): Promise<ActorDefinition<unknown, unknown>> {
  const url = resolveModuleUrl();
  const mod = (await import(url)) as { default?: ActorDefinition<unknown, unknown> };
  const def = mod.default;
  if (!def || typeof def.init !== 'function') {
    throw new Error(`${url}: the default export is not an actor definition (use defineActor({ kind, init, … }))`);
  }
  if (def.kind !== spec.kind) throw new Error(`${url}: defines actor kind "${def.kind}", but the tree says "${spec.kind}"`);
  return def;
}

function makeOutbox(wire: ActorWiring['outbound'][number]): Outbox {
  const writer = new RingWriter(wire.ring, {
    policy: wire.fullPolicy,
    blockTimeoutMs: wire.blockTimeoutMs,
    doorbell: new Doorbell(wire.doorbell),
  });
  const outbox: Outbox = {
    peer: wire.peer,
    capacityBytes: writer.capacityBytes,
    send(codec, msg) {
      const offset = writer.reserve(codec.size(msg));
      if (offset < 0) {
        status.countDroppedOut();
        return false;
      }
      try {
        codec.encode(writer.view, offset, msg);
      } catch (error) {
        // A message its encoder refuses must not wedge the ring for every later send.
        writer.abandon();
        throw error;
      }
      writer.publish(codec.type, codec.version);
      status.countOut();
      return true;
    },
    sendControl(message) {
      if (!writer.push(CONTROL_TYPE, CONTROL_VERSION, encodeControl(message))) {
        status.countDroppedOut();
        return false;
      }
      status.countOut();
      return true;
    },
    depthBytes: () => writer.depthBytes(),
  };
  return outbox;
}

class Host {
  private def!: ActorDefinition<unknown, unknown>;
  private state: unknown;
  private ctx!: ActorContext<unknown>;
  private readonly timers: NodeJS.Timeout[] = [];
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private mailbox!: Mailbox;
  private handlers: FrameHandler[] = [];
  private readonly frame: InboundFrame = { peer: '', peerIndex: 0, type: 0, version: 0, view: new DataView(new ArrayBuffer(0)), offset: 0, length: 0 };
  private readonly beatTimer: NodeJS.Timeout;

  constructor() {
    status.setPhase(ActorPhase.STARTING);
    this.beatTimer = setInterval(() => {
      status.beat();
      if (handlerTimes.count > 0) {
        status.publishHandlerTimes(handlerTimes.percentile(50), handlerTimes.percentile(99), handlerTimes.max, handlerTimes.count);
      }
    }, BEAT_INTERVAL_MS);
  }

  async start(): Promise<void> {
    this.def = await loadDefinition();
    const config = this.def.parseConfig ? this.def.parseConfig(spec.config) : spec.config;
    const outboxes = new Map(wiring.outbound.map((w) => [w.peer, makeOutbox(w)]));
    const inboundPeers = wiring.inbound.map((w) => w.peer);
    this.ctx = {
      name: spec.name,
      path: spec.path,
      kind: spec.kind,
      config,
      log,
      random: seededRandom(spec.seed),
      gate: new TradingGate(wiring.gate),
      gateBuffer: wiring.gate,
      outboxes,
      inboundPeers,
      outbox(peer: string): Outbox {
        const out = outboxes.get(peer);
        if (!out) throw new Error(`${spec.path}: no ring to "${peer}"; this actor sends to [${[...outboxes.keys()].join(', ')}] (tree config "sends")`);
        return out;
      },
      decode: decodeFrame,
      emit(topic, payload) {
        parentPort!.postMessage({ type: 'event', topic, path: spec.path, data: payload });
      },
    };
    this.state = await this.def.init(this.ctx);
    this.mailbox = new Mailbox(
      wiring.inbound.map((w) => new RingReader(w.ring)),
      wiring.doorbell,
      spec.waitStrategy,
    );
    this.handlers = wiring.inbound.map((w, index) => this.frameHandler(w.peer, index));
    for (const [name, timer] of Object.entries(this.def.timers ?? {})) {
      const everyMs = typeof timer.everyMs === 'function' ? timer.everyMs(config) : timer.everyMs;
      if (!(everyMs > 0)) throw new Error(`${spec.path}: timer "${name}" needs a period > 0 ms, got ${everyMs}`);
      this.timers.push(setInterval(() => this.runTimer(name), everyMs));
    }
    this.running = true;
    status.setPhase(ActorPhase.RUNNING);
    this.loopDone = this.runLoop().catch(rethrowAsUncaught);
  }

  private frameHandler(peer: string, peerIndex: number): FrameHandler {
    const frame = this.frame;
    const handle = this.def.handle;
    return {
      onFrame: (type, version, view, offset, length) => {
        status.countIn();
        if (!handle) return;
        frame.peer = peer;
        frame.peerIndex = peerIndex;
        frame.type = type;
        frame.version = version;
        frame.view = view;
        frame.offset = offset;
        frame.length = length;
        const t0 = performance.now();
        handle(this.state, frame, this.ctx);
        handlerTimes.record(Math.max(1, Math.round((performance.now() - t0) * 1e6)));
      },
    };
  }

  private runTimer(name: string): void {
    const timer = this.def.timers![name]!;
    const result = timer.run(this.state, this.ctx);
    if (result instanceof Promise) result.catch(rethrowAsUncaught);
  }

  /**
   * Drain every inbound ring, then wait per the actor's strategy. The loop gives the event
   * loop a turn at least every YIELD_EVERY_MS while busy, and parks in slices no longer
   * than the heartbeat interval while idle, so timers, I/O and control calls keep flowing.
   */
  private async runLoop(): Promise<void> {
    const batch = 256;
    let lastYield = performance.now();
    while (this.running) {
      const handled = this.mailbox.drain(this.handlers, batch);
      if (handled > 0) {
        const now = performance.now();
        if (now - lastYield >= YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        continue;
      }
      status.beat();
      if (spec.waitStrategy === 'park') {
        await this.mailbox.waitForWorkAsync(BEAT_INTERVAL_MS);
      } else {
        this.mailbox.waitForWork(spec.waitStrategy === 'busy-spin' ? YIELD_EVERY_MS : Math.min(BEAT_INTERVAL_MS, spec.parkSliceMs));
        await yieldToEventLoop();
      }
      lastYield = performance.now();
    }
  }

  async stop(): Promise<void> {
    status.setPhase(ActorPhase.STOPPING);
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.mailbox?.wake();
    await this.loopDone;
    if (this.def?.stop && this.ctx) await this.def.stop(this.state, this.ctx);
    clearInterval(this.beatTimer);
  }

  localStats(): ActorLocalStats {
    return {
      handlerP50Ns: handlerTimes.count ? handlerTimes.percentile(50) : 0,
      handlerP99Ns: handlerTimes.count ? handlerTimes.percentile(99) : 0,
      handlerMaxNs: handlerTimes.count ? handlerTimes.max : 0,
      handled: handlerTimes.count,
      memory: process.memoryUsage().heapUsed,
    };
  }

  describe(): unknown {
    return this.def?.describe ? this.def.describe(this.state) : null;
  }

  async invoke(method: string, args: unknown): Promise<unknown> {
    const fn = this.def?.control?.[method];
    // Every actor may be a bulkhead's dependant; one that does not listen lets the notice pass.
    if (!fn && method === DEPENDENCY_CONTROL) return null;
    if (!fn) {
      const known = Object.keys(this.def?.control ?? {});
      throw new Error(`${spec.path}: no control method "${method}" (known: ${known.length ? known.join(', ') : 'none'})`);
    }
    return await fn(this.state, args, this.ctx);
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function rethrowAsUncaught(error: unknown): void {
  setImmediate(() => {
    throw error;
  });
}

const host = new Host();
const api: ActorControlApi = {
  start: () => host.start(),
  async stop() {
    await host.stop();
    // Exit after the reply has been sent: the supervisor waits for the thread to end.
    setImmediate(() => process.exit(0));
  },
  stats: () => host.localStats(),
  describe: () => host.describe(),
  invoke: (method, args) => host.invoke(method, args),
};
// Node's MessagePort is an EventTarget, which is all comlink needs of an endpoint.
Comlink.expose(api, data.control as unknown as Comlink.Endpoint);
