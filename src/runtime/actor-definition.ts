import type { Logger } from 'pino';
import type { Random } from '../domain/random.js';
import type { DecodedFrame } from './codec/frame-decoder.js';

/**
 * What an actor module exports (as its default export, built with `defineActor`).
 *
 * An actor is a small state machine on its own worker thread: `init` builds its state,
 * `handle` consumes one inbound frame at a time from its rings, `timers` run on the
 * worker's event loop, `control` methods are callable from the supervisor's control
 * plane (comlink), and `stop` runs on a graceful stop. Handlers are synchronous on
 * purpose: the read index of a ring is committed when `handle` returns, which is what
 * makes delivery at-least-once across a crash (docs/actor-runtime.md).
 */
export interface ActorDefinition<Config = unknown, State = unknown> {
  readonly kind: string;
  /** Validates the actor's own config block; throw an Error naming the bad field. */
  parseConfig?(raw: unknown): Config;
  init(ctx: ActorContext<Config>): State | Promise<State>;
  handle?(state: State, frame: InboundFrame, ctx: ActorContext<Config>): void;
  timers?: Readonly<Record<string, TimerDefinition<Config, State>>>;
  control?: Readonly<Record<string, ControlMethod<Config, State>>>;
  /** Snapshot for `actor.get` / the admin tree. Must be JSON-serialisable. */
  describe?(state: State): unknown;
  stop?(state: State, ctx: ActorContext<Config>): void | Promise<void>;
}

export interface TimerDefinition<Config, State> {
  /** Period in ms, fixed or derived from the actor's parsed config. */
  readonly everyMs: number | ((config: Config) => number);
  run(state: State, ctx: ActorContext<Config>): void | Promise<void>;
}

export type ControlMethod<Config, State> = (state: State, args: unknown, ctx: ActorContext<Config>) => unknown;

/**
 * One inbound frame. The object is reused for every frame (no allocation per message):
 * decode what you need inside `handle` and do not keep a reference to it.
 */
export interface InboundFrame {
  /** Name of the producing actor. */
  peer: string;
  /** Index of the inbound ring, stable for the actor's lifetime (cheaper than comparing names). */
  peerIndex: number;
  type: number;
  version: number;
  view: DataView;
  offset: number;
  length: number;
}

/** A frame writer towards one peer (one SPSC ring). */
export interface Outbox {
  readonly peer: string;
  /**
   * Encodes `msg` straight into the ring. Returns false when the ring is full and its
   * policy is drop-newest (the drop is counted); throws RingFullError under 'fail'.
   */
  send<T>(codec: FrameEncoder<T>, msg: T): boolean;
  /** Rare control message carried as JSON. */
  sendControl(message: unknown): boolean;
  depthBytes(): number;
  readonly capacityBytes: number;
}

/** The part of a codec the runtime needs to write a frame. */
export interface FrameEncoder<T> {
  readonly type: number;
  readonly version: number;
  size(msg: T): number;
  encode(view: DataView, offset: number, msg: T): void;
}

/** Read side of the shared trading-state word (src/runtime/trading-gate.ts). */
export interface TradingGateReader {
  /** Current TradingState (HALTED=0 … ACTIVE=3); reads HALTED while the kill switch is down. */
  read(): number;
  /** HALTED with flatten_on_halt: the runtime's own reduce-only flatten orders may leave. */
  flattenPermitted(): boolean;
}

/**
 * The actor's only source of time. The worker host reads the wall clock; the simulation
 * host (src/sim/) reads its virtual clock, so the same actor code runs under both.
 */
export interface ActorClock {
  /** Milliseconds since the epoch (what Date.now() would say live). */
  now(): number;
  /** Microseconds since the epoch, as a number (fractional live, like src/runtime/clock.ts nowUs). */
  nowUs(): number;
}

export interface ActorContext<Config = unknown> {
  readonly name: string;
  readonly path: string;
  readonly kind: string;
  readonly config: Config;
  readonly log: Logger;
  readonly random: Random;
  /** Time for everything the actor decides or stamps; timers are scheduled by the host from `timers`. */
  readonly clock: ActorClock;
  readonly gate: TradingGateReader;
  /**
   * The trading gate's shared memory. Only the kill-switch actor writes it (through
   * TradingGateWriter); everyone else reads through `gate`.
   */
  readonly gateBuffer: SharedArrayBuffer;
  /** Outboxes by peer name, as wired in the tree config (`sends`). */
  readonly outboxes: ReadonlyMap<string, Outbox>;
  outbox(peer: string): Outbox;
  /** Names of inbound peers, index-aligned with InboundFrame.peerIndex. */
  readonly inboundPeers: readonly string[];
  /**
   * Decodes a frame with the runtime's decoder: the message (valid until the next frame
   * of its type), or null for an unknown type, version or bad payload — counted in the
   * actor's stats and logged, so a bad frame never stops an actor.
   */
  decode(frame: InboundFrame): DecodedFrame | null;
  /** Publish a structured event (goes to the supervisor's event stream and the log). */
  emit(topic: string, data: Record<string, unknown>): void;
}

export function defineActor<Config, State>(definition: ActorDefinition<Config, State>): ActorDefinition<Config, State> {
  return definition;
}
