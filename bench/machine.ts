/** The machine a bench ran on, recorded with every result file. */
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { round } from './latency-stats.js';

export interface LoadAverage {
  '1m': number;
  '5m': number;
  '15m': number;
}

export interface MachineInfo {
  cpus: number;
  model: string;
  node: string;
  platform: string;
  arch: string;
  totalMemBytes: number;
  loadAverageAtStart: LoadAverage;
}

export function loadAverage(): LoadAverage {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return { '1m': round(one), '5m': round(five), '15m': round(fifteen) };
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model ?? 'unknown',
    node: process.version,
    platform: platform(),
    arch: arch(),
    totalMemBytes: totalmem(),
    loadAverageAtStart: loadAverage(),
  };
}
