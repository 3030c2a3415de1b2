/**
 * The life of one order, from the intent risk approved to the venue's last word on it.
 *
 * The transition table below is the single source of truth: the XState machine is generated
 * from it, the docs render it, and the tests walk every cell. Venue reports arrive out of order
 * (REST responses race the user-data stream, fills race cancel acks), so the table accepts the
 * orders of events that really happen (late acks, late fills, duplicate terminal reports) and
 * turns everything else into an explicit invalid-transition outcome, never a silent drop.
 *
 * Quantities are kept on the instrument's step grid as integer step counts, so "fully filled"
 * is an exact integer comparison, not a float one.
 */
import { assign, enqueueActions, initialTransition, setup, transition, type SnapshotFrom } from 'xstate';
import { RejectReason, Side, type Liquidity, type OrderType } from '../../src/domain/messages.js';
import { incrementCount, multipleOf } from '../../src/domain/instrument.js';

export const ORDER_STATUSES = [
  'INITIALIZED',
  'DENIED',
  'SUBMITTED',
  'ACCEPTED',
  'PARTIALLY_FILLED',
  'FILLED',
  'PENDING_CANCEL',
  'CANCELED',
  'REJECTED',
  'EXPIRED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The events of the table. A venue fill is classified into PARTIAL_FILL / FULL_FILL / OVERFILL
 * by the cumulative quantity it produces (see `classifyOrderEvent`).
 */
export const LIFECYCLE_EVENTS = [
  'DENY',
  'SUBMIT',
  'ACCEPT',
  'PARTIAL_FILL',
  'FULL_FILL',
  'OVERFILL',
  'CANCEL_REQUEST',
  'CANCEL_REJECTED',
  'CANCELED',
  'REJECT',
  'EXPIRE',
] as const;
export type LifecycleEventKey = (typeof LIFECYCLE_EVENTS)[number];

/**
 * RESUME = back to the open state the order's quantities describe: PARTIALLY_FILLED when it has
 * fills, else ACCEPTED when the venue acknowledged it, else SUBMITTED.
 */
export type TransitionTarget = OrderStatus | 'RESUME' | null;

const _ = null;
/* prettier-ignore */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, Readonly<Record<LifecycleEventKey, TransitionTarget>>>> = {
  INITIALIZED:      { DENY: 'DENIED', SUBMIT: 'SUBMITTED', ACCEPT: _, PARTIAL_FILL: _, FULL_FILL: _, OVERFILL: _, CANCEL_REQUEST: _, CANCEL_REJECTED: _, CANCELED: _, REJECT: _, EXPIRE: _ },
  DENIED:           { DENY: _, SUBMIT: _, ACCEPT: _, PARTIAL_FILL: _, FULL_FILL: _, OVERFILL: _, CANCEL_REQUEST: _, CANCEL_REJECTED: _, CANCELED: _, REJECT: _, EXPIRE: _ },
  SUBMITTED:        { DENY: _, SUBMIT: _, ACCEPT: 'ACCEPTED', PARTIAL_FILL: 'PARTIALLY_FILLED', FULL_FILL: 'FILLED', OVERFILL: 'FILLED', CANCEL_REQUEST: 'PENDING_CANCEL', CANCEL_REJECTED: _, CANCELED: 'CANCELED', REJECT: 'REJECTED', EXPIRE: 'EXPIRED' },
  ACCEPTED:         { DENY: _, SUBMIT: _, ACCEPT: 'ACCEPTED', PARTIAL_FILL: 'PARTIALLY_FILLED', FULL_FILL: 'FILLED', OVERFILL: 'FILLED', CANCEL_REQUEST: 'PENDING_CANCEL', CANCEL_REJECTED: _, CANCELED: 'CANCELED', REJECT: _, EXPIRE: 'EXPIRED' },
  PARTIALLY_FILLED: { DENY: _, SUBMIT: _, ACCEPT: 'PARTIALLY_FILLED', PARTIAL_FILL: 'PARTIALLY_FILLED', FULL_FILL: 'FILLED', OVERFILL: 'FILLED', CANCEL_REQUEST: 'PENDING_CANCEL', CANCEL_REJECTED: _, CANCELED: 'CANCELED', REJECT: _, EXPIRE: 'EXPIRED' },
  FILLED:           { DENY: _, SUBMIT: _, ACCEPT: 'FILLED', PARTIAL_FILL: _, FULL_FILL: _, OVERFILL: 'FILLED', CANCEL_REQUEST: _, CANCEL_REJECTED: 'FILLED', CANCELED: _, REJECT: _, EXPIRE: _ },
  PENDING_CANCEL:   { DENY: _, SUBMIT: _, ACCEPT: 'PENDING_CANCEL', PARTIAL_FILL: 'PENDING_CANCEL', FULL_FILL: 'FILLED', OVERFILL: 'FILLED', CANCEL_REQUEST: _, CANCEL_REJECTED: 'RESUME', CANCELED: 'CANCELED', REJECT: 'REJECTED', EXPIRE: 'EXPIRED' },
  CANCELED:         { DENY: _, SUBMIT: _, ACCEPT: 'CANCELED', PARTIAL_FILL: 'CANCELED', FULL_FILL: 'FILLED', OVERFILL: 'FILLED', CANCEL_REQUEST: _, CANCEL_REJECTED: _, CANCELED: 'CANCELED', REJECT: _, EXPIRE: _ },
  REJECTED:         { DENY: _, SUBMIT: _, ACCEPT: _, PARTIAL_FILL: _, FULL_FILL: _, OVERFILL: _, CANCEL_REQUEST: _, CANCEL_REJECTED: _, CANCELED: _, REJECT: 'REJECTED', EXPIRE: _ },
  EXPIRED:          { DENY: _, SUBMIT: _, ACCEPT: 'EXPIRED', PARTIAL_FILL: 'EXPIRED', FULL_FILL: 'FILLED', OVERFILL: 'FILLED', CANCEL_REQUEST: _, CANCEL_REJECTED: 'EXPIRED', CANCELED: _, REJECT: _, EXPIRE: 'EXPIRED' },
};

/** States in which the venue may still trade the order (it counts as open exposure). */
export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set(['SUBMITTED', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL']);

/** States in which no further venue trading is expected (late fills are still accepted). */
export const isTerminalStatus = (s: OrderStatus): boolean => !OPEN_STATUSES.has(s) && s !== 'INITIALIZED';

/** A fill received in one of these states is a late fill: the venue traded before our view caught up. */
const LATE_FILL_STATUSES: ReadonlySet<OrderStatus> = new Set(['PENDING_CANCEL', 'CANCELED', 'EXPIRED']);

export interface NewOrder {
  orderId: number;
  clientOrderId: string;
  strategy: number;
  intentId: number;
  venue: number;
  instrument: number;
  side: Side;
  type: OrderType;
  price: number;
  qty: number;
  /** The instrument's step size: quantities are tracked as whole steps. */
  stepSize: number;
}

export interface OrderFillRecord {
  tradeId: number;
  qty: number;
  price: number;
  fee: number;
  tsUs: number;
  /**
   * The venue's side of the trade, kept so the recorder can rebuild the `fills` row from the journal
   * (actors/recorder/journal-backfill.ts). Absent in journal lines written before they were kept.
   */
  liquidity?: Liquidity;
  exchangeTsMs?: number;
  /** Arrived after a cancel request, a cancel or an expiry. */
  late: boolean;
  statusAtArrival: OrderStatus;
}

export type OrderEvent =
  | { type: 'DENY'; reason: RejectReason }
  | { type: 'SUBMIT'; tsUs: number }
  | { type: 'ACCEPT'; venueOrderId: number }
  | { type: 'FILL'; tradeId: number; qty: number; price: number; fee: number; tsUs: number; liquidity?: Liquidity; exchangeTsMs?: number }
  | { type: 'CANCEL_REQUEST' }
  | { type: 'CANCEL_REJECTED'; reason: RejectReason }
  | { type: 'CANCELED' }
  | { type: 'REJECT'; reason: RejectReason }
  | { type: 'EXPIRE' };

export type StepOutcome =
  | {
      ok: true;
      from: OrderStatus;
      to: OrderStatus;
      event: LifecycleEventKey;
      /** A fill whose tradeId was already recorded: nothing changed. */
      duplicate: boolean;
      lateFill: boolean;
      overfill: boolean;
    }
  | { ok: false; from: OrderStatus; event: LifecycleEventKey | 'INVALID_FILL'; error: string };

export interface OrderRecord extends NewOrder {
  venueOrderId: number;
  acknowledged: boolean;
  submittedTsUs: number;
  cumQty: number;
  /** Σ qty × price of all fills, for the volume-weighted average price. */
  cumNotional: number;
  avgPrice: number;
  /** Never negative; an overfill shows in `overfillQty` instead. */
  leavesQty: number;
  fees: number;
  fills: OrderFillRecord[];
  lateFillQty: number;
  overfillQty: number;
  rejectReason: RejectReason;
  lastOutcome: StepOutcome | null;
}

export type OrderEmitted =
  | { type: 'order.invalidTransition'; orderId: number; from: OrderStatus; event: string; error: string }
  | { type: 'order.overfill'; orderId: number; overfillQty: number }
  | { type: 'order.lateFill'; orderId: number; qty: number; status: OrderStatus };

function validateNewOrder(o: NewOrder): void {
  const bad = (field: string, value: unknown, need: string): never => {
    throw new RangeError(`order ${o.orderId}: ${field} ${need}, got ${String(value)}`);
  };
  if (!Number.isSafeInteger(o.orderId)) bad('orderId', o.orderId, 'must be a safe integer');
  if (typeof o.clientOrderId !== 'string' || o.clientOrderId.length === 0) bad('clientOrderId', o.clientOrderId, 'must be a non-empty string');
  if (o.side !== Side.BUY && o.side !== Side.SELL) bad('side', o.side, 'must be Side.BUY or Side.SELL');
  if (!(Number.isFinite(o.stepSize) && o.stepSize > 0)) bad('stepSize', o.stepSize, 'must be a finite number > 0');
  if (!(Number.isFinite(o.qty) && o.qty > 0)) bad('qty', o.qty, 'must be a finite number > 0');
  if (!(Number.isFinite(o.price) && o.price >= 0)) bad('price', o.price, 'must be a finite number >= 0');
}

function newOrderRecord(input: NewOrder): OrderRecord {
  validateNewOrder(input);
  const qty = multipleOf(incrementCount(input.qty, input.stepSize), input.stepSize);
  return {
    ...input,
    qty,
    venueOrderId: 0,
    acknowledged: false,
    submittedTsUs: 0,
    cumQty: 0,
    cumNotional: 0,
    avgPrice: 0,
    leavesQty: qty,
    fees: 0,
    fills: [],
    lateFillQty: 0,
    overfillQty: 0,
    rejectReason: RejectReason.NONE,
    lastOutcome: null,
  };
}

function isValidFill(e: Extract<OrderEvent, { type: 'FILL' }>): boolean {
  return Number.isFinite(e.qty) && e.qty > 0 && Number.isFinite(e.price) && e.price > 0 && Number.isFinite(e.fee);
}

/** Which table column an event falls in, given the order's quantities. */
export function classifyOrderEvent(order: OrderRecord, event: OrderEvent): LifecycleEventKey {
  if (event.type !== 'FILL') return event.type;
  const steps = (q: number): number => incrementCount(q, order.stepSize);
  const leavesAfter = steps(order.qty) - steps(order.cumQty) - steps(event.qty);
  if (leavesAfter > 0) return 'PARTIAL_FILL';
  return leavesAfter === 0 ? 'FULL_FILL' : 'OVERFILL';
}

export function resumeStatus(order: OrderRecord): OrderStatus {
  if (order.cumQty > 0) return 'PARTIALLY_FILLED';
  return order.acknowledged ? 'ACCEPTED' : 'SUBMITTED';
}

const isDuplicateFill = (order: OrderRecord, event: OrderEvent): boolean =>
  event.type === 'FILL' && order.fills.some((f) => f.tradeId === event.tradeId);

/** The fill's liquidity and venue time, where the event carries them (a fill rebuilt from the database or a venue does). */
function venueSide(event: Extract<OrderEvent, { type: 'FILL' }>): Pick<OrderFillRecord, 'liquidity' | 'exchangeTsMs'> {
  return {
    ...(event.liquidity === undefined ? {} : { liquidity: event.liquidity }),
    ...(event.exchangeTsMs === undefined ? {} : { exchangeTsMs: event.exchangeTsMs }),
  };
}

/** The record after a valid transition `from --key--> to` caused by `event`. */
function applyValidEvent(order: OrderRecord, event: OrderEvent, from: OrderStatus, to: OrderStatus, key: LifecycleEventKey): OrderRecord {
  const outcome = { ok: true as const, from, to, event: key, duplicate: false, lateFill: false, overfill: false };
  switch (event.type) {
    case 'DENY':
    case 'REJECT':
      return { ...order, rejectReason: event.reason, leavesQty: event.type === 'REJECT' ? 0 : order.leavesQty, lastOutcome: outcome };
    case 'SUBMIT':
      return { ...order, submittedTsUs: event.tsUs, lastOutcome: outcome };
    case 'ACCEPT':
      return { ...order, acknowledged: true, venueOrderId: event.venueOrderId || order.venueOrderId, lastOutcome: outcome };
    case 'CANCELED':
    case 'EXPIRE':
      return { ...order, acknowledged: true, leavesQty: 0, lastOutcome: outcome };
    case 'CANCEL_REJECTED':
      return { ...order, lastOutcome: outcome };
    case 'CANCEL_REQUEST':
      return { ...order, lastOutcome: outcome };
    case 'FILL': {
      const step = order.stepSize;
      const cumSteps = incrementCount(order.cumQty, step) + incrementCount(event.qty, step);
      const cumQty = multipleOf(cumSteps, step);
      const cumNotional = order.cumNotional + event.qty * event.price;
      const qtySteps = incrementCount(order.qty, step);
      const late = LATE_FILL_STATUSES.has(from);
      const overfillQty = multipleOf(Math.max(0, cumSteps - qtySteps), step);
      // An order that stopped trading (canceled/expired) has nothing left open even after a late fill.
      const stillOpen = to === 'PARTIALLY_FILLED' || to === 'PENDING_CANCEL';
      return {
        ...order,
        acknowledged: true,
        cumQty,
        cumNotional,
        avgPrice: cumNotional / cumQty,
        leavesQty: stillOpen ? multipleOf(Math.max(0, qtySteps - cumSteps), step) : 0,
        fees: order.fees + event.fee,
        fills: [...order.fills, { tradeId: event.tradeId, qty: event.qty, price: event.price, fee: event.fee, tsUs: event.tsUs, ...venueSide(event), late, statusAtArrival: from }],
        // In whole steps like cumQty: a double sum of late fills would drift off the grid.
        lateFillQty: late ? multipleOf(incrementCount(order.lateFillQty, step) + incrementCount(event.qty, step), step) : order.lateFillQty,
        overfillQty,
        lastOutcome: { ...outcome, lateFill: late, overfill: overfillQty > 0 },
      };
    }
  }
}

const orderLifecycleSetup = setup({
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- xstate's typing idiom: the machine's types come from this assertion
  types: {} as { context: OrderRecord; events: OrderEvent; input: NewOrder; emitted: OrderEmitted },
  guards: {
    isInvalidFill: ({ event }) => event.type === 'FILL' && !isValidFill(event),
    isDuplicateFill: ({ context, event }) => isDuplicateFill(context, event),
    classifiesAs: ({ context, event }, params: { key: LifecycleEventKey }) => classifyOrderEvent(context, event) === params.key,
    resumesTo: ({ context, event }, params: { key: LifecycleEventKey; status: OrderStatus }) =>
      classifyOrderEvent(context, event) === params.key && resumeStatus(context) === params.status,
  },
  actions: {
    applyEvent: enqueueActions(({ context, event, enqueue }, params: { from: OrderStatus; to: OrderStatus; key: LifecycleEventKey }) => {
      const next = applyValidEvent(context, event, params.from, params.to, params.key);
      enqueue.assign(next);
      if (next.overfillQty > context.overfillQty) enqueue.emit({ type: 'order.overfill', orderId: context.orderId, overfillQty: next.overfillQty });
      if (event.type === 'FILL' && LATE_FILL_STATUSES.has(params.from)) {
        enqueue.emit({ type: 'order.lateFill', orderId: context.orderId, qty: event.qty, status: params.from });
      }
    }),
    markDuplicate: assign(({ context, event }, params: { from: OrderStatus }) => ({
      lastOutcome: { ok: true as const, from: params.from, to: params.from, event: classifyOrderEvent(context, event), duplicate: true, lateFill: false, overfill: false },
    })),
    reportInvalid: enqueueActions(({ context, event, enqueue }, params: { from: OrderStatus; invalidFill: boolean }) => {
      const key = params.invalidFill ? 'INVALID_FILL' : classifyOrderEvent(context, event);
      const error = params.invalidFill
        ? `order ${context.orderId}: fill needs qty > 0, price > 0 and a finite fee, got ${JSON.stringify(event)}`
        : `order ${context.orderId}: event ${key} is not valid in state ${params.from}`;
      enqueue.assign({ lastOutcome: { ok: false, from: params.from, event: key, error } });
      enqueue.emit({ type: 'order.invalidTransition', orderId: context.orderId, from: params.from, event: key, error });
    }),
  },
});

type TransitionConfig = {
  guard?: ReturnType<typeof guardRef>;
  target?: OrderStatus;
  actions: ReturnType<typeof actionRef>;
};

/** Identity helpers: the generated config names guards and actions, and these keep the names and params type-checked. */
function guardRef(g: { type: 'isInvalidFill' } | { type: 'isDuplicateFill' } | { type: 'classifiesAs'; params: { key: LifecycleEventKey } } | { type: 'resumesTo'; params: { key: LifecycleEventKey; status: OrderStatus } }) {
  return g;
}
function actionRef(a: { type: 'applyEvent'; params: { from: OrderStatus; to: OrderStatus; key: LifecycleEventKey } } | { type: 'markDuplicate'; params: { from: OrderStatus } } | { type: 'reportInvalid'; params: { from: OrderStatus; invalidFill: boolean } }) {
  return a;
}

/** Which table columns each machine event can fall in. */
const EVENT_KEYS: Record<OrderEvent['type'], readonly LifecycleEventKey[]> = {
  DENY: ['DENY'],
  SUBMIT: ['SUBMIT'],
  ACCEPT: ['ACCEPT'],
  FILL: ['PARTIAL_FILL', 'FULL_FILL', 'OVERFILL'],
  CANCEL_REQUEST: ['CANCEL_REQUEST'],
  CANCEL_REJECTED: ['CANCEL_REJECTED'],
  CANCELED: ['CANCELED'],
  REJECT: ['REJECT'],
  EXPIRE: ['EXPIRE'],
};

function transitionsFor(from: OrderStatus, eventType: OrderEvent['type']): TransitionConfig[] {
  const list: TransitionConfig[] = [];
  if (eventType === 'FILL') {
    list.push({ guard: guardRef({ type: 'isInvalidFill' }), actions: actionRef({ type: 'reportInvalid', params: { from, invalidFill: true } }) });
    list.push({ guard: guardRef({ type: 'isDuplicateFill' }), actions: actionRef({ type: 'markDuplicate', params: { from } }) });
  }
  for (const key of EVENT_KEYS[eventType]) {
    const target = ORDER_TRANSITIONS[from][key];
    if (target === null) continue;
    const targets: OrderStatus[] = target === 'RESUME' ? ['PARTIALLY_FILLED', 'ACCEPTED', 'SUBMITTED'] : [target];
    for (const to of targets) {
      list.push({
        guard: guardRef(target === 'RESUME' ? { type: 'resumesTo', params: { key, status: to } } : { type: 'classifiesAs', params: { key } }),
        target: to,
        actions: actionRef({ type: 'applyEvent', params: { from, to, key } }),
      });
    }
  }
  list.push({ actions: actionRef({ type: 'reportInvalid', params: { from, invalidFill: false } }) });
  return list;
}

function statesConfig() {
  const states: Record<string, { on: Record<string, TransitionConfig[]> }> = {};
  for (const from of ORDER_STATUSES) {
    const on: Record<string, TransitionConfig[]> = {};
    for (const eventType of Object.keys(EVENT_KEYS) as OrderEvent['type'][]) on[eventType] = transitionsFor(from, eventType);
    states[from] = { on };
  }
  return states;
}

/**
 * No state is `final`: late fills and duplicate reports still reach CANCELED, EXPIRED and
 * FILLED orders, and a stopped actor could not record them.
 */
export const orderLifecycleMachine = orderLifecycleSetup.createMachine({
  id: 'order',
  initial: 'INITIALIZED',
  context: ({ input }) => newOrderRecord(input),
  states: statesConfig(),
});

export type OrderSnapshot = SnapshotFrom<typeof orderLifecycleMachine>;

export interface OrderStep {
  snapshot: OrderSnapshot;
  status: OrderStatus;
  order: OrderRecord;
  outcome: StepOutcome;
}

export const statusOf = (snapshot: OrderSnapshot): OrderStatus => snapshot.value as OrderStatus;

/** Throws a RangeError naming the bad field (XState would otherwise turn it into an error snapshot). */
export function createOrder(input: NewOrder): OrderSnapshot {
  validateNewOrder(input);
  return initialTransition(orderLifecycleMachine, input)[0];
}

/** Pure: the next snapshot and what happened. Emitted events are for actors; this returns the same facts. */
export function applyOrderEvent(snapshot: OrderSnapshot, event: OrderEvent): OrderStep {
  const [next] = transition(orderLifecycleMachine, snapshot, event);
  const outcome = next.context.lastOutcome;
  if (outcome === null) throw new Error(`order ${snapshot.context.orderId}: transition of ${event.type} recorded no outcome`);
  return { snapshot: next, status: statusOf(next), order: next.context, outcome };
}

/** Rehydrate an order (after a restart, from persisted records) in a given status. */
export function restoreOrder(status: OrderStatus, order: OrderRecord): OrderSnapshot {
  return orderLifecycleMachine.resolveState({ value: status, context: order });
}

/** The table as Markdown, for docs/trading-logic.md (a test keeps the two in sync). */
export function renderTransitionTableMarkdown(): string {
  const header = `| state | ${LIFECYCLE_EVENTS.join(' | ')} |`;
  const rule = `| --- | ${LIFECYCLE_EVENTS.map(() => '---').join(' | ')} |`;
  const rows = ORDER_STATUSES.map((s) => `| ${s} | ${LIFECYCLE_EVENTS.map((e) => ORDER_TRANSITIONS[s][e] ?? '·').join(' | ')} |`);
  return [header, rule, ...rows].join('\n');
}
