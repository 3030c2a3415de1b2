import { defineActor } from '../../src/runtime/actor-definition.js';
import { SEQ_FRAME_TYPE } from './seq-frame.js';

interface Config {
  /** seen[seq] = 1 once handled; shared memory, so it outlives every crash. */
  seen: SharedArrayBuffer;
  /** Wall-clock ms of the last planned crash, written just before throwing. */
  crashedAt: SharedArrayBuffer;
}

/** Marks every frame it handles; `crashNow` makes it throw from its loop (a real crash). */
export default defineActor<Config, { seen: Uint8Array; crashedAt: Float64Array; crashPending: boolean }>({
  kind: 'crashing-consumer',
  parseConfig: (raw) => raw as Config,
  init: (ctx) => ({ seen: new Uint8Array(ctx.config.seen), crashedAt: new Float64Array(ctx.config.crashedAt), crashPending: false }),
  handle(state, frame) {
    if (frame.type !== SEQ_FRAME_TYPE) return;
    if (state.crashPending) {
      state.crashedAt[0] = performance.timeOrigin + performance.now();
      throw new Error('planned crash (benchmark)');
    }
    state.seen[frame.view.getUint32(frame.offset, true)] = 1;
  },
  control: {
    crashNow(state) {
      state.crashPending = true;
      return true;
    },
  },
});
