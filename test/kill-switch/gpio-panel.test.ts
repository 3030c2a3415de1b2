import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { TradingState } from '../../src/domain/messages.js';
import { GpioPanel, detectLineOffset, gpioConfigSchema, type GpioTripSource } from '../../src/safety/gpio-panel.js';
import { SimulatedGpio } from '../../src/safety/simulated-gpio.js';

const log = pino({ level: 'silent' });
const panels: GpioPanel[] = [];
afterEach(() => panels.splice(0).forEach((p) => p.close()));

async function openPanel(overrides: Record<string, unknown> = {}) {
  const trips: { source: GpioTripSource; reason: string }[] = [];
  const config = gpioConfigSchema.parse({
    mode: 'simulated',
    button: { line: 17, debounce_ms: 30 },
    tamper: { line: 27, debounce_ms: 10 },
    leds: { green: 22, amber: 23, red: 24, blink_ms: 50 },
    ...overrides,
  });
  const panel = await GpioPanel.open(config, { onTrip: (source, reason) => trips.push({ source, reason }), log });
  panels.push(panel);
  return { panel, trips };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('simulated GPIO line honours the onoff contract', () => {
  it('inverts with activeLow, fires on its edge, and debounces on the trailing edge', async () => {
    const line = new SimulatedGpio(5, 'in', 'rising', { activeLow: true, debounceTimeout: 20 }, 1);
    const seen: number[] = [];
    line.watch((_err, value) => seen.push(value));
    expect(line.readSync()).toBe(0);
    for (let i = 0; i < 5; i++) {
      line.setPhysical(0);
      line.setPhysical(1);
    }
    line.setPhysical(0); // settles low = logical 1 (pressed)
    await sleep(60);
    expect(seen).toEqual([1]);
    line.setPhysical(1); // falling edge in logical terms: no callback for 'rising'
    await sleep(60);
    expect(seen).toEqual([1]);
  });

  it('refuses writes to inputs and use after unexport', () => {
    const input = new SimulatedGpio(5, 'in');
    expect(() => input.writeSync(1)).toThrow(/cannot write an input/);
    input.unexport();
    expect(() => input.readSync()).toThrow(/after unexport/);
  });
});

describe('kill-switch GPIO panel', () => {
  it('a bouncing button press trips exactly once', async () => {
    const { panel, trips } = await openPanel();
    panel.simulate('press', 6);
    await sleep(100);
    panel.simulate('release', 6);
    await sleep(100);
    expect(trips).toEqual([{ source: 'gpio-button', reason: 'kill-switch button pressed (GPIO 17)' }]);
  });

  it('opening the tamper loop trips and blinks the red LED', async () => {
    const { panel, trips } = await openPanel();
    panel.showState(TradingState.ACTIVE);
    expect(panel.status().leds).toMatchObject({ green: 1, amber: 0, red: 0, blinking: false });
    panel.simulate('tamper-open', 3);
    await sleep(50);
    expect(trips.map((t) => t.source)).toEqual(['gpio-tamper']);
    panel.showState(TradingState.HALTED);
    expect(panel.status().leds).toMatchObject({ green: 0, red: 1, blinking: true });
    expect(panel.status().tamper).toEqual({ line: 27, loopClosed: false });
  });

  it('a tamper loop that is open at start trips at once', async () => {
    const trips: GpioTripSource[] = [];
    // "Hardware" whose tamper wire is cut before start: active-low, so open = physical 1.
    const config = gpioConfigSchema.parse({ mode: 'hardware', sysfs_root: mkdtempSync(join(tmpdir(), 'bot4-sysfs-')), line_offset: 0, tamper: { line: 27 } });
    const panel = await GpioPanel.open(config, {
      onTrip: (source) => trips.push(source),
      log,
      hardwareFactory: (line, direction, edge, options) => new SimulatedGpio(line, direction, edge, options, 1),
    });
    panels.push(panel);
    expect(trips).toEqual(['gpio-tamper']);
    expect(panel.status()).toMatchObject({ mode: 'hardware', tamper: { line: 27, loopClosed: false } });
  });

  it('shows each trading state on the LEDs', async () => {
    const { panel } = await openPanel();
    panel.showState(TradingState.REDUCING);
    expect(panel.status().leds).toMatchObject({ green: 0, amber: 1, red: 0 });
    panel.showState(TradingState.PAUSED);
    expect(panel.status().leds).toMatchObject({ green: 0, amber: 1, red: 0 });
    panel.showState(TradingState.HALTED);
    expect(panel.status().leds).toMatchObject({ green: 0, amber: 0, red: 1 });
  });

  it('without accessible hardware it says so and runs without GPIO', async () => {
    const warnings: string[] = [];
    const capture = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
    const config = gpioConfigSchema.parse({ mode: 'hardware', sysfs_root: '/nonexistent/gpio', button: { line: 17 } });
    const panel = await GpioPanel.open(config, { onTrip: () => {}, log: capture, hardwareFactory: () => { throw new Error('must not open lines'); } });
    expect(panel.status().mode).toBe('off');
    expect(warnings[0]).toMatch(/GPIO hardware not accessible \(\/nonexistent\/gpio missing/);
    expect(() => panel.simulate('press')).toThrow(/only simulated lines/);
  });

  it('finds the sysfs line offset of the SoC gpiochip (kernels that number from 512)', () => {
    const root = mkdtempSync(join(tmpdir(), 'bot4-sysfs-'));
    for (const [chip, label, base] of [['gpiochip512', 'pinctrl-bcm2711', '512'], ['gpiochip570', 'raspberrypi-exp-gpio', '570']] as const) {
      mkdirSync(join(root, chip));
      writeFileSync(join(root, chip, 'label'), `${label}\n`);
      writeFileSync(join(root, chip, 'base'), `${base}\n`);
    }
    expect(detectLineOffset(root)).toBe(512);
    expect(detectLineOffset('/nonexistent')).toBe(0);
  });
});
