import { describe, expect, it } from 'vitest';
import { RingFullError, RingWriter } from '../../src/runtime/ring.js';
import { createTradingGate } from '../../src/runtime/trading-gate.js';
import { buildWiring, type OutboundWire } from '../../src/runtime/wiring.js';

/** Fills a ring with 64-byte frames through the edge's own policy until a push does not go through. */
function fillUntilRefused(wire: OutboundWire): { pushed: number; outcome: 'dropped' | 'refused'; writer: RingWriter } {
  const writer = new RingWriter(wire.ring, { policy: wire.fullPolicy, blockTimeoutMs: 0 });
  const payload = new Uint8Array(64);
  for (let pushed = 0; ; pushed++) {
    try {
      if (!writer.push(1, 1, payload)) return { pushed, outcome: 'dropped', writer };
    } catch (error) {
      expect(error).toBeInstanceOf(RingFullError);
      return { pushed, outcome: 'refused', writer };
    }
  }
}

describe('wiring: one ring per edge, each with its own size and full policy', () => {
  const wiring = buildWiring(
    [
      {
        name: 'exchange',
        path: 'root/exchange',
        sends: ['order-manager', 'strategy'],
        ringBytes: 4096,
        fullPolicy: 'drop-newest',
        edgeOverrides: { 'order-manager': { fullPolicy: 'fail', ringBytes: 1024 } },
      },
      { name: 'order-manager', path: 'root/order-manager', sends: [], ringBytes: 4096, fullPolicy: 'block' },
      { name: 'strategy', path: 'root/strategy', sends: [], ringBytes: 4096, fullPolicy: 'block' },
    ],
    createTradingGate(),
  );
  const out = new Map(wiring.get('exchange')!.outbound.map((w) => [w.peer, w]));

  it('an edge written with its own policy and size gets them; the others get the actor defaults', () => {
    expect(out.get('order-manager')).toMatchObject({ fullPolicy: 'fail' });
    expect(out.get('strategy')).toMatchObject({ fullPolicy: 'drop-newest' });
    expect(out.get('order-manager')!.ring.byteLength).toBeLessThan(out.get('strategy')!.ring.byteLength);
    expect(wiring.get('order-manager')!.inbound.map((w) => w.ring)).toEqual([out.get('order-manager')!.ring]);
  });

  it('a full market-data edge drops and counts while a full report edge refuses loudly', () => {
    const marketData = fillUntilRefused(out.get('strategy')!);
    expect(marketData.outcome).toBe('dropped');
    expect(marketData.writer.dropped()).toBe(1);
    const reports = fillUntilRefused(out.get('order-manager')!);
    expect(reports.outcome).toBe('refused');
    expect(reports.pushed).toBeLessThan(marketData.pushed);
  });
});
