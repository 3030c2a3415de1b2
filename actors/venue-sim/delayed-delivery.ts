/**
 * Runs deliveries after the fault controller's latency while keeping their order, even when
 * the latency changes between two of them (a later message never overtakes an earlier one).
 */
export class DelayedDelivery {
  private queue: { due: number; run: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly latencyMs: () => number) {}

  deliver(run: () => void): void {
    const latency = this.latencyMs();
    if (latency <= 0 && this.queue.length === 0) {
      run();
      return;
    }
    this.queue.push({ due: performance.now() + latency, run });
    this.schedule();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const head = this.queue[0] as { due: number };
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = performance.now();
      while (this.queue.length > 0 && (this.queue[0] as { due: number }).due <= now + 0.5) this.queue.shift()?.run();
      this.schedule();
    }, Math.max(0, head.due - performance.now()));
  }
}
