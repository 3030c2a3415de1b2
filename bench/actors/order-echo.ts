import { ExecStatus, type ExecutionReport } from '../../src/domain/messages.js';
import { defineActor } from '../../src/runtime/actor-definition.js';
import { executionReportCodec } from '../../src/runtime/codec/execution.js';

/** Answers every OrderCommand with an ExecutionReport at once: the far end of an order-path probe. */
export default defineActor<{ peer: string }, { report: ExecutionReport }>({
  kind: 'order-echo',
  parseConfig: (raw) => raw as { peer: string },
  init: () => ({ report: executionReportCodec.create() }),
  handle(state, frame, ctx) {
    const decoded = ctx.decode(frame);
    if (decoded?.kind !== 'OrderCommand') return;
    const c = decoded.message;
    Object.assign(state.report, {
      orderId: c.orderId, venueOrderId: c.orderId, venue: c.venue, instrument: c.instrument, status: ExecStatus.ACCEPTED, rejectReason: 0,
      side: c.side, cumQty: 0, avgPrice: 0, leavesQty: c.qty, lastQty: 0, lastPrice: 0, exchangeTsMs: 0, receiveTsUs: c.createdTsUs,
    });
    ctx.outbox(ctx.config.peer).send(executionReportCodec, state.report);
  },
});
