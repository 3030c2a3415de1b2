import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { TradingState } from '../domain/messages.js';
import type { BinaryValue, GpioFactory, GpioLine, ValueCallback } from './gpio-line.js';
import { SimulatedGpio } from './simulated-gpio.js';

/**
 * The kill switch's hardware: a button that trips, a tamper loop (a wire that must stay
 * closed: opening it trips) and three status LEDs. It runs on the supervisor's main
 * thread, not in the kill-switch worker: onoff's epoll addon is not safe in worker
 * threads (it crashes the process when the thread exits), and a button must work even
 * while the kill-switch actor is restarting. A trip therefore goes through the runtime,
 * which closes the gate itself before telling the actor.
 */
export const gpioConfigSchema = z.strictObject({
  /** hardware: onoff on /sys/class/gpio; simulated: in-memory lines (tests, demos, `bot4 ctl gpio press`); off. */
  mode: z.enum(['hardware', 'simulated', 'off']).default('simulated'),
  sysfs_root: z.string().default('/sys/class/gpio'),
  /** Added to every line number: a number, or "auto" to use the base of the SoC's pinctrl gpiochip. */
  line_offset: z.union([z.number().int().min(0), z.literal('auto')]).default('auto'),
  button: z
    .strictObject({
      line: z.number().int().min(0),
      active_low: z.boolean().default(true),
      debounce_ms: z.number().int().min(0).max(1000).default(50),
    })
    .optional(),
  tamper: z
    .strictObject({
      line: z.number().int().min(0),
      active_low: z.boolean().default(true),
      debounce_ms: z.number().int().min(0).max(1000).default(20),
    })
    .optional(),
  leds: z
    .strictObject({
      green: z.number().int().min(0),
      amber: z.number().int().min(0),
      red: z.number().int().min(0),
      blink_ms: z.number().int().min(50).default(250),
    })
    .optional(),
});
export type GpioConfig = z.infer<typeof gpioConfigSchema>;

export type GpioTripSource = 'gpio-button' | 'gpio-tamper';

export interface GpioPanelStatus {
  mode: 'hardware' | 'simulated' | 'off';
  note: string;
  lineOffset: number;
  button: { line: number; pressed: boolean } | null;
  tamper: { line: number; loopClosed: boolean } | null;
  leds: { green: BinaryValue; amber: BinaryValue; red: BinaryValue; blinking: boolean } | null;
}

export interface GpioPanelOptions {
  onTrip: (source: GpioTripSource, reason: string) => void;
  log: Logger;
  /** Hardware line factory (onoff's Gpio); resolved lazily so machines without GPIO never load the addon. */
  hardwareFactory?: GpioFactory;
}

/** Sysfs GPIO numbers on recent Raspberry Pi kernels start at a chip base (e.g. 512), not 0. */
export function detectLineOffset(sysfsRoot: string): number {
  if (!existsSync(sysfsRoot)) return 0;
  for (const entry of readdirSync(sysfsRoot)) {
    if (!entry.startsWith('gpiochip')) continue;
    const label = readFileSync(join(sysfsRoot, entry, 'label'), 'utf8').trim();
    if (/pinctrl|bcm2835|rp1/i.test(label)) return Number(readFileSync(join(sysfsRoot, entry, 'base'), 'utf8').trim());
  }
  return 0;
}

export async function loadOnoffFactory(): Promise<{ factory: GpioFactory; accessible: boolean }> {
  const { Gpio } = await import('onoff');
  return { factory: (line, direction, edge, options) => new Gpio(line, direction, edge, options), accessible: Gpio.accessible };
}

export class GpioPanel {
  private button: GpioLine | undefined;
  private tamper: GpioLine | undefined;
  private green: GpioLine | undefined;
  private amber: GpioLine | undefined;
  private red: GpioLine | undefined;
  private blinkTimer: NodeJS.Timeout | undefined;
  private tamperOpen = false;
  private shownState: TradingState = TradingState.HALTED;
  private readonly watchers: { line: GpioLine; callback: ValueCallback }[] = [];

  private constructor(
    private readonly config: GpioConfig,
    private readonly mode: GpioPanelStatus['mode'],
    private readonly note: string,
    private readonly lineOffset: number,
    private readonly options: GpioPanelOptions,
  ) {}

  static async open(config: GpioConfig, options: GpioPanelOptions): Promise<GpioPanel> {
    if (config.mode === 'off') return new GpioPanel(config, 'off', 'GPIO disabled by config (killswitch.gpio.mode: off)', 0, options);
    if (config.mode === 'simulated') {
      const panel = new GpioPanel(config, 'simulated', 'simulated GPIO lines (no hardware): `bot4 ctl gpio press` presses the button', 0, options);
      panel.attach((line, direction, edge, opts) => new SimulatedGpio(line, direction, edge, opts, panel.restingLevel(line)));
      return panel;
    }
    const onoff = options.hardwareFactory ? { factory: options.hardwareFactory, accessible: true } : await loadOnoffFactory();
    if (!onoff.accessible || !existsSync(config.sysfs_root)) {
      const note = `GPIO hardware not accessible (${config.sysfs_root} missing or not writable): the kill switch runs without the button, tamper loop and LEDs; admin commands, risk panics and the dead man's switch still trip it`;
      options.log.warn(note);
      return new GpioPanel(config, 'off', note, 0, options);
    }
    const offset = config.line_offset === 'auto' ? detectLineOffset(config.sysfs_root) : config.line_offset;
    const panel = new GpioPanel(config, 'hardware', `onoff on ${config.sysfs_root}, line offset ${offset}`, offset, options);
    panel.attach(onoff.factory);
    return panel;
  }

  /** Physical level of an input at rest: the button released, the tamper loop closed (active-low wiring). */
  private restingLevel(line: number): BinaryValue {
    const input = line === this.config.button?.line ? this.config.button : line === this.config.tamper?.line ? this.config.tamper : undefined;
    if (!input) return 0;
    const logicalAtRest: BinaryValue = line === this.config.tamper?.line ? 1 : 0;
    return (input.active_low ? 1 - logicalAtRest : logicalAtRest) as BinaryValue;
  }

  private attach(factory: GpioFactory): void {
    const { button, tamper, leds } = this.config;
    const at = (line: number) => line + this.lineOffset;
    if (button) {
      this.button = factory(at(button.line), 'in', 'both', { activeLow: button.active_low, debounceTimeout: button.debounce_ms });
      this.watch(this.button, (value) => {
        if (value === 1) this.options.onTrip('gpio-button', `kill-switch button pressed (GPIO ${button.line})`);
      });
    }
    if (tamper) {
      this.tamper = factory(at(tamper.line), 'in', 'both', { activeLow: tamper.active_low, debounceTimeout: tamper.debounce_ms });
      this.watch(this.tamper, (value) => this.onTamper(value));
      if (this.tamper.readSync() === 0) this.onTamper(0);
    }
    if (leds) {
      this.green = factory(at(leds.green), 'out', 'none', {});
      this.amber = factory(at(leds.amber), 'out', 'none', {});
      this.red = factory(at(leds.red), 'out', 'none', {});
      this.showState(this.shownState);
    }
  }

  private watch(line: GpioLine, onValue: (value: BinaryValue) => void): void {
    const callback: ValueCallback = (err, value) => {
      if (err) {
        this.options.log.error({ err }, `GPIO read error: ${err.message}`);
        return;
      }
      onValue(value);
    };
    line.watch(callback);
    this.watchers.push({ line, callback });
  }

  private onTamper(value: BinaryValue): void {
    if (value === 1) {
      if (this.tamperOpen) this.options.log.warn('tamper loop closed again; the kill switch stays HALTED until reset');
      this.tamperOpen = false;
      this.showState(this.shownState);
      return;
    }
    this.tamperOpen = true;
    this.showState(this.shownState);
    this.options.onTrip('gpio-tamper', `tamper loop opened (GPIO ${this.config.tamper!.line})`);
  }

  /** LEDs: green ACTIVE, amber REDUCING/PAUSED, red HALTED, red blinking while the tamper loop is open. */
  showState(state: TradingState): void {
    this.shownState = state;
    if (!this.green || !this.amber || !this.red) return;
    clearInterval(this.blinkTimer);
    this.blinkTimer = undefined;
    this.green.writeSync(state === TradingState.ACTIVE ? 1 : 0);
    this.amber.writeSync(state === TradingState.REDUCING || state === TradingState.PAUSED ? 1 : 0);
    this.red.writeSync(state === TradingState.HALTED || this.tamperOpen ? 1 : 0);
    if (this.tamperOpen) {
      const red = this.red;
      this.blinkTimer = setInterval(() => red.writeSync(red.readSync() === 1 ? 0 : 1), this.config.leds!.blink_ms);
      this.blinkTimer.unref();
    }
  }

  /** Drives a simulated line like a hand on the hardware would (refused on real hardware). */
  simulate(action: 'press' | 'release' | 'tamper-open' | 'tamper-close', bounces = 0): void {
    if (this.mode !== 'simulated') throw new Error(`gpio ${action}: only simulated lines can be driven from software (GPIO mode is ${this.mode})`);
    const [line, config, logical] =
      action === 'press' || action === 'release'
        ? [this.button, this.config.button, action === 'press' ? 1 : 0]
        : [this.tamper, this.config.tamper, action === 'tamper-close' ? 1 : 0];
    if (!line || !config) throw new Error(`gpio ${action}: no ${action.startsWith('tamper') ? 'tamper' : 'button'} line configured (killswitch.gpio)`);
    const sim = line as SimulatedGpio;
    const level = (config.active_low ? 1 - logical : logical) as BinaryValue;
    // Contact bounce: the level chatters before it settles; the debounce must swallow it.
    for (let i = 0; i < bounces; i++) {
      sim.setPhysical(level);
      sim.setPhysical((1 - level) as BinaryValue);
    }
    sim.setPhysical(level);
  }

  status(): GpioPanelStatus {
    return {
      mode: this.mode,
      note: this.note,
      lineOffset: this.lineOffset,
      button: this.button && this.config.button ? { line: this.config.button.line, pressed: this.button.readSync() === 1 } : null,
      tamper: this.tamper && this.config.tamper ? { line: this.config.tamper.line, loopClosed: this.tamper.readSync() === 1 } : null,
      leds:
        this.green && this.amber && this.red
          ? { green: this.green.readSync(), amber: this.amber.readSync(), red: this.red.readSync(), blinking: this.blinkTimer !== undefined }
          : null,
    };
  }

  close(): void {
    clearInterval(this.blinkTimer);
    for (const { line, callback } of this.watchers) line.unwatch(callback);
    for (const line of [this.button, this.tamper, this.green, this.amber, this.red]) line?.unexport();
  }
}
