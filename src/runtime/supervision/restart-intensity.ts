/**
 * OTP's restart intensity: restarts are remembered in a sliding window over all of a
 * supervisor's children; the (intensity+1)-th restart inside `periodMs` means the
 * supervisor gives up. A window is an immutable list of restart times (ms).
 */
export interface RestartWindow {
  readonly restartTimes: readonly number[];
}

export const emptyRestartWindow: RestartWindow = { restartTimes: [] };

export interface RestartVerdict {
  readonly window: RestartWindow;
  /** Restarts inside the period, counting this one. */
  readonly restartsInPeriod: number;
  readonly exceeded: boolean;
}

/** Records one restart at `nowMs` and says whether the supervisor must give up. */
export function recordRestart(window: RestartWindow, nowMs: number, intensity: number, periodMs: number): RestartVerdict {
  // a restart exactly `periodMs` ago has left the window
  const recent = window.restartTimes.filter((t) => nowMs - t < periodMs);
  recent.push(nowMs);
  return { window: { restartTimes: recent }, restartsInPeriod: recent.length, exceeded: recent.length > intensity };
}
