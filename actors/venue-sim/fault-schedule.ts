import type { FaultController, FaultSettings } from './faults.js';

/**
 * The recurring faults of the options (`faults.dropConnections`, `faults.skipDepthUpdates`):
 * a socket drop or a lost depth diff every so often, so a long paper run exercises the
 * client's reconnect and resync paths without anyone calling the fault switches.
 */
export interface FaultSchedule {
  stop(): void;
}

export function startFaultSchedule(faults: FaultController, settings: FaultSettings): FaultSchedule {
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, action: () => void): void => {
    const timer = setInterval(action, ms);
    timer.unref();
    timers.push(timer);
  };
  const drop = settings.dropConnections;
  if (drop) every(drop.everyMs, () => faults.dropConnections(drop.kind ?? 'all'));
  const skip = settings.skipDepthUpdates;
  if (skip) every(skip.everyMs, () => faults.skipDepthUpdate(skip.symbol ?? '*'));
  return {
    stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
    },
  };
}
