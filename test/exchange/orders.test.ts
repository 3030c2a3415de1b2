import { afterEach, describe, expect, it } from 'vitest';
import { orderIdFor } from '../../actors/order-manager/client-order-id.js';
import {
  ExecStatus, OrderAction, OrderType, RejectReason, Side, TimeInForce, TradingState, TripSource, type OrderCommand,
} from '../../src/domain/messages.js';
import { BTC, VENUE_ID, startExchangeSystem, waitFor, type ExchangeSystem } from './harness.js';

let system: ExchangeSystem | undefined;
afterEach(async () => {
  await system?.close();
  system = undefined;
});

const CREATE = 'POST /api/v3/order';
let intent = 0;

function command(overrides: Partial<OrderCommand>): OrderCommand {
  return {
    action: OrderAction.SUBMIT, orderId: orderIdFor(1, ++intent), venue: VENUE_ID, instrument: BTC,
    side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, reduceOnly: 0,
    price: 30_000, qty: 0.001, createdTsUs: 1, ...overrides,
  };
}

async function send(s: ExchangeSystem, message: OrderCommand): Promise<void> {
  expect(await s.sender.invoke('command', { peer: 'exchange', message })).toBe(true);
}

type Report = { orderId: number; status: number; rejectReason: number; cumQty: number };
async function reportsFor(s: ExchangeSystem, orderId: number, count: number): Promise<Report[]> {
  const frames = await waitFor(() => s.received(), (all) => all.filter((f) => f.kind === 'ExecutionReport' && f.message.orderId === orderId).length >= count, `${count} report(s) for order ${orderId}`);
  return frames.filter((f) => f.kind === 'ExecutionReport' && f.message.orderId === orderId).map((f) => f.message as unknown as Report);
}

async function openOnVenue(s: ExchangeSystem): Promise<number> {
  return s.venue.venue.engine.openOrders(s.venue.accounts[0]!.name).length;
}

describe('exchange actor orders against the emulator', () => {
  it('the gate: HALTED and PAUSED refuse submits before the venue, REDUCING passes reduce-only only', async () => {
    system = await startExchangeSystem({ gateState: TradingState.HALTED });
    const s = system;
    const halted = command({});
    await send(s, halted);
    expect((await reportsFor(s, halted.orderId, 1))[0]).toMatchObject({ status: ExecStatus.REJECTED, rejectReason: RejectReason.TRADING_HALTED });

    s.gate.set(TradingState.PAUSED);
    const paused = command({ reduceOnly: 1 });
    await send(s, paused);
    expect((await reportsFor(s, paused.orderId, 1))[0]).toMatchObject({ status: ExecStatus.REJECTED, rejectReason: RejectReason.TRADING_PAUSED });

    s.gate.set(TradingState.REDUCING);
    const opening = command({});
    await send(s, opening);
    expect((await reportsFor(s, opening.orderId, 1))[0]).toMatchObject({ status: ExecStatus.REJECTED, rejectReason: RejectReason.NOT_REDUCING });
    expect(s.tap.count(CREATE)).toBe(0);
    expect(await openOnVenue(s)).toBe(0);

    const reducing = command({ reduceOnly: 1, side: Side.SELL, price: 200_000 });
    await send(s, reducing);
    expect((await reportsFor(s, reducing.orderId, 1))[0]).toMatchObject({ status: ExecStatus.ACCEPTED, rejectReason: 0 });
    expect(s.tap.count(CREATE)).toBe(1);
    expect(await openOnVenue(s)).toBe(1);
    const health = await s.health();
    expect(health.orders.gateRefusals).toEqual({ TRADING_HALTED: 1, TRADING_PAUSED: 1, NOT_REDUCING: 1 });
  });

  it('a TradingStateChange to HALTED cancels every open order on the venue at once', async () => {
    system = await startExchangeSystem({});
    const s = system;
    const orders = [command({ price: 30_000 }), command({ price: 31_000 }), command({ side: Side.SELL, price: 150_000 })];
    for (const order of orders) await send(s, order);
    for (const order of orders) expect((await reportsFor(s, order.orderId, 1))[0]!.status).toBe(ExecStatus.ACCEPTED);
    expect(await openOnVenue(s)).toBe(3);

    s.gate.set(TradingState.HALTED);
    expect(await s.sender.invoke('tradingState', { peer: 'exchange', message: { state: TradingState.HALTED, previous: TradingState.ACTIVE, source: TripSource.ADMIN, seq: 9, tsUs: 1 } })).toBe(true);
    await waitFor(() => openOnVenue(s), (open) => open === 0, 'no open order left on the venue');
    for (const order of orders) {
      const reports = await reportsFor(s, order.orderId, 2);
      expect(reports.at(-1)!.status).toBe(ExecStatus.CANCELED);
    }
    // One cancel-all per instrument, not one cancel per order (a submit whose REST reply was still
    // on its way at the trip may add its own cancel: that is the "acked after the halt" rule).
    expect(s.tap.count('DELETE /api/v3/openOrders')).toBe(1);
  });

  it('reports a fill of a marketable order (ack, fill report and Fill frame), and a venue refusal with its typed reason', async () => {
    system = await startExchangeSystem({ venue: { market: { kind: 'simulated', seed: 3 } } });
    const s = system;
    await waitFor(() => s.health(), (h) => h.books.BTCUSDT?.live === true, 'a live book');
    const market = command({ type: OrderType.MARKET, price: 0, qty: 0.01 });
    await send(s, market);
    const reports = await reportsFor(s, market.orderId, 1);
    const final = await waitFor(async () => reportsFor(s, market.orderId, 1), (r) => r.some((x) => x.status === ExecStatus.FILLED), 'a FILLED report');
    expect(reports[0]!.rejectReason).toBe(0);
    expect(final.find((x) => x.status === ExecStatus.FILLED)!.cumQty).toBeCloseTo(0.01, 10);
    const fills = await waitFor(() => s.received(), (all) => all.some((f) => f.kind === 'Fill' && f.message.orderId === market.orderId), 'a Fill frame');
    const fill = fills.find((f) => f.kind === 'Fill')!.message;
    expect(fill).toMatchObject({ orderId: market.orderId, venue: VENUE_ID, instrument: BTC, side: Side.BUY });
    expect(fill.fee as number).toBeGreaterThan(0);

    const tooBig = command({ qty: 3, price: 50_000 }); // 150k USDT: more than the account holds
    await send(s, tooBig);
    expect((await reportsFor(s, tooBig.orderId, 1))[0]).toMatchObject({ status: ExecStatus.REJECTED, rejectReason: RejectReason.INSUFFICIENT_FUNDS });
    const cancelUnknown = command({ action: OrderAction.CANCEL });
    await send(s, cancelUnknown);
    expect((await reportsFor(s, cancelUnknown.orderId, 1))[0]).toMatchObject({ rejectReason: RejectReason.UNKNOWN_ORDER });
  });
});
