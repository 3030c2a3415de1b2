import { defineActor } from '../../src/runtime/actor-definition.js';
import { seqFrame } from './seq-frame.js';

/** Publishes `perTick` numbered frames every millisecond until `total`, whatever the consumer is doing. */
export default defineActor<{ peer: string; total: number; perTick: number }, { next: number; timer: NodeJS.Timeout | undefined }>({
  kind: 'steady-producer',
  parseConfig: (raw) => raw as { peer: string; total: number; perTick: number },
  init: () => ({ next: 0, timer: undefined }),
  control: {
    start(state, _args, ctx) {
      const out = ctx.outbox(ctx.config.peer);
      state.timer = setInterval(() => {
        for (let i = 0; i < ctx.config.perTick && state.next < ctx.config.total; i++) {
          if (!out.send(seqFrame, state.next)) return; // ring full: retry this number next tick
          state.next++;
        }
        if (state.next >= ctx.config.total) clearInterval(state.timer);
      }, 1);
      return true;
    },
    sent: (state) => state.next,
  },
});
