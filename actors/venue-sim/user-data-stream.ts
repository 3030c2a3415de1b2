import type { WebSocket } from 'ws';
import { BinanceError, errors } from './binance-errors.js';
import { formatDecimal } from './decimal.js';
import { DelayedDelivery } from './delayed-delivery.js';
import type { FaultController } from './faults.js';
import type { EngineEvent } from './matching-engine.js';
import type { Order } from './order-types.js';
import { accountForApiKey, checkTimestamp, signatureMatches, wsApiPayload } from './signing.js';
import type { Venue } from './venue.js';
import { websocketText } from '../../src/runtime/websocket-text.js';

/**
 * The WebSocket API's user-data stream (ws-api/v3), as ccxt >= 4.5.7 uses it:
 *   {"id","method":"userDataStream.subscribe.signature","params":{apiKey,timestamp,recvWindow,signature}}
 *   -> {"id","status":200,"result":{"subscriptionId":n}}
 * then {"subscriptionId":n,"event":{executionReport | outboundAccountPosition}} for the
 * account behind the key. Errors: {"id","status":4xx,"error":{"code","msg"}}.
 */
interface Session {
  readonly socket: WebSocket;
  readonly delivery: DelayedDelivery;
  /** subscriptionId -> account name */
  readonly subscriptions: Map<number, string>;
  nextSubscriptionId: number;
}

interface Request {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

export class UserDataHub {
  private readonly sessions = new Set<Session>();

  constructor(
    private readonly venue: Venue,
    private readonly faults: FaultController,
  ) {
    venue.engine.onEvent((event) => this.publish(event));
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  accept(socket: WebSocket): void {
    const session: Session = {
      socket, delivery: new DelayedDelivery(() => this.faults.latencyMs), subscriptions: new Map(), nextSubscriptionId: 0,
    };
    this.sessions.add(session);
    socket.on('message', (data) => this.handleRequest(session, websocketText(data)));
    socket.on('close', () => {
      session.delivery.cancel();
      this.sessions.delete(session);
    });
    socket.on('error', () => socket.terminate());
  }

  dropAll(): number {
    const count = this.sessions.size;
    for (const session of this.sessions) session.socket.terminate();
    return count;
  }

  close(): void {
    this.dropAll();
  }

  private handleRequest(session: Session, text: string): void {
    let request: Request;
    try {
      request = JSON.parse(text) as Request;
    } catch (error) {
      this.send(session, { id: null, status: 400, error: { code: -1100, msg: `Invalid JSON: ${(error as Error).message}` } });
      return;
    }
    const id = typeof request === 'object' && request !== null ? request.id ?? null : null;
    try {
      if (typeof request !== 'object' || request === null || typeof request.method !== 'string') {
        throw new BinanceError(400, -1102, "Mandatory parameter 'method' was not sent, was empty/null, or malformed.");
      }
      const params = (typeof request.params === 'object' && request.params !== null ? request.params : {}) as Record<string, unknown>;
      this.send(session, { id, status: 200, result: this.execute(session, request.method, params) });
    } catch (error) {
      const failure = error instanceof BinanceError ? error : errors.unknown(error instanceof Error ? error.message : String(error));
      this.send(session, { id, status: failure.httpStatus, error: failure.body() });
    }
  }

  private execute(session: Session, method: string, params: Record<string, unknown>): unknown {
    switch (method) {
      case 'ping':
        return {};
      case 'time':
        return { serverTime: this.venue.serverTime() };
      case 'userDataStream.subscribe.signature': {
        const apiKey = typeof params.apiKey === 'string' ? params.apiKey : undefined;
        const { name, secret } = accountForApiKey(this.venue.ledger, apiKey);
        const signature = params.signature;
        if (typeof signature !== 'string' || signature === '') throw errors.mandatoryMissing('signature');
        const timestamp = params.timestamp === undefined ? undefined : paramText(params.timestamp);
        if (timestamp === undefined) throw errors.mandatoryMissing('timestamp');
        if (!signatureMatches(secret, wsApiPayload(params), signature)) throw errors.invalidSignature();
        checkTimestamp(timestamp, params.recvWindow === undefined ? undefined : paramText(params.recvWindow), this.venue.serverTime());
        const subscriptionId = session.nextSubscriptionId++;
        session.subscriptions.set(subscriptionId, name);
        return { subscriptionId };
      }
      case 'userDataStream.unsubscribe': {
        if (params.subscriptionId === undefined) session.subscriptions.clear();
        else if (!session.subscriptions.delete(Number(params.subscriptionId))) {
          throw new BinanceError(400, -2168, `Subscription ${paramText(params.subscriptionId)} does not exist.`);
        }
        return {};
      }
      case 'session.subscriptions':
        return [...session.subscriptions.keys()].map((subscriptionId) => ({ subscriptionId }));
      default:
        throw new BinanceError(400, -1000, `Unknown method '${method}'; this venue serves ping, time, userDataStream.subscribe.signature, userDataStream.unsubscribe, session.subscriptions.`);
    }
  }

  private publish(event: EngineEvent): void {
    const account = event.kind === 'execution' ? event.order.account : event.account;
    let payload: unknown;
    for (const session of this.sessions) {
      for (const [subscriptionId, name] of session.subscriptions) {
        if (name !== account) continue;
        payload ??= event.kind === 'execution' ? executionReport(event) : this.accountPosition(event);
        this.send(session, { subscriptionId, event: payload });
      }
    }
  }

  private accountPosition(event: Extract<EngineEvent, { kind: 'balances' }>): unknown {
    return {
      e: 'outboundAccountPosition',
      E: event.time,
      u: this.venue.ledger.updateTime(event.account),
      B: event.assets.map((asset) => {
        const balance = this.venue.ledger.balance(event.account, asset);
        return { a: asset, f: formatDecimal(balance.free), l: formatDecimal(balance.locked) };
      }),
    };
  }

  private send(session: Session, message: unknown): void {
    const text = JSON.stringify(message);
    session.delivery.deliver(() => {
      if (session.socket.readyState === session.socket.OPEN) session.socket.send(text);
    });
  }
}

/** Binance's executionReport for one order event (field letters as Binance documents them). */
export function executionReport(event: Extract<EngineEvent, { kind: 'execution' }>): Record<string, unknown> {
  const order: Readonly<Order> = event.order;
  const fill = event.fill;
  const cancelled = event.executionType === 'CANCELED';
  const time = fill?.time ?? order.updateTime;
  return {
    e: 'executionReport',
    E: time,
    s: order.symbol,
    c: cancelled ? event.cancelClientOrderId ?? order.clientOrderId : order.clientOrderId,
    S: order.side,
    o: order.type,
    f: order.timeInForce ?? 'GTC',
    q: formatDecimal(order.origQty),
    p: formatDecimal(order.price),
    P: formatDecimal(0n),
    F: formatDecimal(0n),
    g: -1,
    C: cancelled ? order.clientOrderId : '',
    x: event.executionType,
    X: order.status,
    r: 'NONE',
    i: order.orderId,
    l: formatDecimal(fill?.qty ?? 0n),
    z: formatDecimal(order.executedQty),
    L: formatDecimal(fill?.price ?? 0n),
    n: formatDecimal(fill?.commission ?? 0n),
    N: fill?.commissionAsset ?? null,
    T: time,
    t: fill?.tradeId ?? -1,
    I: 0,
    w: order.status === 'NEW' || order.status === 'PARTIALLY_FILLED',
    m: fill?.isMaker ?? false,
    M: false,
    O: order.time,
    Z: formatDecimal(order.cummulativeQuoteQty),
    Y: formatDecimal(fill?.quoteQty ?? 0n),
    Q: formatDecimal(order.origQuoteOrderQty),
    W: order.time,
    V: 'NONE',
  };
}

/** A request parameter as the text it was sent as; an object or list shows as JSON rather than "[object Object]". */
function paramText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
