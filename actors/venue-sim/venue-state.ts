/**
 * What a venue emulator must keep across restarts (issue 11, section 4): its accounts'
 * balances, the fee and outside-market totals, every order (open or closed), every trade of
 * every account, and the next order and trade ids. Without it a restarted emulator starts
 * empty with ids from 1 again, and a bot that kept its own books sees new fills as duplicates
 * of old trade ids and positions the venue never held.
 *
 * Two JSON shapes, both plain data (amounts are 1e-8 units as integer strings, exact):
 * - VenueState, the whole state (the snapshot file), and
 * - VenueChange, what one engine operation changed (a journal line): the orders it touched
 *   in their new state, the trades it made, the balances and totals it moved, the next ids.
 * A change is a partial state, so loading is a fold of the journal's changes into the snapshot.
 * Everything here is pure; state-store.ts does the files.
 */
import { z } from 'zod';
import type { Ledger, LedgerState } from './accounts.js';
import type { EngineCommit, EngineState } from './matching-engine.js';
import type { Order, Fill } from './order-types.js';

export const VENUE_STATE_VERSION = 1;

const units = z.string().regex(/^-?[0-9]{1,30}$/, 'must be an integer amount in 1e-8 units, as a string');
const nonNegativeUnits = z.string().regex(/^[0-9]{1,30}$/, 'must be a non-negative integer amount in 1e-8 units, as a string');
const id = z.number().int().min(1);
const time = z.number().int().min(0);
const side = z.enum(['BUY', 'SELL']);
const asset = z.string().regex(/^[A-Z0-9]{1,10}$/, 'must be an asset name such as USDT');
const symbol = z.string().regex(/^[A-Z0-9]{2,20}$/, 'must be a venue symbol such as BTCUSDT');

const orderSchema = z.strictObject({
  orderId: id,
  clientOrderId: z.string().min(1),
  account: z.string().min(1),
  symbol,
  side,
  type: z.enum(['LIMIT', 'MARKET', 'LIMIT_MAKER']),
  timeInForce: z.enum(['GTC', 'IOC', 'FOK']).optional(),
  price: nonNegativeUnits,
  origQty: nonNegativeUnits,
  origQuoteOrderQty: nonNegativeUnits,
  executedQty: nonNegativeUnits,
  cummulativeQuoteQty: nonNegativeUnits,
  status: z.enum(['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']),
  time,
  updateTime: time,
  locked: nonNegativeUnits,
  lockedAsset: asset,
  sequence: id,
});

const fillSchema = z.strictObject({
  symbol,
  tradeId: id,
  orderId: id,
  account: z.string().min(1),
  side,
  price: nonNegativeUnits,
  qty: nonNegativeUnits,
  quoteQty: nonNegativeUnits,
  commission: nonNegativeUnits,
  commissionAsset: asset,
  isMaker: z.boolean(),
  time,
});

const accountSchema = z.strictObject({
  updateTime: time,
  /** asset -> [free, locked] */
  balances: z.record(asset, z.tuple([nonNegativeUnits, nonNegativeUnits])),
});

const parts = {
  nextOrderId: id,
  nextTradeIds: z.record(symbol, id),
  accounts: z.record(z.string().min(1), accountSchema),
  fees: z.record(asset, nonNegativeUnits),
  external: z.record(asset, units),
};

export const venueStateSchema = z.strictObject({
  v: z.literal(VENUE_STATE_VERSION),
  /** The last journal line folded into this state (0: none). */
  seq: z.number().int().min(0),
  ...parts,
  /** By order id, so a change replaces an order in O(1). */
  orders: z.record(z.string().regex(/^[1-9][0-9]*$/), orderSchema),
  fills: z.array(fillSchema),
});

export const venueChangeSchema = z.strictObject({
  seq: z.number().int().min(1),
  ...parts,
  orders: z.array(orderSchema),
  fills: z.array(fillSchema),
});

export type OrderState = z.infer<typeof orderSchema>;
export type FillState = z.infer<typeof fillSchema>;
export type AccountState = z.infer<typeof accountSchema>;
export type VenueState = z.infer<typeof venueStateSchema>;
export type VenueChange = z.infer<typeof venueChangeSchema>;

/** The problems of a value that should be a VenueState / VenueChange, each naming its field; empty when it is one. */
export function stateProblems(schema: typeof venueStateSchema | typeof venueChangeSchema, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
}

export const emptyVenueState = (): VenueState => ({
  v: VENUE_STATE_VERSION, seq: 0, nextOrderId: 1, nextTradeIds: {}, accounts: {}, fees: {}, external: {}, orders: {}, fills: [],
});

/**
 * Folds one journal line into `state`, in place (a long journal is replayed line by line, so
 * copying every order per line would be quadratic): orders replaced by id, trades appended,
 * balances, totals and next ids set. Returns the same object.
 */
export function applyChange(state: VenueState, change: VenueChange): VenueState {
  for (const order of change.orders) state.orders[String(order.orderId)] = order;
  for (const [name, account] of Object.entries(change.accounts)) {
    state.accounts[name] = { updateTime: account.updateTime, balances: { ...state.accounts[name]?.balances, ...account.balances } };
  }
  state.seq = change.seq;
  state.nextOrderId = change.nextOrderId;
  Object.assign(state.nextTradeIds, change.nextTradeIds);
  setTotals(state.fees, change.fees);
  setTotals(state.external, change.external);
  state.fills.push(...change.fills);
  return state;
}

/** A total of zero is left out, so a state is written one way whether a total was never moved or came back to zero. */
function setTotals(totals: Record<string, string>, changed: Record<string, string>): void {
  for (const [asset, amount] of Object.entries(changed)) {
    if (amount === '0') delete totals[asset];
    else totals[asset] = amount;
  }
}

export function orderState(order: Readonly<Order>): OrderState {
  return {
    orderId: order.orderId, clientOrderId: order.clientOrderId, account: order.account, symbol: order.symbol, side: order.side, type: order.type,
    ...(order.timeInForce !== undefined && { timeInForce: order.timeInForce }),
    price: String(order.price), origQty: String(order.origQty), origQuoteOrderQty: String(order.origQuoteOrderQty),
    executedQty: String(order.executedQty), cummulativeQuoteQty: String(order.cummulativeQuoteQty), status: order.status,
    time: order.time, updateTime: order.updateTime, locked: String(order.locked), lockedAsset: order.lockedAsset, sequence: order.sequence,
  };
}

export function orderFromState(state: OrderState): Order {
  return {
    ...state,
    timeInForce: state.timeInForce,
    price: BigInt(state.price), origQty: BigInt(state.origQty), origQuoteOrderQty: BigInt(state.origQuoteOrderQty),
    executedQty: BigInt(state.executedQty), cummulativeQuoteQty: BigInt(state.cummulativeQuoteQty), locked: BigInt(state.locked),
  };
}

export function fillState(fill: Fill): FillState {
  return {
    ...fill,
    price: String(fill.price), qty: String(fill.qty), quoteQty: String(fill.quoteQty), commission: String(fill.commission),
  };
}

export function fillFromState(state: FillState): Fill {
  return { ...state, price: BigInt(state.price), qty: BigInt(state.qty), quoteQty: BigInt(state.quoteQty), commission: BigInt(state.commission) };
}

const record = <V, W>(map: ReadonlyMap<string, V>, convert: (value: V) => W): Record<string, W> =>
  Object.fromEntries([...map].map(([key, value]) => [key, convert(value)]));

const nonZero = (totals: ReadonlyMap<string, bigint>): Record<string, string> =>
  Object.fromEntries([...totals].filter(([, amount]) => amount !== 0n).map(([asset, amount]) => [asset, String(amount)]));

/** The whole state of a venue, as of journal line `seq`. */
export function captureState(seq: number, engine: EngineState, ledger: LedgerState): VenueState {
  return {
    v: VENUE_STATE_VERSION,
    seq,
    nextOrderId: engine.nextOrderId,
    nextTradeIds: record(engine.nextTradeIds, (next) => next),
    accounts: record(ledger.accounts, (account) => ({
      updateTime: account.updateTime,
      balances: record(account.balances, (entry): [string, string] => [String(entry.free), String(entry.locked)]),
    })),
    fees: nonZero(ledger.fees),
    external: nonZero(ledger.external),
    orders: Object.fromEntries(engine.orders.map((order) => [String(order.orderId), orderState(order)])),
    fills: engine.fills.map(fillState),
  };
}

/** What the ledger is read for when an operation is recorded. */
export type LedgerReader = Pick<Ledger, 'balance' | 'updateTime' | 'feesCollected' | 'externalNet'>;

/** Journal line `seq` for one engine operation: its orders and trades, and the balances and totals of the assets it moved. */
export function changeOf(seq: number, commit: EngineCommit, ledger: LedgerReader): VenueChange {
  const accounts: Record<string, AccountState> = {};
  const assets = new Set<string>();
  for (const [name, touched] of commit.touched) {
    const balances: Record<string, [string, string]> = {};
    for (const each of touched) {
      const entry = ledger.balance(name, each);
      balances[each] = [String(entry.free), String(entry.locked)];
      assets.add(each);
    }
    accounts[name] = { updateTime: ledger.updateTime(name), balances };
  }
  const sorted = [...assets].sort();
  return {
    seq,
    nextOrderId: commit.nextOrderId,
    nextTradeIds: record(commit.nextTradeIds, (next) => next),
    accounts,
    // every total an operation can move is of an asset some account's balance moved in
    fees: Object.fromEntries(sorted.map((each) => [each, String(ledger.feesCollected(each))])),
    external: Object.fromEntries(sorted.map((each) => [each, String(ledger.externalNet(each))])),
    orders: commit.orders.map(orderState),
    fills: commit.fills.map(fillState),
  };
}

export function engineStateOf(state: VenueState): EngineState {
  return {
    nextOrderId: state.nextOrderId,
    nextTradeIds: new Map(Object.entries(state.nextTradeIds)),
    orders: Object.values(state.orders).map(orderFromState),
    fills: state.fills.map(fillFromState),
  };
}

export function ledgerStateOf(state: VenueState): LedgerState {
  const amounts = (values: Record<string, string>): Map<string, bigint> => new Map(Object.entries(values).map(([key, amount]) => [key, BigInt(amount)]));
  return {
    accounts: new Map(Object.entries(state.accounts).map(([name, account]) => [name, {
      updateTime: account.updateTime,
      balances: new Map(Object.entries(account.balances).map(([each, [free, locked]]) => [each, { free: BigInt(free), locked: BigInt(locked) }])),
    }])),
    fees: amounts(state.fees),
    external: amounts(state.external),
  };
}
