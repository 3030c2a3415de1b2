/**
 * The 10-minute soak (2026-12-05) ended with exit 1 and 0 violations: a `mode-flip` step failed,
 * "mode active: HALTED is latched", because the bot halted itself (a risk panic) during the 2-4 s
 * the soak held it paused; the soak retried `mode.set active` for 60 s against the latch and gave up.
 * Here the real Runtime (kill switch actor) behind the real admin server: a trip lands during the
 * flip, and the soak must note it, reset it and finish the flip active.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from '../../src/admin/server.js';
import { Soak, type RunLog } from '../../src/cli/soak.js';
import { BotProcess } from '../../src/cli/soak-processes.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { parseTreeSpec } from '../../src/runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../../src/safety/gpio-panel.js';

let dir: string;
let runtime: Runtime;
let admin: AdminServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bot4-soak-flip-'));
  runtime = Runtime.create({
    tree: parseTreeSpec({
      name: 'root',
      strategy: 'one_for_one',
      children: [{ name: 'safety', strategy: 'one_for_all', children: [{ name: 'kill-switch', actor: 'kill-switch', config: { state_file: join(dir, 'kill-switch.json') } }] }],
    }),
    seed: 7,
    logger: pino({ level: 'silent' }),
    gpio: gpioConfigSchema.parse({ mode: 'simulated', button: { line: 17, debounce_ms: 10 } }),
    shutdownDeadlineMs: 10_000,
    cancelOpenOrdersOnExit: false,
  });
  await runtime.boot();
  admin = await startAdminServer({ socketPath: join(dir, 'admin.sock'), backend: runtime, maxClients: 4, maxLineBytes: 65_536, idleTimeoutMs: 30_000, subscriberBacklogBytes: 65_536 });
}, 30_000);

afterAll(async () => {
  await admin?.close();
  await runtime?.shutdown('test over');
  rmSync(dir, { recursive: true, force: true });
});

describe('bot4 soak: a mode flip during which the bot halts itself', () => {
  it('notes the halt, resets it and ends the flip active, without a failed step', async () => {
    const log: RunLog = { injected: new Map(), killedByKind: new Map(), halts: [], restartsAfterTrip: [], sigkillRestarts: 0, botHalts: [], resetRequestsMs: [], stepErrors: [] };
    // the flip's steps need only the admin socket: no bot process, venue or database is started
    const soak = new Soak(new BotProcess(join(dir, 'unused.yaml'), {}), admin.socketPath, new Map(), null, log);
    try {
      const flip = soak.run({ kind: 'mode-flip', mode: 'paused', ms: 1_000 });
      for (let i = 0; (await runtime.status()).trading.state !== 'PAUSED'; i++) {
        if (i > 200) throw new Error('the flip never paused the bot');
        await new Promise((r) => setTimeout(r, 10));
      }
      await runtime.killswitchTrip('risk panic while paused (as the soak saw: stale quotes)');
      await flip;
    } finally {
      soak.close();
    }
    expect((await runtime.status()).trading.state).toBe('ACTIVE');
    expect(log.botHalts).toEqual(['risk panic while paused (as the soak saw: stale quotes)']);
    expect(log.resetRequestsMs).toHaveLength(1);
  }, 20_000);
});
