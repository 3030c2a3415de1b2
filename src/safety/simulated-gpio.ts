import type { BinaryValue, Direction, Edge, GpioLine, GpioOptions, ValueCallback } from './gpio-line.js';

/**
 * A GPIO line in memory that behaves like onoff's Gpio: `watch` callbacks fire on the
 * configured edge, activeLow inverts what is read and written, and with a
 * debounceTimeout the callback fires once, debounceTimeout ms after the last physical
 * change, with the value read then (onoff debounces on the trailing edge the same way).
 * `setPhysical` is the hardware side: a finger on a button, a wire that breaks.
 */
export class SimulatedGpio implements GpioLine {
  private physical: BinaryValue;
  private readonly listeners: ValueCallback[] = [];
  private debounceTimer: NodeJS.Timeout | undefined;
  private exported = true;
  private readonly activeLow: boolean;
  private readonly debounceMs: number;

  constructor(
    readonly line: number,
    readonly direction: Direction,
    readonly edge: Edge = 'none',
    options: GpioOptions = {},
    initialPhysical: BinaryValue = 0,
  ) {
    this.activeLow = options.activeLow ?? false;
    this.debounceMs = options.debounceTimeout ?? 0;
    this.physical = direction === 'high' ? this.toPhysical(1) : direction === 'low' ? this.toPhysical(0) : initialPhysical;
  }

  readSync(): BinaryValue {
    this.assertExported('readSync');
    return this.toLogical(this.physical);
  }

  writeSync(value: BinaryValue): void {
    this.assertExported('writeSync');
    if (this.direction === 'in') throw new Error(`GPIO ${this.line}: EPERM, cannot write an input line`);
    this.physical = this.toPhysical(value);
  }

  watch(callback: ValueCallback): void {
    this.assertExported('watch');
    this.listeners.push(callback);
  }

  unwatch(callback?: ValueCallback): void {
    if (!callback) {
      this.listeners.length = 0;
      return;
    }
    const index = this.listeners.indexOf(callback);
    if (index >= 0) this.listeners.splice(index, 1);
  }

  unexport(): void {
    this.unwatch();
    clearTimeout(this.debounceTimer);
    this.exported = false;
  }

  /** The electrical level, as a test or `bot4 ctl gpio …` drives it. */
  setPhysical(level: BinaryValue): void {
    this.assertExported('setPhysical');
    if (level === this.physical) return;
    this.physical = level;
    if (this.debounceMs > 0) {
      clearTimeout(this.debounceTimer);
      this.debounceTimer = setTimeout(() => this.interrupt(), this.debounceMs);
    } else {
      this.interrupt();
    }
  }

  physicalLevel(): BinaryValue {
    return this.physical;
  }

  private interrupt(): void {
    const value = this.readSync();
    const fires = this.edge === 'both' || (this.edge === 'rising' && value === 1) || (this.edge === 'falling' && value === 0);
    if (!fires) return;
    for (const listener of this.listeners.slice()) listener(null, value);
  }

  private toLogical(level: BinaryValue): BinaryValue {
    return (this.activeLow ? 1 - level : level) as BinaryValue;
  }

  private toPhysical(value: BinaryValue): BinaryValue {
    return (this.activeLow ? 1 - value : value) as BinaryValue;
  }

  private assertExported(what: string): void {
    if (!this.exported) throw new Error(`GPIO ${this.line}: ${what} after unexport()`);
  }
}
