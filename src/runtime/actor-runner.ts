/**
 * One actor incarnation on its worker thread: loads the actor module, wires its rings,
 * serves the control plane (comlink) and runs the mailbox loop. The thread's entry
 * (actor-host.ts) calls `runActor` once it knows which actor it is: at once for a cold
 * start, or when the supervisor hands a warm standby its assignment.
 *
 * Crash semantics: an exception from `init`, `handle` or a timer is not caught here: it
 * kills the worker, and supervision decides what happens next. A frame whose handler
 * threw was never committed, so the next incarnation receives it again (at-least-once).
 */
import { MessageChannel, parentPort, type MessagePort } from 'node:worker_threads';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import * as Comlink from 'comlink';
import type { Logger } from 'pino';
import type { ActorContext, ActorDefinition, InboundFrame, Outbox } from './actor-definition.js';
import { FrameDecoder } from './codec/frame-decoder.js';
import { ActorPhase, StatusWriter } from './actor-status.js';
import { Doorbell } from './doorbell.js';
import { Mailbox } from './mailbox.js';
import { RingReader, RingWriter, type FrameHandler } from './ring.js';
import { TradingGate } from './trading-gate.js';
import type { ActorWiring } from './wiring.js';
import { seededRandom } from '../domain/random.js';
import { wallClock } from './clock.js';
import { compiledRoot } from './package-root.js';
import { CONTROL_TYPE, CONTROL_VERSION, encodeControl } from './codec/control-frame.js';
import type { ActorAssignment, ActorControlApi, ActorLocalStats, HostSpec } from './actor-protocol.js';
import { createWorkerLogger } from '../logging/worker-logger.js';
import type { LogLevel } from '../config/schema.js';
import { DEPENDENCY_CONTROL } from './supervision/dependency-notices.js';

/** Refusals logged one by one up to this many, then one line per thousand. */
const DECODE_ERRORS_LOGGED = 10;
/** A busy loop yields to the event loop this often so timers, I/O and the control plane run. */
const YIELD_EVERY_MS = 1;

/** Where the module of an actor kind lives (the spec's override, else the compiled actors/ folder). */
export function actorModuleUrl(kind: string, moduleUrl: string | undefined): string {
  if (moduleUrl) return moduleUrl;
  return pathToFileURL(join(compiledRoot(), 'actors', kind, 'actor.js')).href;
}

async function loadDefinition(spec: HostSpec): Promise<ActorDefinition<unknown, unknown>> {
  const url = actorModuleUrl(spec.kind, spec.moduleUrl);
  const mod = (await import(url)) as { default?: ActorDefinition<unknown, unknown> };
  const def = mod.default;
  if (!def || typeof def.init !== 'function') {
    throw new Error(`${url}: the default export is not an actor definition (use defineActor({ kind, init, … }))`);
  }
  if (def.kind !== spec.kind) throw new Error(`${url}: defines actor kind "${def.kind}", but the tree says "${spec.kind}"`);
  return def;
}

function makeOutbox(wire: ActorWiring['outbound'][number], status: StatusWriter): Outbox {
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
  private readonly status: StatusWriter;
  private readonly log: Logger;
  private readonly handlerTimes: RecordableHistogram = createHistogram();
  private readonly decoder = new FrameDecoder();
  /** How often the host proves liveness from its event loop and publishes handler percentiles. */
  private readonly beatIntervalMs: number;

  constructor(
    private readonly spec: HostSpec,
    private readonly wiring: ActorWiring,
    logPort: MessagePort,
  ) {
    this.status = new StatusWriter(wiring.status);
    this.log = createWorkerLogger(logPort, { path: spec.path, actor: spec.kind }, spec.logLevel as LogLevel);
    this.beatIntervalMs = Math.max(5, Math.floor(spec.heartbeatIntervalMs));
    this.status.setPhase(ActorPhase.STARTING);
    this.beatTimer = setInterval(() => {
      this.status.beat();
      if (this.handlerTimes.count > 0) {
        this.status.publishHandlerTimes(this.handlerTimes.percentile(50), this.handlerTimes.percentile(99), this.handlerTimes.max, this.handlerTimes.count);
      }
    }, this.beatIntervalMs);
  }

  async start(): Promise<void> {
    const { spec, wiring, status } = this;
    this.def = await loadDefinition(spec);
    const config = this.def.parseConfig ? this.def.parseConfig(spec.config) : spec.config;
    const outboxes = new Map(wiring.outbound.map((w) => [w.peer, makeOutbox(w, status)]));
    const inboundPeers = wiring.inbound.map((w) => w.peer);
    this.ctx = {
      name: spec.name,
      path: spec.path,
      kind: spec.kind,
      config,
      log: this.log,
      random: seededRandom(spec.seed),
      clock: wallClock,
      gate: new TradingGate(wiring.gate, wallClock),
      gateBuffer: wiring.gate,
      outboxes,
      inboundPeers,
      outbox(peer: string): Outbox {
        const out = outboxes.get(peer);
        if (!out) throw new Error(`${spec.path}: no ring to "${peer}"; this actor sends to [${[...outboxes.keys()].join(', ')}] (tree config "sends")`);
        return out;
      },
      decode: (frame) => this.decodeFrame(frame),
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
    // The loop's first idle wait blocks the thread (spin-then-park): enter it on the next
    // turn, so that init's reply to the supervisor goes out first instead of after a park.
    this.loopDone = yieldToEventLoop()
      .then(() => this.runLoop())
      .catch(rethrowAsUncaught);
  }

  private decodeFrame(frame: InboundFrame) {
    const decoded = this.decoder.decode(frame.type, frame.version, frame.view, frame.offset, frame.length);
    if (decoded === null) {
      this.status.countDecodeError();
      const rejected = this.decoder.rejected();
      if (rejected <= DECODE_ERRORS_LOGGED || rejected % 1000 === 0) {
        this.log.error({ peer: frame.peer, rejected }, `dropped frame #${rejected} from ${frame.peer}: ${this.decoder.lastError?.message}`);
      }
    }
    return decoded;
  }

  private frameHandler(peer: string, peerIndex: number): FrameHandler {
    const frame = this.frame;
    const def = this.def;
    const { status, handlerTimes } = this;
    return {
      onFrame: (type, version, view, offset, length) => {
        status.countIn();
        if (!def.handle) return;
        frame.peer = peer;
        frame.peerIndex = peerIndex;
        frame.type = type;
        frame.version = version;
        frame.view = view;
        frame.offset = offset;
        frame.length = length;
        const t0 = performance.now();
        def.handle(this.state, frame, this.ctx);
        const ns = Math.max(1, Math.round((performance.now() - t0) * 1e6));
        handlerTimes.record(ns);
        status.observeHandlerNs(ns);
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
    const { spec, status } = this;
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
        await this.mailbox.waitForWorkAsync(this.beatIntervalMs);
      } else {
        this.mailbox.waitForWork(spec.waitStrategy === 'busy-spin' ? YIELD_EVERY_MS : Math.min(this.beatIntervalMs, spec.parkSliceMs));
        await yieldToEventLoop();
      }
      lastYield = performance.now();
    }
  }

  async stop(): Promise<void> {
    this.status.setPhase(ActorPhase.STOPPING);
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.mailbox?.wake();
    await this.loopDone;
    if (this.def?.stop && this.ctx) await this.def.stop(this.state, this.ctx);
    clearInterval(this.beatTimer);
  }

  localStats(): ActorLocalStats {
    const times = this.handlerTimes;
    return {
      handlerP50Ns: times.count ? times.percentile(50) : 0,
      handlerP99Ns: times.count ? times.percentile(99) : 0,
      handlerMaxNs: times.count ? times.max : 0,
      handled: times.count,
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
      throw new Error(`${this.spec.path}: no control method "${method}" (known: ${known.length ? known.join(', ') : 'none'})`);
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

/**
 * Pays pino's first-use cost (building the logger and serialising a first line takes
 * 10-40 ms on a loaded 2-core box) on a private channel, so a standby that becomes an
 * actor does not pay it on the restart path. The line goes nowhere.
 */
export function warmUpLogger(): void {
  const { port1, port2 } = new MessageChannel();
  const log = createWorkerLogger(port2, { path: 'standby', actor: 'standby' }, 'info');
  log.info({ warmUp: true }, 'standby warm-up');
  port1.close();
  port2.close();
}

/** Becomes the actor of `assignment`: serves its control plane, whose `start` runs init. */
export function runActor(assignment: ActorAssignment): void {
  const host = new Host(assignment.spec, assignment.wiring, assignment.log);
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
  Comlink.expose(api, assignment.control);
}
