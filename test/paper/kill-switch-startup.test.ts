import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminClient, type AdminReply } from './admin-client.js';
import { ORDER, PaperRig } from './paper-rig.js';

/**
 * The kill switch works at every moment the process is alive (issue 11, section 1): the real
 * `bot4 start` process against two venue emulators this test runs (paper-rig.ts), tripped the
 * instant its admin socket appears (the runtime is still starting: the database, then the
 * actors), and during its shutdown. What reached the venues is read from the emulators' own
 * request records, not from the bot.
 */
let rig: PaperRig | undefined;

afterEach(async () => {
  await rig?.close();
  rig = undefined;
}, 60_000);

/** Connects the moment the socket accepts and sends one request (the socket file can exist a moment before it listens). */
async function requestAtSocket(socket: string, cmd: string, args: Record<string, unknown>): Promise<{ reply: AdminReply; tree: AdminReply }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    let client: AdminClient;
    try {
      client = await AdminClient.connect(socket);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 1));
      continue;
    }
    try {
      const reply = await client.request(cmd, args);
      // what the runtime says of its tree while starting, right after the trip
      const tree = await client.request('tree');
      return { reply, tree };
    } finally {
      client.close();
    }
  }
}

interface Latch {
  state: string;
  last: { source: string; reason: string } | null;
  history: { source: string; reason: string }[];
}
const latch = (r: PaperRig): Latch => JSON.parse(readFileSync(r.config.killSwitchFile, 'utf8')) as Latch;
const ordersAtVenues = (r: PaperRig): number[] => r.venues.map((v) => v.requests.get(ORDER) ?? 0);

interface StatsNode {
  path: string;
  kind: string;
  actor: string | null;
  stats: { msgsIn: number } | null;
  children: StatsNode[];
}
const STRATEGIES = ['root/strategies/mm-a', 'root/strategies/mm-b', 'root/strategies/arbitrage'];
async function strategyMessagesIn(r: PaperRig): Promise<number[]> {
  const tree = await r.admin.call<StatsNode>('tree');
  const all = (node: StatsNode): StatsNode[] => [node, ...node.children.flatMap(all)];
  return STRATEGIES.map((path) => all(tree).find((n) => n.path === path)?.stats?.msgsIn ?? 0);
}

/**
 * Every strategy keeps receiving the venues' books (and, ACTIVE, would trade on them: the
 * arbitrage fires at once, the market makers quote): once each has taken `messages` more
 * market messages, no order may have reached a venue.
 */
async function marketFlowedAndNoOrder(r: PaperRig, ordersBefore: number[], messages = 300): Promise<void> {
  const start = await strategyMessagesIn(r);
  await r.until(`every strategy to receive ${messages} more market messages`, () => strategyMessagesIn(r), (now) => now.every((n, i) => n - start[i]! >= messages), 60_000);
  expect(ordersAtVenues(r)).toEqual(ordersBefore);
  expect((await r.status()).trading.state).toBe('HALTED');
}

describe('kill switch during start-up and shutdown: bot4 start against two emulated venues', () => {
  it('an admin trip the instant the socket appears (database still starting) is taken, latched, survives a restart, and no order reaches a venue', async () => {
    let atSocket: { reply: AdminReply; tree: AdminReply } | undefined;
    rig = await PaperRig.start({ recorder: true }, async (socket) => {
      atSocket = await requestAtSocket(socket, 'killswitch.trip', { reason: 'e2e: tripped at the first moment' });
    });
    expect(atSocket!.reply).toMatchObject({ ok: true, result: { state: 'HALTED' } });
    // Taken while the database was starting: no actor, the kill switch included, was running yet.
    expect(atSocket!.tree).toMatchObject({ ok: true, result: { path: 'root' } });
    expect(JSON.stringify(atSocket!.tree.result)).not.toContain('"running"');
    expect(latch(rig)).toMatchObject({ state: 'HALTED', last: { source: 'admin', reason: 'e2e: tripped at the first moment' } });
    await marketFlowedAndNoOrder(rig, [0, 0]);

    // After a restart (the database's latch is reconciled with the file first) it is still HALTED.
    const { code } = await rig.restart();
    expect(code).toBe(0);
    expect(latch(rig).state).toBe('HALTED');
    expect((await rig.status()).trading).toMatchObject({ state: 'HALTED' });
    await marketFlowedAndNoOrder(rig, [0, 0]);
  }, 600_000);

  it('a GPIO press the instant the socket appears halts the same way; after a reset orders flow; a trip during shutdown is latched for the next start', async () => {
    let atSocket: { reply: AdminReply; tree: AdminReply } | undefined;
    rig = await PaperRig.start({ gpio: 'simulated' }, async (socket) => {
      atSocket = await requestAtSocket(socket, 'gpio.press', {});
    });
    expect(atSocket!.reply).toMatchObject({ ok: true, result: { state: 'HALTED' } });
    expect(latch(rig)).toMatchObject({ state: 'HALTED', last: { source: 'gpio-button' } });
    await marketFlowedAndNoOrder(rig, [0, 0]);

    // The same bot trades once an operator resets: the emptiness above was the halt's doing.
    await rig.admin.call('killswitch.reset', { reason: 'e2e: GPIO press reviewed' });
    await rig.until('an order at a venue', async () => ordersAtVenues(rig!), (orders) => orders.some((n) => n > 0));

    // Tripped while shutting down: accepted, and HALTED is what the next start finds.
    const { code, during } = await rig.restart((admin) => admin.request('killswitch.trip', { reason: 'e2e: tripped during shutdown' }));
    expect(during).toMatchObject({ ok: true, result: { state: 'HALTED' } });
    expect(code).toBe(0);
    expect(latch(rig)).toMatchObject({ state: 'HALTED', last: { reason: 'e2e: tripped during shutdown' } });
    await marketFlowedAndNoOrder(rig, ordersAtVenues(rig));
  }, 240_000);
});
