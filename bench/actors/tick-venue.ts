import { ExecStatus, OrderAction, type BookTop, type ExecutionReport } from '../../src/domain/messages.js';
import { defineActor, type ActorContext } from '../../src/runtime/actor-definition.js';
import { executionReportCodec } from '../../src/runtime/codec/execution.js';
import { bookTopCodec } from '../../src/runtime/codec/market-data.js';
import { nowUs } from '../../src/runtime/clock.js';
import { VENUE_RECONCILE, VENUE_SNAPSHOT, controlType } from '../../actors/order-manager/venue-protocol.js';

/**
 * The exchange actor's place in the tick-to-order bench (bench/tick-to-order.ts): it publishes
 * book tops into its output rings (risk first, then the strategy, as an exchange actor does),
 * stamping each when it is written, and stops the clock when the order manager's first SUBMIT
 * after that tick is read from its inbound ring. It answers like a venue so the order manager
 * stays reconciled and its books bounded: an empty snapshot, ACCEPTED for submits, CANCELED for
 * cancels.
 */
interface Config {
  venue: number;
  instrument: number;
  /** Market-data peers, in publishing order. */
  market: string[];
  orderManager: string;
}

interface Pending {
  stampUs: number;
  resolve: (latencyUs: number | null) => void;
  timer: NodeJS.Timeout;
}

interface State {
  top: BookTop;
  report: ExecutionReport;
  pending: Pending | null;
}

function answer(state: State, ctx: ActorContext<Config>, orderId: number, side: number, qty: number, status: ExecStatus): void {
  Object.assign(state.report, {
    orderId, venueOrderId: orderId, venue: ctx.config.venue, instrument: ctx.config.instrument, status, rejectReason: 0, side, cumQty: 0, avgPrice: 0,
    leavesQty: status === ExecStatus.ACCEPTED ? qty : 0, lastQty: 0, lastPrice: 0, exchangeTsMs: Date.now(), receiveTsUs: nowUs(),
  });
  ctx.outbox(ctx.config.orderManager).send(executionReportCodec, state.report);
}

export default defineActor<Config, State>({
  kind: 'tick-venue',
  parseConfig: (raw) => raw as Config,
  init: () => ({ top: bookTopCodec.create(), report: executionReportCodec.create(), pending: null }),
  handle(state, frame, ctx) {
    const decoded = ctx.decode(frame);
    if (decoded?.kind === 'OrderCommand') {
      const c = decoded.message;
      if (c.action === OrderAction.SUBMIT) {
        const pending = state.pending;
        if (pending !== null) {
          state.pending = null;
          clearTimeout(pending.timer);
          pending.resolve(nowUs() - pending.stampUs);
        }
        answer(state, ctx, c.orderId, c.side, c.qty, ExecStatus.ACCEPTED);
      } else if (c.action === OrderAction.CANCEL) {
        answer(state, ctx, c.orderId, c.side, c.qty, ExecStatus.CANCELED);
      }
    } else if (decoded?.kind === 'Control' && controlType(decoded.message) === VENUE_RECONCILE) {
      const requestId = (decoded.message as { requestId: string }).requestId;
      ctx.outbox(frame.peer).sendControl({ type: VENUE_SNAPSHOT, requestId, venue: ctx.config.venue, chunk: 0, final: true, openOrders: [], fills: [], balances: [] });
    }
  },
  control: {
    /**
     * Publishes one book top around `mid` and resolves with the µs until the first SUBMIT that
     * follows it, or null when none comes within `timeoutMs` (a strategy still warming up).
     */
    tick(state, args, ctx) {
      const { mid, exchangeTsMs, timeoutMs } = args as { mid: number; exchangeTsMs: number; timeoutMs: number };
      return new Promise<number | null>((resolve) => {
        const top = state.top;
        Object.assign(top, { venue: ctx.config.venue, instrument: ctx.config.instrument, updateId: exchangeTsMs, bidPrice: mid - 0.01, bidQty: 1, askPrice: mid + 0.01, askQty: 1, exchangeTsMs });
        const timer = setTimeout(() => {
          state.pending = null;
          resolve(null);
        }, timeoutMs);
        // The clock starts as the frame enters the first output ring.
        top.receiveTsUs = nowUs();
        state.pending = { stampUs: top.receiveTsUs, resolve, timer };
        for (const peer of ctx.config.market) ctx.outbox(peer).send(bookTopCodec, top);
      });
    },
  },
});
