import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashHarness, recorderOf, until } from './crash-harness.js';

/**
 * Issue 7's acceptance, the latch part, end to end: the real `bot4 start` process (crash-harness.ts)
 * is tripped to HALTED, killed with SIGKILL, and its kill switch state file deleted, so the latch can
 * only come back from the database; the next process starts HALTED.
 */
let bot: CrashHarness;

beforeAll(async () => {
  bot = await CrashHarness.create();
}, 90_000);

afterAll(async () => {
  await bot?.close();
}, 60_000);

describe('crash recovery of the kill switch latch (bot4 start, SIGKILL, restart)', () => {
  it('a HALTED latch survives SIGKILL and the loss of the kill switch state file', async () => {
    await bot.start();
    const tripped = await bot.admin.call<{ state: string }>('killswitch.trip', { reason: 'crash e2e: trip before SIGKILL' });
    expect(tripped.state).toBe('HALTED');
    // The transition is in the database once the recorder has written it and has nothing queued.
    let written = -1;
    await until('the recorder at rest after the trip', () => recorderOf(bot.admin), (r) => {
      const done = r.queueDepth === 0 && r.written === written && r.written > 0;
      written = r.written;
      return done;
    });
    await bot.crash();
    rmSync(bot.killSwitchFile);
    await bot.start();
    const s = await bot.admin.call<{ trading: { state: string; reason: string } }>('status');
    expect(s.trading.state).toBe('HALTED');
    expect(s.trading.reason).toMatch(/crash e2e: trip before SIGKILL/);
  }, 120_000);
});
