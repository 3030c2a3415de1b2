/**
 * What the order manager tells the recorder (docs/persistence.md, "Recorder actor"), so the `orders`
 * and `fills` tables hold what a restart needs: a copy of every SUBMIT it sends, of every report and
 * fill it passes on, and of the reports it builds itself for orders the venue saw.
 *
 * The recorder is off the order path: a copy is written only when it fits the ring at once
 * (src/runtime/non-blocking-send.ts), otherwise it is counted as dropped and the order goes on. A
 * dropped copy costs the database an event, never the venue an order: the journal and the venue
 * reconciliation stay the authorities after a restart.
 *
 * Not recorded, on purpose: intents refused before they became an order the venue could see
 * (denied by the gate, unknown market, not reconciled in time). The recorder could not describe
 * them (no SUBMIT) and they never carried risk; the order manager counts them (`denied`).
 */
import { OrderAction, type ExecutionReport, type Fill, type OrderCommand } from '../../src/domain/messages.js';
import type { Outbox } from '../../src/runtime/actor-definition.js';
import { executionReportCodec, fillCodec } from '../../src/runtime/codec/execution.js';
import { orderCommandCodec } from '../../src/runtime/codec/orders.js';
import { newSendStats, sendWithoutWaiting, type NonBlockingSendStats } from '../../src/runtime/non-blocking-send.js';

export class RecorderCopy {
  readonly stats: NonBlockingSendStats = newSendStats();

  constructor(private readonly outbox: Outbox | null) {}

  get peer(): string | null {
    return this.outbox?.peer ?? null;
  }

  /** SUBMIT commands only: cancels and queries change nothing the recorder keeps until the venue answers. */
  command(command: OrderCommand): void {
    if (this.outbox && command.action === OrderAction.SUBMIT) sendWithoutWaiting(this.outbox, orderCommandCodec, command, this.stats);
  }

  report(report: ExecutionReport): void {
    if (this.outbox) sendWithoutWaiting(this.outbox, executionReportCodec, report, this.stats);
  }

  fill(fill: Fill): void {
    if (this.outbox) sendWithoutWaiting(this.outbox, fillCodec, fill, this.stats);
  }

  status() {
    return { peer: this.peer, ...this.stats };
  }
}
