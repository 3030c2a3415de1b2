import type { PersistRecord, RecordOf } from '../../src/persistence/records.js';

const T0_US = Date.UTC(2026, 2, 1, 12, 0, 0) * 1000;

/** Trade `i` of one instrument: one every 7 s, so buckets hold several trades and cross minute edges. */
export function trade(i: number, instrument = 'BTC/USDT'): RecordOf<'trade'> {
  return {
    kind: 'trade', venue: 'emulator', instrument, tradeId: `t${i}`, tsUs: T0_US + i * 7_000_000,
    price: 100 + ((i * 37) % 11) - 5, qty: 0.01 * (1 + (i % 5)), aggressor: i % 2 ? 'BUY' : 'SELL', receivedUs: T0_US + i * 7_000_000 + 350,
  };
}

export function orderUpdate(orderId: number, seq: number, status: RecordOf<'order_update'>['status'], cumQty = 0): RecordOf<'order_update'> {
  return {
    kind: 'order_update', orderId, seq, clientOrderId: `bot4-${orderId}`, venue: 'emulator', instrument: 'BTC/USDT', strategy: 'mm',
    side: orderId % 2 ? 'BUY' : 'SELL', orderType: 'LIMIT', timeInForce: 'GTC', reduceOnly: false, price: 100 + orderId, qty: 1,
    status, cumQty, avgPrice: cumQty > 0 ? 100 + orderId : 0, venueOrderId: seq > 0 ? `v${orderId}` : null, rejectReason: null,
    createdUs: T0_US + orderId * 1000, tsUs: T0_US + orderId * 1000 + seq * 10,
  };
}

export function fill(i: number): RecordOf<'fill'> {
  return {
    kind: 'fill', venue: 'emulator', tradeId: `f${i}`, orderId: i, instrument: 'BTC/USDT', side: 'BUY', price: 100.5, qty: 0.5,
    fee: 0.05, liquidity: i % 2 ? 'MAKER' : 'TAKER', tsUs: T0_US + i * 1000 + 500,
  };
}

/** A mixed stream: trades, order lifecycles and fills, in the order a recorder would see them. */
export function mixedStream(from: number, to: number): PersistRecord[] {
  const out: PersistRecord[] = [];
  for (let i = from; i < to; i++) {
    out.push(trade(i));
    if (i % 10 === 0) out.push(orderUpdate(i, 0, 'PENDING_NEW'), orderUpdate(i, 1, 'ACCEPTED'));
    if (i % 10 === 5) out.push(orderUpdate(i - 5, 2, 'FILLED', 1), fill(i));
  }
  return out;
}
