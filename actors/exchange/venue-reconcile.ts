/**
 * The exchange actor's answer to the order manager's `venue.reconcile` request
 * (actors/order-manager/venue-protocol.ts, docs/order-manager.md): every open order on the
 * venue for this actor's instruments, ours and not ours (with type, time in force and
 * reduce-only flag, so an adopted order keeps its terms), the account's trades since
 * `sinceMs`, each with the client order id of its order, and the balances of the assets those
 * instruments trade, read last, as `venue.snapshot` chunks (trades and balances are left out
 * when the request says `openOrdersOnly`: a cancel-all confirmation).
 *
 * Trades carry only the venue's order id, so the client id of a closed order is looked up
 * once per order (fetchOrder). A venue that cannot be read answers with `error` set: the order
 * manager keeps refusing to trade there and asks again.
 */
import type { Order, Trade } from 'ccxt';
import { Liquidity, OrderType, Side, TimeInForce } from '../../src/domain/messages.js';
import { VENUE_RECONCILE, controlType, parseReconcileRequest, snapshotChunks, snapshotError, type VenueBalance, type VenueReconcileRequest, type VenueSnapshot, type VenueSnapshotFill } from '../order-manager/venue-protocol.js';
import type { VenueOpenOrder } from '../order-manager/reconcile.js';
import { errorText } from './ccxt-errors.js';
import type { VenueInstrument } from './order-executor.js';
import { numericVenueId } from './order-tracker.js';
import type { VenueClient } from './venue-client.js';

export interface ReconcileDeps {
  readonly client: VenueClient;
  readonly instruments: ReadonlyMap<number, VenueInstrument>;
  readonly venue: number;
  /** The actor's paced, timed REST wrapper. */
  readonly rest: <T>(what: string, call: () => Promise<T>) => Promise<T>;
}

const sideOf = (side: string | undefined): Side => (side === 'sell' ? Side.SELL : Side.BUY);

/** ccxt's unified order type; Binance's LIMIT_MAKER arrives as 'limit' with postOnly. */
function typeOf(order: Order): OrderType {
  if (order.type === 'market') return OrderType.MARKET;
  if (order.type === 'limit_maker' || order.postOnly === true) return OrderType.LIMIT_MAKER;
  return OrderType.LIMIT;
}

function timeInForceOf(order: Order): TimeInForce {
  if (order.timeInForce === 'IOC') return TimeInForce.IOC;
  if (order.timeInForce === 'FOK') return TimeInForce.FOK;
  return TimeInForce.GTC;
}

function feeInQuote(trade: Trade, instrument: VenueInstrument): number {
  const cost = trade.fee?.cost ?? 0;
  if (cost === 0) return 0;
  if (trade.fee?.currency === instrument.quote) return cost;
  if (trade.fee?.currency === instrument.base) return cost * (trade.price ?? 0);
  return 0;
}

export async function answerReconcile(deps: ReconcileDeps, request: VenueReconcileRequest): Promise<VenueSnapshot[]> {
  try {
    const openOrders: VenueOpenOrder[] = [];
    const fills: VenueSnapshotFill[] = [];
    for (const instrument of deps.instruments.values()) {
      const open: Order[] = await deps.rest('fetchOpenOrders', () => deps.client.fetchOpenOrders(instrument.symbol));
      const clientIds = new Map<string, string>();
      for (const o of open) {
        if (o.id !== undefined && o.clientOrderId !== undefined) clientIds.set(o.id, o.clientOrderId);
        openOrders.push({
          clientOrderId: o.clientOrderId ?? '', venueOrderId: numericVenueId(o.id), instrument: instrument.instrument, side: sideOf(o.side), qty: o.amount ?? 0, cumQty: o.filled ?? 0, price: o.price ?? 0,
          type: typeOf(o), timeInForce: timeInForceOf(o), reduceOnly: o.reduceOnly === true ? 1 : 0,
        });
      }
      if (request.openOrdersOnly === true) continue;
      const trades: Trade[] = await deps.rest('fetchMyTrades', () => deps.client.fetchMyTrades(instrument.symbol, request.sinceMs));
      for (const t of trades) {
        if (t.id === undefined || t.order === undefined || !(t.amount! > 0) || !(t.price! > 0)) continue;
        let clientOrderId = clientIds.get(t.order);
        if (clientOrderId === undefined) {
          const order: Order = await deps.rest('fetchOrder', () => deps.client.fetchOrder(t.order!, instrument.symbol));
          clientOrderId = order.clientOrderId ?? '';
          clientIds.set(t.order, clientOrderId);
        }
        fills.push({
          tradeId: numericVenueId(t.id), clientOrderId, venueOrderId: numericVenueId(t.order), instrument: instrument.instrument, side: sideOf(t.side),
          qty: t.amount!, price: t.price!, fee: feeInQuote(t, instrument), exchangeTsMs: t.timestamp ?? 0, liquidity: t.takerOrMaker === 'maker' ? Liquidity.MAKER : Liquidity.TAKER,
        });
      }
    }
    // Read after the trades: a fill that lands in between shows in the balance, and the ledger
    // check's tolerance covers that one race; the next reconciliation sees the trade too.
    if (request.openOrdersOnly === true) return snapshotChunks(request.requestId, deps.venue, openOrders, fills, []);
    const assets = new Set<string>();
    for (const i of deps.instruments.values()) assets.add(i.base).add(i.quote);
    const account = await deps.rest('fetchBalance', () => deps.client.fetchBalance());
    const totals = (account.total ?? {}) as unknown as Record<string, number | undefined>;
    const balances: VenueBalance[] = [...assets].sort().map((asset) => ({ asset, total: totals[asset] ?? 0 }));
    return snapshotChunks(request.requestId, deps.venue, openOrders, fills, balances);
  } catch (error) {
    return [snapshotError(request.requestId, deps.venue, errorText(error))];
  }
}

/**
 * Handles a control frame if it is a `venue.reconcile` request (returns false otherwise):
 * answers asynchronously through `reply`, which sends one chunk to the asking peer.
 */
export function onReconcileControl(deps: ReconcileDeps, message: unknown, reply: (chunk: VenueSnapshot) => boolean, warn: (text: string) => void): boolean {
  if (controlType(message) !== VENUE_RECONCILE) return false;
  let request: VenueReconcileRequest;
  try {
    request = parseReconcileRequest(message);
  } catch (error) {
    warn(`refused a reconcile request: ${(error as Error).message}`);
    return true;
  }
  void answerReconcile(deps, request).then((chunks) => {
    for (const chunk of chunks) {
      if (!reply(chunk)) {
        warn(`reconcile answer ${request.requestId}: the asking peer's ring is full; it will ask again`);
        return;
      }
    }
  });
  return true;
}
