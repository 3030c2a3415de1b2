import { createActor, type Actor } from 'xstate';
import { z } from 'zod';
import { ActorConfigError } from '../../src/domain/instrument-config.js';
import { describePanic } from '../../src/domain/panic-reason.js';
import { TradingState, TripSource, tradingStateName, type TradingStateChange } from '../../src/domain/messages.js';
import { defineActor, type ActorContext } from '../../src/runtime/actor-definition.js';
import { tradingStateChangeCodec } from '../../src/runtime/codec/safety.js';
import { newSendStats, sendWithoutWaiting } from '../../src/runtime/non-blocking-send.js';
import { TradingGateWriter } from '../../src/runtime/trading-gate.js';
import { loadLatch, saveLatch, type LatchRecord } from './latch-store.js';
import { deliver, deliveryStatus, enqueueChange, hasPending, newDeliveries, type Deliveries } from './state-delivery.js';
import {
  refusal,
  stateOfMode,
  stateValueOf,
  tradingStateMachine,
  type TradingContext,
  type TradingEvent,
  type TransitionSource,
} from './trading-state-machine.js';

const configSchema = z.strictObject({
  state_file: z.string().min(1).default('data/kill-switch.json'),
  /** The mode of a first start, when no state file exists yet. */
  initial_mode: z.enum(['active', 'reducing', 'paused']).default('active'),
  /** How long the gate stays open without a renewal from this actor. */
  lease_ms: z.number().int().min(50).default(1000),
  lease_renew_ms: z.number().int().min(10).default(100),
  /** Trip when the supervisor's heartbeat has not moved for this long; 0 disables. */
  dead_man_timeout_ms: z.number().int().min(0).default(3000),
  /**
   * On HALTED, after every open order is cancelled, the order manager closes the positions its
   * fills built with reduce-only market orders; the gate lets only those out (docs/kill-switch.md).
   */
  flatten_on_halt: z.boolean().default(false),
  /** How often a state change a peer's full ring refused is offered again (state-delivery.ts). */
  delivery_retry_ms: z.number().int().min(1).default(10),
});
export type KillSwitchConfig = z.infer<typeof configSchema>;

const wireSource: Record<TransitionSource, TripSource> = {
  admin: TripSource.ADMIN,
  'gpio-button': TripSource.GPIO_BUTTON,
  'gpio-tamper': TripSource.GPIO_TAMPER,
  'risk-panic': TripSource.RISK_PANIC,
  'dead-man': TripSource.DEAD_MAN,
  'startup-latch': TripSource.STARTUP_LATCH,
  shutdown: TripSource.SHUTDOWN,
  supervisor: TripSource.SUPERVISOR,
};

interface State {
  machine: Actor<typeof tradingStateMachine>;
  gate: TradingGateWriter;
  /** Gate sequence right after our own last write: anything newer came from outside. */
  ownGateSeq: number;
  startedFrom: string;
  /** When an outside halt was first seen; adopted only if no trip explains it by the next tick. */
  outsideHaltSeenAt: number | undefined;
  deadMan: { lastBeat: number; lastMoveMs: number };
  change: TradingStateChange;
  /** State changes owed to each peer whose ring was full (never waited for). */
  deliveries: Deliveries;
}

function restore(config: KillSwitchConfig, atMs: number): { context: TradingContext; value: string; startedFrom: string } {
  const loaded = loadLatch(config.state_file);
  if (loaded.kind === 'loaded') {
    const { record } = loaded;
    return { context: { seq: record.seq, last: record.last, history: record.history }, value: record.state, startedFrom: `restored ${record.state} from ${config.state_file}` };
  }
  const empty: TradingContext = { seq: 0, last: undefined, history: [] };
  if (loaded.kind === 'corrupt') {
    // Unknown previous state: the only safe assumption is that it was HALTED.
    const transition = { seq: 1, from: 'UNKNOWN', to: 'HALTED', source: 'startup-latch' as const, reason: loaded.problem, atMs };
    return { context: { seq: 1, last: transition, history: [transition] }, value: 'HALTED', startedFrom: `HALTED because the state file is unusable: ${loaded.problem}` };
  }
  return { context: empty, value: tradingStateName(stateOfMode[config.initial_mode]), startedFrom: `first start: ${config.initial_mode} (initial_mode)` };
}

function persist(config: KillSwitchConfig, machine: Actor<typeof tradingStateMachine>): void {
  const snapshot = machine.getSnapshot();
  const record: LatchRecord = {
    version: 1,
    state: String(snapshot.value) as LatchRecord['state'],
    seq: snapshot.context.seq,
    last: snapshot.context.last,
    history: snapshot.context.history,
  };
  saveLatch(config.state_file, record);
}

/** Applies an event: refuses it with a reason, or moves the state, closes/opens the gate, persists and tells everyone. */
function apply(state: State, event: TradingEvent, ctx: ActorContext<KillSwitchConfig>): { state: string; seq: number } {
  const before = state.machine.getSnapshot();
  const refused = refusal(before, event);
  if (refused) throw refused;
  const previous = stateValueOf(before);
  state.machine.send(event);
  const after = state.machine.getSnapshot();
  const next = stateValueOf(after);
  // Close the gate first: persisting and telling others can wait a microsecond, orders cannot.
  publishGate(state, next, ctx.config.flatten_on_halt);
  persist(ctx.config, state.machine);
  broadcast(state, ctx, next, previous, event.source, after.context.seq);
  const last = after.context.last!;
  ctx.emit('killswitch', { state: last.to, from: last.from, source: last.source, reason: last.reason, seq: last.seq });
  const log = next === TradingState.HALTED ? ctx.log.warn.bind(ctx.log) : ctx.log.info.bind(ctx.log);
  log({ from: last.from, to: last.to, source: last.source, reason: last.reason, seq: last.seq }, `trading state ${last.from} -> ${last.to} (${last.source}: ${last.reason})`);
  return { state: last.to, seq: last.seq };
}

function publishGate(state: State, value: TradingState, flattenOnHalt: boolean): void {
  state.gate.set(value, flattenOnHalt);
  state.ownGateSeq = state.gate.seq();
}

/** Queues the change for every peer and sends what fits now; never waits on a ring, never throws. */
function broadcast(state: State, ctx: ActorContext<KillSwitchConfig>, next: TradingState, previous: TradingState, source: TransitionSource, seq: number): void {
  const change = state.change;
  change.state = next;
  change.previous = previous;
  change.source = wireSource[source];
  change.seq = seq;
  change.tsUs = ctx.clock.nowUs();
  enqueueChange(state.deliveries, change);
  deliverPending(state, ctx);
}

const scratchStats = newSendStats();

function deliverPending(state: State, ctx: ActorContext<KillSwitchConfig>): void {
  const outcome = deliver(state.deliveries, (peer, change) => {
    const outbox = ctx.outboxes.get(peer)!;
    return sendWithoutWaiting(outbox, tradingStateChangeCodec, change, scratchStats) ? null : (scratchStats.lastError ?? `ring to ${peer} refused the frame`);
  });
  for (const peer of outcome.newlyBlocked) {
    ctx.log.error({ peer }, `could not tell ${peer} about the trading state change (${state.deliveries.get(peer)!.lastError}); the gate word already says it, retrying every ${ctx.config.delivery_retry_ms} ms`);
  }
  for (const peer of outcome.caughtUp) {
    const peerDelivery = state.deliveries.get(peer)!;
    ctx.log.warn({ peer, failedAttempts: peerDelivery.failedAttempts }, `${peer} has every trading state change again (after ${peerDelivery.failedAttempts} refused attempt(s) so far)`);
  }
}

function trip(state: State, ctx: ActorContext<KillSwitchConfig>, source: TransitionSource, reason: string): { state: string; seq: number } {
  return apply(state, { type: 'TRIP', source, reason, atMs: ctx.clock.now() }, ctx);
}

function status(state: State, ctx: ActorContext<KillSwitchConfig>) {
  const snapshot = state.machine.getSnapshot();
  return {
    state: String(snapshot.value),
    effective: tradingStateName(ctx.gate.read()),
    since: snapshot.context.last?.atMs ?? null,
    last: snapshot.context.last ?? null,
    history: snapshot.context.history.slice(-20),
    leaseUntilMs: state.gate.leaseUntilMs(),
    startedFrom: state.startedFrom,
    stateFile: ctx.config.state_file,
    delivery: deliveryStatus(state.deliveries),
  };
}

function requireReason(args: unknown, what: string): string {
  const reason = (args as { reason?: unknown } | undefined)?.reason;
  if (typeof reason !== 'string' || reason.trim() === '') throw new Error(`${what} needs a reason: a non-empty string (who and why)`);
  return reason;
}

const SOURCES: ReadonlySet<string> = new Set(Object.keys(wireSource));

export default defineActor<KillSwitchConfig, State>({
  kind: 'kill-switch',
  parseConfig(raw) {
    const parsed = configSchema.safeParse(raw ?? {});
    if (!parsed.success) throw new ActorConfigError('kill-switch', parsed.error.issues);
    return parsed.data;
  },
  init(ctx) {
    const { config } = ctx;
    const restored = restore(config, ctx.clock.now());
    const snapshot = tradingStateMachine.resolveState({ value: restored.value, context: restored.context });
    const machine = createActor(tradingStateMachine, { snapshot, input: { initial: restored.context } }).start();
    const gate = new TradingGateWriter(ctx.gateBuffer, ctx.clock);
    const state: State = {
      machine,
      gate,
      ownGateSeq: 0,
      startedFrom: restored.startedFrom,
      outsideHaltSeenAt: undefined,
      deadMan: { lastBeat: gate.supervisorHeartbeat(), lastMoveMs: ctx.clock.now() },
      change: tradingStateChangeCodec.create(),
      deliveries: newDeliveries(ctx.outboxes.keys()),
    };
    gate.renewLease(config.lease_ms);
    publishGate(state, stateValueOf(machine.getSnapshot()), config.flatten_on_halt);
    persist(config, machine);
    const now = stateValueOf(machine.getSnapshot());
    broadcast(state, ctx, now, now, 'startup-latch', machine.getSnapshot().context.seq);
    ctx.log.info({ state: String(machine.getSnapshot().value), from: restored.startedFrom }, `kill switch up: ${String(machine.getSnapshot().value)} (${restored.startedFrom})`);
    return state;
  },
  handle(state, frame, ctx) {
    const decoded = ctx.decode(frame);
    if (decoded === null) return;
    if (decoded.kind === 'RiskPanic') {
      const p = decoded.message;
      trip(state, ctx, 'risk-panic', `${describePanic(p)} (venue ${p.venue}, instrument ${p.instrument}, from ${frame.peer})`);
      return;
    }
    ctx.log.warn({ peer: frame.peer, kind: decoded.kind }, `ignored a ${decoded.kind} frame from ${frame.peer}: the kill switch only acts on RiskPanic`);
  },
  timers: {
    delivery: {
      everyMs: (config) => config.delivery_retry_ms,
      run(state, ctx) {
        if (hasPending(state.deliveries)) deliverPending(state, ctx);
      },
    },
    lease: {
      everyMs: (config) => config.lease_renew_ms,
      run(state, ctx) {
        const { config } = ctx;
        state.gate.renewLease(config.lease_ms);
        // Someone else (the supervisor) closed the gate: adopt it, so the record and the gate agree.
        // The runtime closes the gate itself before it hands a trip to this actor. If the
        // trip does not arrive by the next tick, adopt the halt, so record and gate agree.
        // A shutdown closes the gate without a trip: nothing to adopt or latch.
        const closedFromOutside =
          state.gate.seq() !== state.ownGateSeq &&
          state.gate.storedState() === TradingState.HALTED &&
          !state.gate.isShuttingDown() &&
          String(state.machine.getSnapshot().value) !== 'HALTED';
        if (!closedFromOutside) state.outsideHaltSeenAt = undefined;
        else if (state.outsideHaltSeenAt === undefined) state.outsideHaltSeenAt = ctx.clock.now();
        else trip(state, ctx, 'supervisor', `the gate was closed from outside the kill switch (supervisor force-halt) ${ctx.clock.now() - state.outsideHaltSeenAt} ms ago and no trip explained it`);
        if (config.dead_man_timeout_ms > 0) {
          const beat = state.gate.supervisorHeartbeat();
          const now = ctx.clock.now();
          if (beat !== state.deadMan.lastBeat) {
            state.deadMan.lastBeat = beat;
            state.deadMan.lastMoveMs = now;
          } else if (now - state.deadMan.lastMoveMs >= config.dead_man_timeout_ms && String(state.machine.getSnapshot().value) !== 'HALTED') {
            trip(state, ctx, 'dead-man', `the supervisor's heartbeat has not moved for ${now - state.deadMan.lastMoveMs} ms (limit ${config.dead_man_timeout_ms} ms)`);
          }
        }
      },
    },
  },
  control: {
    trip(state, args, ctx) {
      const reason = requireReason(args, 'killswitch.trip');
      const source = (args as { source?: string }).source ?? 'admin';
      if (!SOURCES.has(source)) throw new Error(`killswitch.trip: unknown source "${source}" (known: ${[...SOURCES].join(', ')})`);
      return trip(state, ctx, source as TransitionSource, reason);
    },
    reset(state, args, ctx) {
      const reason = requireReason(args, 'killswitch.reset');
      return apply(state, { type: 'RESET', source: 'admin', reason, atMs: ctx.clock.now() }, ctx);
    },
    setMode(state, args, ctx) {
      const mode = (args as { mode?: unknown }).mode;
      if (mode !== 'active' && mode !== 'reducing' && mode !== 'paused') {
        throw new Error(`mode.set: mode must be "active", "reducing" or "paused", got ${JSON.stringify(mode)}`);
      }
      const reason = (args as { reason?: unknown }).reason;
      return apply(state, { type: 'SET_MODE', mode, source: 'admin', reason: typeof reason === 'string' && reason.trim() ? reason : `operator set mode ${mode}`, atMs: ctx.clock.now() }, ctx);
    },
    status: (state, _args, ctx) => status(state, ctx),
  },
  describe(state) {
    const snapshot = state.machine.getSnapshot();
    return { state: String(snapshot.value), last: snapshot.context.last ?? null, startedFrom: state.startedFrom, delivery: deliveryStatus(state.deliveries) };
  },
  stop(state) {
    state.machine.stop();
  },
});
