/**
 * The part of onoff's `Gpio` the kill-switch panel uses. The real class satisfies it as
 * is; SimulatedGpio implements the same contract for machines without GPIO (tests, demos,
 * CI). Values are logical: with activeLow, a physically low line reads 1.
 */
export type BinaryValue = 0 | 1;
export type Direction = 'in' | 'out' | 'high' | 'low';
export type Edge = 'none' | 'rising' | 'falling' | 'both';
export type ValueCallback = (err: Error | null | undefined, value: BinaryValue) => void;

export interface GpioOptions {
  debounceTimeout?: number;
  activeLow?: boolean;
  reconfigureDirection?: boolean;
}

export interface GpioLine {
  readSync(): BinaryValue;
  writeSync(value: BinaryValue): void;
  watch(callback: ValueCallback): void;
  unwatch(callback?: ValueCallback): void;
  unexport(): void;
}

export type GpioFactory = (line: number, direction: Direction, edge: Edge, options: GpioOptions) => GpioLine;
