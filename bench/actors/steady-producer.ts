import { defineActor } from '../../src/runtime/actor-definition.js';
import { seqFrame } from './seq-frame.js';

interface Config {
  peer: string;
  total: number;
  perTick: number;
}

interface State {
  next: number;
  /** Frames below this number may be sent; `start` raises it. */
  limit: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Publishes `perTick` numbered frames every millisecond, whatever the consumer is doing,
 * up to the limit the last `start({ upTo })` set (default: `total`).
 */
export default defineActor<Config, State>({
  kind: 'steady-producer',
  parseConfig: (raw) => raw as Config,
  init: () => ({ next: 0, limit: 0, timer: undefined }),
  control: {
    start(state, args, ctx) {
      const upTo = (args as { upTo?: number } | undefined)?.upTo ?? ctx.config.total;
      state.limit = Math.min(ctx.config.total, Math.max(state.limit, upTo));
      if (state.timer) return true;
      const out = ctx.outbox(ctx.config.peer);
      state.timer = setInterval(() => {
        for (let i = 0; i < ctx.config.perTick && state.next < state.limit; i++) {
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
