import { OrderAction, OrderType, Side, TimeInForce, type OrderCommand } from '../../src/domain/messages.js';
import { defineActor, type ActorContext } from '../../src/runtime/actor-definition.js';
import { orderCommandCodec } from '../../src/runtime/codec/orders.js';

interface State {
  command: OrderCommand;
  rounds: number;
  warmup: number;
  done: number;
  sentAt: number;
  samplesNs: Float64Array;
}

function sendNext(state: State, ctx: ActorContext<{ peer: string }>): void {
  state.command.orderId = state.done + 1;
  state.sentAt = performance.now();
  ctx.outbox(ctx.config.peer).send(orderCommandCodec, state.command);
}

/**
 * The order path in miniature: an OrderCommand to the echo actor and its ExecutionReport back, one at
 * a time, through the same rings, doorbells and mailbox loops as the order manager and an exchange
 * actor. Each sample is half the round trip (one clock).
 */
export default defineActor<{ peer: string }, State>({
  kind: 'order-probe',
  parseConfig: (raw) => raw as { peer: string },
  init: () => ({
    command: Object.assign(orderCommandCodec.create(), {
      action: OrderAction.SUBMIT, venue: 1, instrument: 1, side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, reduceOnly: 0,
      price: 100, qty: 1, createdTsUs: 1,
    }),
    rounds: 0,
    warmup: 0,
    done: 0,
    sentAt: 0,
    samplesNs: new Float64Array(0),
  }),
  handle(state, frame, ctx) {
    if (ctx.decode(frame)?.kind !== 'ExecutionReport' || state.done >= state.rounds + state.warmup) return;
    const halfNs = ((performance.now() - state.sentAt) * 1e6) / 2;
    if (state.done >= state.warmup) state.samplesNs[state.done - state.warmup] = halfNs;
    state.done += 1;
    if (state.done < state.rounds + state.warmup) sendNext(state, ctx);
  },
  control: {
    start(state, args, ctx) {
      const { rounds, warmup } = args as { rounds: number; warmup: number };
      Object.assign(state, { rounds, warmup, done: 0, samplesNs: new Float64Array(rounds) });
      sendNext(state, ctx);
      return true;
    },
    /** The samples once every round is back, else null. */
    result: (state) => (state.done >= state.rounds + state.warmup ? Array.from(state.samplesNs) : null),
  },
});
