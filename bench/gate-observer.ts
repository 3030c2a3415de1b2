/**
 * Worker for bench/kill-switch.ts: spins on the trading gate exactly as an order path
 * reads it, and acknowledges the first HALTED it sees in each round.
 */
import { workerData } from 'node:worker_threads';
import { TradingState } from '../src/domain/messages.js';
import { TradingGate } from '../src/runtime/trading-gate.js';
import { GateProbe } from './gate-probe.js';

const { gate: gateBuffer, probe: probeBuffer, rounds } = workerData as { gate: SharedArrayBuffer; probe: SharedArrayBuffer; rounds: number };
const gate = new TradingGate(gateBuffer);
const probe = new Int32Array(probeBuffer);
const seenAt = new Float64Array(probeBuffer, GateProbe.SEEN_AT_BYTE, 1);

for (let round = 1; round <= rounds; round++) {
  while (Atomics.load(probe, GateProbe.ARMED) !== round) {
    // waiting for the next round
  }
  while (gate.read() !== TradingState.ACTIVE) {
    // the round starts open
  }
  Atomics.store(probe, GateProbe.READY, round);
  while (gate.read() !== TradingState.HALTED) {
    // an order path checking the gate
  }
  seenAt[0] = performance.timeOrigin + performance.now();
  Atomics.store(probe, GateProbe.ACKED, round);
}
