import { MessageChannel, type MessagePort } from 'node:worker_threads';
/** A recorder on a real worker, fed by a message-sender fixture through a real ring. */
import { join } from 'node:path';
import { ExecStatus, Liquidity, OrderAction, OrderType, Side, TimeInForce } from '../../src/domain/messages.js';
import { startActor, type ActorHandle } from '../../src/runtime/actor-handle.js';
import { createTradingGate } from '../../src/runtime/trading-gate.js';
import { buildWiring, type ActorWiring } from '../../src/runtime/wiring.js';

export const fixture = (name: string): string => new URL(`../fixtures/actors/${name}.js`, import.meta.url).href;

export const T0_MS = Date.UTC(2026, 2, 2, 9, 0, 0);
export const VENUES = { '1': 'emulator-a', '2': 'emulator-b' };
export const INSTRUMENTS = [{ id: 7, symbol: 'BTC/USDT' }, { id: 8, symbol: 'ETH/USDT' }];

export interface Sent {
  kind: string;
  message: unknown;
}

export const trade = (i: number): Sent => ({
  kind: 'Trade',
  message: {
    venue: 1 + (i % 2), instrument: 7, tradeId: 1000 + i, price: 100 + (i % 13), qty: 0.1 + (i % 3) * 0.05, aggressor: i % 2 ? Side.BUY : Side.SELL,
    exchangeTsMs: T0_MS + i * 250, receiveTsUs: (T0_MS + i * 250) * 1000 + 400,
  },
});

export const bookTop = (i: number): Sent => ({
  kind: 'BookTop',
  message: {
    venue: 1, instrument: 8, updateId: 5000 + i, bidPrice: 3000 + i * 0.01, bidQty: 2, askPrice: 3000.5 + i * 0.01, askQty: 1.5,
    exchangeTsMs: T0_MS + i * 100, receiveTsUs: (T0_MS + i * 100) * 1000 + 200,
  },
});

export const submit = (orderId: number): Sent => ({
  kind: 'OrderCommand',
  message: {
    action: OrderAction.SUBMIT, orderId, venue: 1, instrument: 7, side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC, reduceOnly: 0,
    price: 99.5, qty: 2, createdTsUs: (T0_MS + orderId) * 1000,
  },
});

export const report = (orderId: number, status: number, cumQty: number, ms = 10): Sent => ({
  kind: 'ExecutionReport',
  message: {
    orderId, venueOrderId: 900_000 + orderId, venue: 1, instrument: 7, status, rejectReason: 0, side: Side.BUY, cumQty,
    avgPrice: cumQty > 0 ? 99.5 : 0, leavesQty: status === ExecStatus.FILLED ? 0 : 2 - cumQty, lastQty: 0, lastPrice: 0,
    exchangeTsMs: T0_MS + orderId + ms, receiveTsUs: (T0_MS + orderId + ms) * 1000 + 50,
  },
});

export const fill = (orderId: number, tradeId: number, qty: number): Sent => ({
  kind: 'Fill',
  message: {
    orderId, venue: 1, instrument: 7, side: Side.BUY, price: 99.5, qty, fee: 0.01, liquidity: Liquidity.MAKER, tradeId,
    exchangeTsMs: T0_MS + orderId + 20, receiveTsUs: (T0_MS + orderId + 20) * 1000,
  },
});

export interface RecorderStatus {
  queueDepth: number;
  written: number;
  duplicates: number;
  duplicateReports: number;
  spooled: number;
  replayed: number;
  degraded: boolean;
  rejected: number;
  queued: number;
  unmatched: number;
  refused: number;
  openOrders: number;
  restoredOpenOrders: number | string;
  received: Record<string, number>;
  lastError: string | null;
  skippedBooked: Record<string, number>;
  lastSkippedBooked: string | null;
}

export class RecorderSystem {
  readonly handles: ActorHandle[] = [];
  /** The recorder's log lines (JSON, warn and above), as its worker wrote them. */
  readonly logLines: string[] = [];
  recorder!: ActorHandle;
  sender!: ActorHandle;
  private readonly wiring: Map<string, ActorWiring>;

  constructor(
    private readonly connectionString: string,
    readonly workDir: string,
    private readonly extraConfig: Record<string, unknown> = {},
  ) {
    this.wiring = buildWiring(
      [
        { name: 'feeder', path: 'root/feeder', sends: ['recorder'], ringBytes: 1 << 20, fullPolicy: 'fail' },
        { name: 'recorder', path: 'root/recorder', sends: [], ringBytes: 4096, fullPolicy: 'fail' },
      ],
      createTradingGate(),
    );
  }

  get spoolPath(): string {
    return join(this.workDir, 'recorder-spool.jsonl');
  }

  async start(): Promise<void> {
    this.sender = await startActor({ path: 'root/feeder', name: 'feeder', kind: 'message-sender', moduleUrl: fixture('message-sender'), config: {} }, this.wiring.get('feeder')!);
    this.handles.push(this.sender);
    await this.startRecorder();
  }

  /** `overrides` replace config keys for this start only (e.g. a flush interval long enough to hold records in memory). */
  async startRecorder(overrides: Record<string, unknown> = {}): Promise<void> {
    this.recorder = await startActor(
      {
        path: 'root/recorder',
        name: 'recorder',
        kind: 'recorder',
        waitStrategy: 'park',
        startTimeoutMs: 20_000,
        config: {
          database_url: this.connectionString,
          venues: VENUES,
          instruments: INSTRUMENTS,
          strategies: { '0': 'mm' },
          spool_path: this.spoolPath,
          flush_interval_ms: 50,
          backoff: { min_ms: 50, max_ms: 400 },
          ...this.extraConfig,
          ...overrides,
        },
      },
      this.wiring.get('recorder')!,
      { logPort: () => this.logPort() },
    );
    this.handles.push(this.recorder);
  }

  private logPort(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (line: string) => this.logLines.push(line));
    port1.unref();
    return port2;
  }

  async send(messages: Sent[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 200) {
      const chunk = messages.slice(i, i + 200);
      const sent = (await this.sender.invoke('send', { peer: 'recorder', messages: chunk })) as number;
      if (sent !== chunk.length) throw new Error(`the ring took ${sent} of ${chunk.length} messages`);
    }
  }

  status(): Promise<RecorderStatus> {
    return this.recorder.invoke('status', {}) as Promise<RecorderStatus>;
  }

  /** Everything received is queued and written (or known duplicate), nothing held in memory or spool. */
  async settled(expectedFrames: number): Promise<RecorderStatus> {
    let last!: RecorderStatus;
    await waitFor(async () => {
      last = await this.status();
      const received = Object.values(last.received).reduce((a, b) => a + b, 0);
      return received >= expectedFrames && last.queueDepth === 0 && !last.degraded && last.written + last.duplicates + last.rejected === last.queued;
    }, 30_000, () => `recorder not settled: ${JSON.stringify(last)}`);
    return last;
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.splice(0).map((h) => h.stop(10_000).catch(() => h.kill()))); // a graceful stop that fails ends in a kill
  }
}

export async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000, describe: () => string = () => 'condition not met in time'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((r) => setTimeout(r, 25));
  }
}
