import { assign, setup, type SnapshotFrom } from 'xstate';
import { TradingState, tradingStateName } from '../../src/domain/messages.js';

/**
 * The trading state: ACTIVE -> REDUCING (only orders that shrink a position) -> PAUSED
 * (no new orders, open ones stay) -> HALTED (cancel everything, no new orders).
 *
 * - A trip goes to HALTED from anywhere and HALTED is latched: only RESET leaves it, and a
 *   reset needs a reason.
 * - Operators move between ACTIVE, REDUCING and PAUSED with SET_MODE, never out of HALTED.
 * - Every transition is recorded with its source, reason and time.
 */
export type Mode = 'active' | 'reducing' | 'paused';
export type TransitionSource = 'admin' | 'gpio-button' | 'gpio-tamper' | 'risk-panic' | 'dead-man' | 'startup-latch' | 'shutdown' | 'supervisor';

export interface Transition {
  seq: number;
  from: string;
  to: string;
  source: TransitionSource;
  reason: string;
  atMs: number;
}

export type TradingEvent =
  | { type: 'TRIP'; source: TransitionSource; reason: string; atMs: number }
  | { type: 'RESET'; source: TransitionSource; reason: string; atMs: number }
  | { type: 'SET_MODE'; mode: Mode; source: TransitionSource; reason: string; atMs: number };

export interface TradingContext {
  seq: number;
  last: Transition | undefined;
  /** Most recent transitions, newest last. */
  history: Transition[];
}

const HISTORY_LIMIT = 200;
export const stateOfMode: Record<Mode, TradingState> = {
  active: TradingState.ACTIVE,
  reducing: TradingState.REDUCING,
  paused: TradingState.PAUSED,
};

const isMode = (mode: Mode) => ({ event }: { event: TradingEvent }) => event.type === 'SET_MODE' && event.mode === mode;

export const tradingStateMachine = setup({
  types: {
    context: {} as TradingContext,
    events: {} as TradingEvent,
    input: {} as { initial: TradingContext },
  },
  actions: {
    record: assign(({ context, event }, params: { from: string; to: string }) => {
      const transition: Transition = {
        seq: context.seq + 1,
        from: params.from,
        to: params.to,
        source: event.source,
        reason: event.reason,
        atMs: event.atMs,
      };
      const history = context.history.length >= HISTORY_LIMIT ? context.history.slice(1) : context.history.slice();
      history.push(transition);
      return { seq: transition.seq, last: transition, history };
    }),
  },
  guards: {
    toActive: isMode('active'),
    toReducing: isMode('reducing'),
    toPaused: isMode('paused'),
  },
}).createMachine({
  id: 'trading-state',
  context: ({ input }) => input.initial,
  initial: 'HALTED',
  states: {
    ACTIVE: {
      on: {
        TRIP: { target: 'HALTED', actions: { type: 'record', params: { from: 'ACTIVE', to: 'HALTED' } } },
        SET_MODE: [
          { guard: 'toReducing', target: 'REDUCING', actions: { type: 'record', params: { from: 'ACTIVE', to: 'REDUCING' } } },
          { guard: 'toPaused', target: 'PAUSED', actions: { type: 'record', params: { from: 'ACTIVE', to: 'PAUSED' } } },
        ],
      },
    },
    REDUCING: {
      on: {
        TRIP: { target: 'HALTED', actions: { type: 'record', params: { from: 'REDUCING', to: 'HALTED' } } },
        SET_MODE: [
          { guard: 'toActive', target: 'ACTIVE', actions: { type: 'record', params: { from: 'REDUCING', to: 'ACTIVE' } } },
          { guard: 'toPaused', target: 'PAUSED', actions: { type: 'record', params: { from: 'REDUCING', to: 'PAUSED' } } },
        ],
      },
    },
    PAUSED: {
      on: {
        TRIP: { target: 'HALTED', actions: { type: 'record', params: { from: 'PAUSED', to: 'HALTED' } } },
        SET_MODE: [
          { guard: 'toActive', target: 'ACTIVE', actions: { type: 'record', params: { from: 'PAUSED', to: 'ACTIVE' } } },
          { guard: 'toReducing', target: 'REDUCING', actions: { type: 'record', params: { from: 'PAUSED', to: 'REDUCING' } } },
        ],
      },
    },
    HALTED: {
      on: {
        // A second trip while halted is still recorded: the operator sees every cause.
        TRIP: { target: 'HALTED', reenter: false, actions: { type: 'record', params: { from: 'HALTED', to: 'HALTED' } } },
        RESET: { target: 'ACTIVE', actions: { type: 'record', params: { from: 'HALTED', to: 'ACTIVE' } } },
      },
    },
  },
});

export type TradingSnapshot = SnapshotFrom<typeof tradingStateMachine>;

export function stateValueOf(snapshot: TradingSnapshot): TradingState {
  const name = String(snapshot.value) as keyof typeof TradingState;
  return TradingState[name];
}

export function stateName(state: TradingState): string {
  return tradingStateName(state);
}

export class TransitionRefused extends Error {
  override readonly name = 'TransitionRefused';
  constructor(
    readonly code: 'latched' | 'reason_required' | 'not_halted' | 'same_mode',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why an event would be refused, as a message an operator can act on; undefined when it
 * is allowed. Checked before sending so that refusals are errors, not silent no-ops.
 */
export function refusal(snapshot: TradingSnapshot, event: TradingEvent): TransitionRefused | undefined {
  const current = String(snapshot.value);
  if (event.reason.trim() === '') {
    return new TransitionRefused('reason_required', `${event.type === 'RESET' ? 'a reset' : 'a transition'} needs a reason (who and why), none given`);
  }
  if (event.type === 'RESET' && current !== 'HALTED') {
    return new TransitionRefused('not_halted', `reset only leaves HALTED; the trading state is ${current}`);
  }
  if (event.type === 'SET_MODE') {
    if (current === 'HALTED') {
      return new TransitionRefused('latched', `HALTED is latched: reset it with a reason before setting mode "${event.mode}"`);
    }
    if (stateOfMode[event.mode] === stateValueOf(snapshot)) {
      return new TransitionRefused('same_mode', `the trading state is already ${current}`);
    }
  }
  return undefined;
}
