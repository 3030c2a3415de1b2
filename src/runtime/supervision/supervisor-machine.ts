import { assign, fromPromise, setup } from 'xstate';
import type { Random } from '../../domain/random.js';
import { initialBackoff, restartCompleted, type BackoffState } from './backoff.js';
import {
  executePlan,
  startEverythingPlan,
  stopAllChildren,
  type ChildFailure,
  type LifecycleContext,
  type RestartPlan,
} from './child-lifecycle.js';
import type { ChildSlot } from './child-slot.js';
import { describeExit, toSerializedError } from './exit-reason.js';
import { decideFailure, type FailureDecision } from './failure-decision.js';
import { emptyRestartWindow, type RestartWindow } from './restart-intensity.js';
import type { NodeStatus } from './snapshot.js';
import type { SupervisorNodeSpec } from './tree-spec.js';

/** What one supervisor machine works on: its node, its children's slots, its effects. */
export interface SupervisorCore {
  readonly node: SupervisorNodeSpec;
  readonly slots: readonly ChildSlot[];
  readonly lifecycle: LifecycleContext;
  readonly random: Random;
  readonly parentPath: string | undefined;
  /** Actors (paths) that declared `depends_on` this subtree; told about its breaker. */
  readonly dependants: readonly string[];
}

export type SupervisorEvent =
  | { type: 'START' }
  | { type: 'STOP' }
  | { type: 'CHILD_EXITED'; failure: ChildFailure }
  /** Operator restart of one child: graceful, outside the intensity count and backoff. */
  | { type: 'RESTART_CHILD'; index: number };

interface Decided {
  readonly failure: ChildFailure;
  readonly outcome: FailureDecision;
}

export interface SupervisorContext {
  readonly core: SupervisorCore;
  readonly window: RestartWindow;
  readonly backoff: BackoffState;
  /** Failures that arrived while a plan was running, decided once it is done (OTP's mailbox). */
  readonly pending: readonly ChildFailure[];
  readonly decided: Decided | undefined;
  readonly plan: RestartPlan;
  /** Why the supervisor last gave up or its breaker opened. */
  readonly cause: string;
}

/** A failure of the incarnation that is current and that nobody asked to stop. */
function isLive(core: SupervisorCore, failure: ChildFailure): boolean {
  const slot = core.slots[failure.index];
  return slot !== undefined && slot.generation === failure.generation && !slot.stopRequested;
}

function decide(context: SupervisorContext, failure: ChildFailure): Partial<SupervisorContext> {
  const { core } = context;
  if (!isLive(core, failure)) return { decided: undefined };
  const outcome = decideFailure(
    {
      strategy: core.node.strategy,
      intensity: core.node.intensity,
      periodMs: core.node.periodMs,
      backoffSpec: core.node.backoff,
      restartTypes: core.slots.map((slot) => (slot.node.type === 'actor' ? slot.node.restart : 'permanent')),
      window: context.window,
      backoff: context.backoff,
      nowMs: core.lifecycle.now(),
      random: core.random,
    },
    failure.index,
    failure.reason,
  );
  const cause = `${core.slots[failure.index]!.path} ${describeExit(failure.reason)}`;
  if (outcome.action === 'leave-down') return { decided: { failure, outcome } };
  if (outcome.action === 'give-up') return { decided: { failure, outcome }, window: outcome.window, cause };
  return {
    decided: { failure, outcome },
    window: outcome.window,
    backoff: outcome.backoff,
    plan: { restart: outcome.children, cause: failure.index, delayMs: outcome.delayMs },
    cause,
  };
}

const runPlan = {
  src: 'executePlan',
  input: ({ context }: { context: SupervisorContext }) => ({ core: context.core, plan: context.plan }),
} as const;

export const supervisorMachine = setup({
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- xstate's typing idiom: the machine's types come from this assertion
  types: {} as {
    context: SupervisorContext;
    events: SupervisorEvent;
    input: { core: SupervisorCore };
  },
  actors: {
    executePlan: fromPromise<ChildFailure | undefined, { core: SupervisorCore; plan: RestartPlan }>(({ input, signal }) =>
      executePlan(input.core.lifecycle, input.core.slots, input.plan, signal),
    ),
    stopAll: fromPromise<void, { core: SupervisorCore }>(({ input }) => stopAllChildren(input.core.lifecycle, input.core.slots)),
  },
  delays: {
    resetTimeout: ({ context }) => context.core.node.resetTimeoutMs,
  },
  guards: {
    exitIsLive: ({ context, event }) => event.type === 'CHILD_EXITED' && isLive(context.core, event.failure),
    hasPending: ({ context }) => context.pending.length > 0,
    decidedGiveUp: ({ context }) => context.decided?.outcome.action === 'give-up',
    decidedRestart: ({ context }) => context.decided?.outcome.action === 'restart',
    someoneAwaitsStart: ({ context }) => context.core.slots.some((slot) => slot.awaitingStart),
    isolated: ({ context }) => context.core.node.isolated,
    planHitFailure: ({ event }) => (event as unknown as { output: ChildFailure | undefined }).output !== undefined,
    restartTargetExists: ({ context, event }) => event.type === 'RESTART_CHILD' && context.core.slots[event.index] !== undefined,
  },
  actions: {
    markAllAwaitingStart: ({ context }) => {
      for (const slot of context.core.slots) slot.awaitingStart = true;
    },
    /** After a breaker opened, temporary children stay down like after any other stop. */
    markRestartableAwaitingStart: ({ context }) => {
      for (const slot of context.core.slots) slot.awaitingStart = slot.node.type === 'supervisor' || slot.node.restart !== 'temporary';
    },
    queueExit: assign({
      pending: ({ context, event }) => (event.type === 'CHILD_EXITED' ? [...context.pending, event.failure] : context.pending),
    }),
    decideOnExit: assign(({ context, event }) => (event.type === 'CHILD_EXITED' ? decide(context, event.failure) : {})),
    decideOnPending: assign(({ context }) => ({ ...decide(context, context.pending[0]!), pending: context.pending.slice(1) })),
    decideOnPlanFailure: assign(({ context, event }) => {
      const failure = (event as unknown as { output: ChildFailure | undefined }).output;
      return failure ? decide(context, failure) : {};
    }),
    planResume: assign({ plan: () => startEverythingPlan }),
    planRequestedRestart: assign({
      plan: ({ event }) => (event.type === 'RESTART_CHILD' ? { restart: [event.index], cause: event.index, delayMs: 0 } : startEverythingPlan),
    }),
    announceDecision: ({ context }) => {
      const { core, decided } = context;
      if (!decided) return;
      const { outcome } = decided;
      const slot = core.slots[decided.failure.index]!;
      if (outcome.action === 'leave-down') slot.status = 'stopped';
      else if (outcome.action === 'give-up') {
        core.lifecycle.emit({
          type: 'supervisor-gave-up',
          supervisor: core.node.path,
          cause: context.cause,
          restartsInPeriod: outcome.restartsInPeriod,
          intensity: core.node.intensity,
          periodMs: core.node.periodMs,
        });
      } else {
        core.lifecycle.emit({
          type: 'restarting',
          supervisor: core.node.path,
          cause: slot.path,
          children: outcome.children.map((i) => core.slots[i]!.path),
          delayMs: outcome.delayMs,
          restartsInPeriod: outcome.restartsInPeriod,
          requested: false,
        });
      }
    },
    announceRequestedRestart: ({ context, event }) => {
      if (event.type !== 'RESTART_CHILD') return;
      const path = context.core.slots[event.index]!.path;
      context.core.lifecycle.emit({
        type: 'restarting',
        supervisor: context.core.node.path,
        cause: path,
        children: [path],
        delayMs: 0,
        restartsInPeriod: context.window.restartTimes.length,
        requested: true,
      });
    },
    clearDecision: assign({ decided: undefined }),
    noteFailureCause: assign({
      cause: ({ context, event }) => {
        const failure = event.type === 'CHILD_EXITED' ? event.failure : (event as unknown as { output: ChildFailure | undefined }).output;
        return failure ? `${context.core.slots[failure.index]!.path} ${describeExit(failure.reason)} while half-open` : context.cause;
      },
    }),
    markRestartCompleted: assign({ backoff: ({ context }) => restartCompleted(context.backoff, context.core.lifecycle.now()) }),
    forgetFailures: assign({ window: emptyRestartWindow, backoff: initialBackoff, pending: [] }),
    noteInternalError: assign({
      cause: ({ event }) => `internal error: ${toSerializedError((event as unknown as { error: unknown }).error).message}`,
    }),
    announceEscalation: ({ context }) => {
      context.core.lifecycle.emit({ type: 'escalated', supervisor: context.core.node.path, to: context.core.parentPath });
    },
    announceBreakerOpened: ({ context }) => {
      context.core.lifecycle.emit({
        type: 'breaker-opened',
        supervisor: context.core.node.path,
        dependants: context.core.dependants,
        cause: context.cause,
        resetTimeoutMs: context.core.node.resetTimeoutMs,
      });
    },
    announceHalfOpen: ({ context }) => {
      context.core.lifecycle.emit({ type: 'breaker-half-open', supervisor: context.core.node.path, dependants: context.core.dependants });
    },
    announceBreakerClosed: ({ context }) => {
      context.core.lifecycle.emit({ type: 'breaker-closed', supervisor: context.core.node.path, dependants: context.core.dependants });
    },
    announceStopped: ({ context }) => {
      context.core.lifecycle.emit({ type: 'supervisor-stopped', supervisor: context.core.node.path });
    },
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    core: input.core,
    window: emptyRestartWindow,
    backoff: initialBackoff,
    pending: [],
    decided: undefined,
    plan: startEverythingPlan,
    cause: '',
  }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        START: { target: 'starting', actions: ['markAllAwaitingStart', 'planResume'] },
        STOP: 'stopped',
      },
    },
    starting: {
      invoke: {
        ...runPlan,
        onDone: [
          { guard: 'planHitFailure', target: 'deciding', actions: 'decideOnPlanFailure' },
          { target: 'running' },
        ],
        onError: { target: 'givingUp', actions: 'noteInternalError' },
      },
      on: {
        CHILD_EXITED: { guard: 'exitIsLive', actions: 'queueExit' },
        STOP: 'stopping',
      },
    },
    running: {
      always: { guard: 'hasPending', target: 'deciding', actions: 'decideOnPending' },
      on: {
        CHILD_EXITED: { guard: 'exitIsLive', target: 'deciding', actions: 'decideOnExit' },
        RESTART_CHILD: {
          guard: 'restartTargetExists',
          target: 'restarting',
          actions: ['planRequestedRestart', 'announceRequestedRestart'],
        },
        STOP: 'stopping',
      },
    },
    // transient: routes a decision, then forgets it
    deciding: {
      entry: 'announceDecision',
      always: [
        { guard: 'decidedGiveUp', target: 'givingUp', actions: 'clearDecision' },
        { guard: 'decidedRestart', target: 'restarting', actions: 'clearDecision' },
        { guard: 'someoneAwaitsStart', target: 'restarting', actions: ['clearDecision', 'planResume'] },
        { target: 'running', actions: 'clearDecision' },
      ],
    },
    restarting: {
      invoke: {
        ...runPlan,
        onDone: [
          { guard: 'planHitFailure', target: 'deciding', actions: 'decideOnPlanFailure' },
          { target: 'running', actions: 'markRestartCompleted' },
        ],
        onError: { target: 'givingUp', actions: 'noteInternalError' },
      },
      on: {
        CHILD_EXITED: { guard: 'exitIsLive', actions: 'queueExit' },
        STOP: 'stopping',
      },
    },
    givingUp: {
      invoke: {
        src: 'stopAll',
        input: ({ context }) => ({ core: context.core }),
        onDone: [
          { guard: 'isolated', target: 'open' },
          { target: 'failed' },
        ],
        onError: [
          { guard: 'isolated', target: 'open' },
          { target: 'failed' },
        ],
      },
      on: { STOP: 'stopping' },
    },
    failed: {
      entry: 'announceEscalation',
      on: { STOP: 'stopped' },
    },
    open: {
      entry: ['forgetFailures', 'announceBreakerOpened'],
      after: { resetTimeout: 'halfOpen' },
      on: { STOP: 'stopping' },
    },
    halfOpen: {
      entry: ['announceHalfOpen', 'markRestartableAwaitingStart', 'planResume'],
      invoke: {
        ...runPlan,
        onDone: [
          { guard: 'planHitFailure', target: 'reopening', actions: 'noteFailureCause' },
          { target: 'running', actions: ['announceBreakerClosed', 'markRestartCompleted'] },
        ],
        onError: { target: 'reopening', actions: 'noteInternalError' },
      },
      on: {
        CHILD_EXITED: { guard: 'exitIsLive', target: 'reopening', actions: 'noteFailureCause' },
        STOP: 'stopping',
      },
    },
    reopening: {
      invoke: {
        src: 'stopAll',
        input: ({ context }) => ({ core: context.core }),
        onDone: 'open',
        onError: 'open',
      },
      on: { STOP: 'stopping' },
    },
    stopping: {
      invoke: {
        src: 'stopAll',
        input: ({ context }) => ({ core: context.core }),
        onDone: 'stopped',
        onError: 'stopped',
      },
    },
    stopped: {
      type: 'final',
      entry: 'announceStopped',
    },
  },
});

export type SupervisorStateName = 'idle' | 'starting' | 'running' | 'deciding' | 'restarting' | 'givingUp' | 'failed' | 'open' | 'halfOpen' | 'reopening' | 'stopping' | 'stopped';

export function statusOf(state: SupervisorStateName): NodeStatus {
  switch (state) {
    case 'idle':
    case 'stopped':
      return 'stopped';
    case 'starting':
      return 'starting';
    case 'running':
      return 'running';
    case 'deciding':
    case 'restarting':
      return 'restarting';
    case 'givingUp':
    case 'stopping':
      return 'stopping';
    case 'failed':
      return 'failed';
    case 'open':
    case 'reopening':
      return 'open';
    case 'halfOpen':
      return 'half-open';
  }
}
