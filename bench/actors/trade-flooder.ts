import { Side, type Trade } from '../../src/domain/messages.js';
import { defineActor } from '../../src/runtime/actor-definition.js';
import { tradeCodec } from '../../src/runtime/codec/market-data.js';

interface State {
  trade: Trade;
  sent: number;
  target: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Feeds the recorder trades as fast as its ring takes them: every millisecond it fills the ring
 * (a full ring is retried next tick, nothing skipped) until `count` have gone, or until `stop`.
 */
export default defineActor<{ peer: string }, State>({
  kind: 'trade-flooder',
  parseConfig: (raw) => raw as { peer: string },
  init: () => ({ trade: tradeCodec.create(), sent: 0, target: 0, timer: undefined }),
  control: {
    flood(state, args, ctx) {
      const { count, firstId } = args as { count: number | null; firstId: number };
      const out = ctx.outbox(ctx.config.peer);
      const base = state.sent;
      state.target = count === null ? Number.POSITIVE_INFINITY : state.sent + count;
      const t = state.trade;
      clearInterval(state.timer);
      state.timer = setInterval(() => {
        while (state.sent < state.target) {
          const id = firstId + state.sent - base;
          const ms = 1_770_000_000_000 + id;
          Object.assign(t, {
            venue: 1, instrument: 1, tradeId: id, price: 100 + (id % 50) / 10, qty: 0.01 + (id % 7) / 100, aggressor: id % 2 ? Side.BUY : Side.SELL,
            exchangeTsMs: ms, receiveTsUs: ms * 1000 + 150,
          });
          if (!out.send(tradeCodec, t)) return; // ring full: the recorder is behind, retry next tick
          state.sent += 1;
        }
        clearInterval(state.timer);
      }, 1);
      return true;
    },
    stop(state) {
      clearInterval(state.timer);
      state.target = state.sent;
      return state.sent;
    },
    sent: (state) => state.sent,
  },
});
