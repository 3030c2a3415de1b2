/**
 * Kill-switch benchmark: how long from a trip until another thread sees the gate closed.
 *
 *   node <out>/bench/kill-switch.js [--quick]
 *
 * An observer thread spins on TradingGate.read() — what the order manager and exchange
 * actors do before every order — and acknowledges the first HALTED it sees. This thread
 * trips with TradingGateWriter.set(HALTED), the store the kill-switch actor makes. Two
 * estimates per round: half the trip -> acknowledgement round trip (one clock), and the
 * observer's wall-clock stamp minus ours (two threads' clocks, derived from one process
 * clock; good to a few hundred ns).
 *
 * Trip -> cancel requests at every venue runs the real runtime against two emulated
 * venues (bench/trip-to-cancels.ts).
 */
import { Worker } from 'node:worker_threads';
import { TradingState } from '../src/domain/messages.js';
import { TradingGateWriter, createTradingGate } from '../src/runtime/trading-gate.js';
import { GateProbe } from './gate-probe.js';
import { summarizeLatency, type LatencySummary } from './latency-stats.js';
import { measureTripToCancels } from './trip-to-cancels.js';

export interface KillSwitchBenchResult {
  suite: 'kill-switch';
  quick: boolean;
  rounds: number;
  gateClosedRoundTripHalf: LatencySummary;
  gateClosedOneWay: LatencySummary;
  tripToCancelsSent: LatencySummary;
}

const wallNs = (): number => (performance.timeOrigin + performance.now()) * 1e6;
/** A round that takes this long means the observer thread died: fail instead of spinning forever. */
const STALL_MS = 10_000;

export async function runKillSwitchBench(opts: { quick: boolean }): Promise<KillSwitchBenchResult> {
  const rounds = opts.quick ? 2_000 : 50_000;
  const warmup = Math.floor(rounds / 10);
  const gateBuffer = createTradingGate();
  const probeBuffer = new SharedArrayBuffer(GateProbe.BYTES);
  const probe = new Int32Array(probeBuffer);
  const seenAt = new Float64Array(probeBuffer, GateProbe.SEEN_AT_BYTE, 1);
  const gate = new TradingGateWriter(gateBuffer);
  gate.renewLease(3_600_000);
  const observer = new Worker(new URL('./gate-observer.js', import.meta.url), { workerData: { gate: gateBuffer, probe: probeBuffer, rounds: rounds + warmup } });
  const exited = new Promise<number>((resolve, reject) => {
    observer.once('exit', resolve);
    observer.once('error', reject);
  });
  const half = new Float64Array(rounds);
  const oneWay = new Float64Array(rounds);
  try {
    for (let round = 1; round <= rounds + warmup; round++) {
      gate.set(TradingState.ACTIVE);
      Atomics.store(probe, GateProbe.ARMED, round);
      const deadline = performance.now() + STALL_MS;
      while (Atomics.load(probe, GateProbe.READY) !== round) {
        // observer confirms it is spinning on an open gate
        if (performance.now() > deadline) throw new Error(`kill-switch bench: the observer thread stopped answering (round ${round})`);
      }
      const t0 = performance.now();
      const trippedAtNs = wallNs();
      gate.set(TradingState.HALTED);
      while (Atomics.load(probe, GateProbe.ACKED) !== round) {
        // until the observer has seen it
        if (performance.now() > deadline + STALL_MS) throw new Error(`kill-switch bench: the observer never saw the trip of round ${round}`);
      }
      const t1 = performance.now();
      if (round > warmup) {
        half[round - warmup - 1] = ((t1 - t0) * 1e6) / 2;
        oneWay[round - warmup - 1] = seenAt[0]! * 1e6 - trippedAtNs;
      }
    }
    await exited;
  } finally {
    await observer.terminate();
  }
  const tripToCancels = await measureTripToCancels({ rounds: opts.quick ? 5 : 40 });
  return {
    suite: 'kill-switch',
    quick: opts.quick,
    rounds,
    gateClosedRoundTripHalf: summarizeLatency(half, 'ns', 'trip -> observer acknowledges, round trip / 2 (one clock)'),
    gateClosedOneWay: summarizeLatency(oneWay, 'ns', "observer's wall-clock stamp minus the trip's (two threads' clocks)"),
    tripToCancelsSent: tripToCancels,
  };
}

export function formatKillSwitchBench(result: KillSwitchBenchResult): string {
  const row = (name: string, s: LatencySummary) =>
    `  ${name.padEnd(42)} p50 ${String(s.p50.value).padStart(8)} ${s.p50.unit}  p99 ${String(s.p99.value).padStart(8)}  p99.9 ${String(s.p999.value).padStart(8)}  (n=${s.p50.samples}; ${s.method})`;
  return [
    `kill switch ${result.quick ? '(quick)' : ''}`,
    row('trip -> gate closed (round trip / 2)', result.gateClosedRoundTripHalf),
    row('trip -> gate closed (one way, wall clocks)', result.gateClosedOneWay),
    row('trip -> cancel-all at every venue', result.tripToCancelsSent),
  ].join('\n');
}
