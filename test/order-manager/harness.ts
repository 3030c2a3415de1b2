/**
 * Real workers around a real order manager: 'risk' is a pipeline-double that sends approved
 * intents and records reports and fills, 'exchange-a' and 'exchange-b' are venue-doubles
 * (venues 1 and 2), 'ks' is a pipeline-double that plays the kill switch's broadcasts. The test
 * drives the trading gate word itself, as the kill switch would.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderType, Side, TimeInForce, TradingState } from '../../src/domain/messages.js';
import type { ActorEventMessage } from '../../src/runtime/actor-protocol.js';
import { startActor, type ActorHandle, type ActorSpec } from '../../src/runtime/actor-handle.js';
import { TradingGateWriter, createTradingGate } from '../../src/runtime/trading-gate.js';
import { buildWiring, type ActorWiring } from '../../src/runtime/wiring.js';

export const fixture = (name: string): string => new URL(`../fixtures/actors/${name}.js`, import.meta.url).href;

export const INSTRUMENTS = [
  { id: 1, symbol: 'BTCUSDT', base: 'BTC', quote: 'USDT', tick_size: 0.01, step_size: 0.001, min_qty: 0.001, min_notional: 5 },
  { id: 2, symbol: 'ETHUSDT', base: 'ETH', quote: 'USDT', tick_size: 0.01, step_size: 0.0001, min_qty: 0.0001, min_notional: 5 },
];

export async function waitFor<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 20));
    last = await probe();
  }
  return last;
}

export interface Received {
  peer: string;
  kind: string;
  message: Record<string, number>;
}

export interface Command {
  action: number;
  orderId: number;
  qty: number;
  reduceOnly: number;
}

export class OrderManagerRig {
  readonly handles: ActorHandle[] = [];
  readonly gate = createTradingGate();
  readonly writer = new TradingGateWriter(this.gate);
  readonly wiring: Map<string, ActorWiring>;
  readonly events: ActorEventMessage[] = [];
  readonly journal = join(mkdtempSync(join(tmpdir(), 'bot4-om-')), 'orders.jsonl');
  om!: ActorHandle;
  risk!: ActorHandle;
  ks!: ActorHandle;
  exchangeA!: ActorHandle;
  exchangeB!: ActorHandle;
  private intentSeq = 0;

  constructor(private readonly omConfig: Record<string, unknown> = {}, private readonly exchangeAConfig: Record<string, unknown> = {}) {
    this.setGate(TradingState.ACTIVE);
    this.wiring = buildWiring(
      [
        { name: 'risk', path: 'root/risk', sends: ['order-manager'], ringBytes: 1 << 16, fullPolicy: 'fail' },
        { name: 'ks', path: 'root/ks', sends: ['order-manager'], ringBytes: 4096, fullPolicy: 'fail' },
        { name: 'order-manager', path: 'root/order-manager', sends: ['exchange-a', 'exchange-b', 'risk'], ringBytes: 1 << 16, fullPolicy: 'fail' },
        { name: 'exchange-a', path: 'root/exchange-a', sends: ['order-manager'], ringBytes: 1 << 16, fullPolicy: 'fail' },
        { name: 'exchange-b', path: 'root/exchange-b', sends: ['order-manager'], ringBytes: 1 << 16, fullPolicy: 'fail' },
      ],
      this.gate,
    );
  }

  setGate(state: TradingState): void {
    this.writer.set(state);
    this.writer.renewLease(3_600_000);
  }

  get omSpec(): ActorSpec {
    return {
      path: 'root/order-manager',
      name: 'order-manager',
      kind: 'order-manager',
      logLevel: 'silent',
      config: { venues: { '1': 'exchange-a', '2': 'exchange-b' }, instruments: INSTRUMENTS, journal_file: this.journal, ack_timeout_ms: 400, tick_ms: 20, cancel_all_retry_ms: 500, retry: { base_backoff_ms: 50, max_backoff_ms: 200, max_attempts: 5 }, ...this.omConfig },
    };
  }

  private async start(spec: ActorSpec): Promise<ActorHandle> {
    const handle = await startActor(spec, this.wiring.get(spec.name)!, { onEvent: (e) => this.events.push(e) });
    this.handles.push(handle);
    return handle;
  }

  /** Starts the doubles and the order manager; waits for its reconciliation unless told not to. */
  async up(options: { waitReconciled?: boolean } = {}): Promise<this> {
    const double = (name: string, kind: string, config: unknown = {}) => this.start({ path: `root/${name}`, name, kind, moduleUrl: fixture(kind), config, logLevel: 'silent' });
    this.exchangeA = await double('exchange-a', 'venue-double', { venue: 1, namespace: 'bot4', reports_to: 'order-manager', ...this.exchangeAConfig });
    this.exchangeB = await double('exchange-b', 'venue-double', { venue: 2, namespace: 'bot4', reports_to: 'order-manager' });
    this.risk = await double('risk', 'pipeline-double');
    this.ks = await double('ks', 'pipeline-double');
    await this.startOrderManager(options.waitReconciled ?? true);
    return this;
  }

  async startOrderManager(waitReconciled = true): Promise<ActorHandle> {
    this.om = await this.start(this.omSpec);
    if (waitReconciled) await this.waitReconciled();
    return this.om;
  }

  async waitReconciled(): Promise<void> {
    await waitFor('reconciliation with both venues', () => this.status(), (s) => s.allReconciled === true);
  }

  async status(): Promise<Record<string, any>> {
    return (await this.om.invoke('status', {})) as Record<string, any>;
  }

  /** Sends an intent from 'risk' to the order manager; returns its (strategy, intentId). */
  async intent(fields: Partial<Record<string, number>> = {}): Promise<{ strategy: number; intentId: number; orderId: number }> {
    const message = {
      strategy: 3, intentId: ++this.intentSeq, venue: 1, instrument: 1, side: Side.BUY, type: OrderType.LIMIT, timeInForce: TimeInForce.GTC,
      reduceOnly: 0, price: 100, qty: 0.5, expectedPrice: 100, createdTsUs: Date.now() * 1000, ...fields,
    };
    await this.risk.invoke('send', { peer: 'order-manager', kind: 'OrderIntent', message });
    return { strategy: message.strategy, intentId: message.intentId, orderId: message.strategy * 2 ** 32 + message.intentId };
  }

  async commands(exchange: ActorHandle = this.exchangeA): Promise<Command[]> {
    return (await exchange.invoke('commands', {})) as Command[];
  }

  async atRisk(): Promise<Received[]> {
    return (await this.risk.invoke('received', {})) as Received[];
  }

  async reportsFor(orderId: number): Promise<Record<string, number>[]> {
    return (await this.atRisk()).filter((r) => r.kind === 'ExecutionReport' && r.message.orderId === orderId).map((r) => r.message);
  }

  async down(): Promise<void> {
    await Promise.all(this.handles.splice(0).filter((h) => h.isAlive()).map((h) => h.kill()));
  }
}
