import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisionEvent } from '../../src/runtime/supervision/events.js';
import { startTree, type Harness } from './harness.js';

/**
 * The pino half of "every lifecycle event is a structured event": with a logger, the tree
 * writes one log line per event, at a level that says how bad it is, carrying the event
 * whole (paths, reasons). Real workers crash, are killed and stop; the lines are captured
 * from a pino destination.
 */
interface LogLine {
  level: number;
  msg: string;
  supervision: SupervisionEvent;
}

const INFO = 30;
const WARN = 40;
const ERROR = 50;

function capturingLogger(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

const actor = (name: string, extra: Record<string, unknown> = {}) => ({ name, actor: 'flaky', shutdown_ms: 500, heartbeat_timeout_ms: 2000, ...extra });
/** What a log line carries of an event: the event as JSON (an undefined threadId is left out). */
const asLogged = (events: readonly SupervisionEvent[]): unknown => JSON.parse(JSON.stringify(events));
const linesOf = (lines: readonly LogLine[], type: SupervisionEvent['type'], path?: string): LogLine[] =>
  lines.filter((l) => l.supervision.type === type && (path === undefined || ('path' in l.supervision && l.supervision.path === path)));

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

describe('supervision lifecycle events as pino log lines', () => {
  it('child-started, child-exited (with its reason), restarting and kill-requested each log the path concerned', async () => {
    const { logger, lines } = capturingLogger();
    harness = await startTree({ name: 'root', strategy: 'one_for_one', children: [actor('a'), actor('b')] }, 42, { logger });

    const started = linesOf(lines, 'child-started');
    expect(started.map((l) => [l.level, l.msg, l.supervision.type === 'child-started' && l.supervision.path])).toEqual([
      [INFO, 'supervision child-started', 'root/a'],
      [INFO, 'supervision child-started', 'root/b'],
    ]);
    expect(started[0]!.supervision).toMatchObject({ supervisor: 'root', nodeKind: 'actor', restarts: 0, threadId: harness.threadIdOf('root/a') });

    // a crash: logged as a warning with the reason, then the restart decision, then the new start
    await harness.handles.get('root/a')!.invoke('crash', { how: 'throw' });
    await harness.waitFor('child-started', (e) => e.path === 'root/a' && e.restarts === 1);
    const [crashed] = linesOf(lines, 'child-exited', 'root/a');
    expect(crashed).toMatchObject({
      level: WARN,
      msg: 'supervision child-exited',
      supervision: { supervisor: 'root', path: 'root/a', requested: false, reason: { kind: 'error', error: { message: 'flaky crash on start 1' } } },
    });
    expect(crashed!.supervision.type === 'child-exited' && crashed!.supervision.description).toContain('flaky crash on start 1');
    const [restarting] = linesOf(lines, 'restarting');
    expect(restarting).toMatchObject({ level: INFO, msg: 'supervision restarting', supervision: { supervisor: 'root', children: ['root/a'], requested: false, restartsInPeriod: 1 } });
    expect(restarting!.supervision.type === 'restarting' && restarting!.supervision.cause).toContain('root/a');
    expect(linesOf(lines, 'child-started', 'root/a')[1]).toMatchObject({ level: INFO, supervision: { restarts: 1, threadId: harness.threadIdOf('root/a') } });

    // an operator's kill: the request and the exit it caused, both naming the actor
    const mark = harness.events.length;
    await harness.tree.killActor('root/b');
    await harness.waitFor('child-started', (e) => e.path === 'root/b', mark);
    expect(linesOf(lines, 'kill-requested', 'root/b')).toEqual([expect.objectContaining({ level: WARN, supervision: expect.objectContaining({ path: 'root/b' }) })]);
    expect(linesOf(lines, 'child-exited', 'root/b')).toEqual([
      expect.objectContaining({ level: WARN, supervision: expect.objectContaining({ path: 'root/b', reason: { kind: 'killed', requested: false }, requested: false }) }),
    ]);

    // a requested stop is routine: info, marked requested
    await harness.stop();
    harness = undefined;
    const stopped = lines.filter((l) => l.supervision.type === 'child-exited' && l.supervision.requested);
    expect(stopped.map((l) => [l.level, 'path' in l.supervision && l.supervision.path])).toEqual([
      [INFO, 'root/b'],
      [INFO, 'root/a'],
    ]);
    expect(linesOf(lines, 'supervisor-stopped')).toEqual([expect.objectContaining({ level: INFO, supervision: expect.objectContaining({ supervisor: 'root' }) })]);
  });

  it('a supervisor that gives up and escalates logs errors naming itself and the cause', async () => {
    const { logger, lines } = capturingLogger();
    harness = await startTree(
      {
        name: 'root',
        strategy: 'one_for_one',
        intensity: 5,
        children: [{ name: 'inner', strategy: 'one_for_one', intensity: 0, period_ms: 60_000, children: [actor('x')] }],
      },
      42,
      { logger },
    );
    const tree = harness;
    await tree.handles.get('root/inner/x')!.invoke('crash', { how: 'exit', exitCode: 7 });
    await tree.waitFor('child-started', (e) => e.path === 'root/inner' && e.restarts === 1);

    const [gaveUp] = linesOf(lines, 'supervisor-gave-up');
    expect(gaveUp).toMatchObject({ level: ERROR, msg: 'supervision supervisor-gave-up', supervision: { supervisor: 'root/inner', intensity: 0, periodMs: 60_000 } });
    expect(gaveUp!.supervision.type === 'supervisor-gave-up' && gaveUp!.supervision.cause).toContain('root/inner/x');
    expect(linesOf(lines, 'escalated')).toEqual([expect.objectContaining({ level: ERROR, supervision: expect.objectContaining({ supervisor: 'root/inner', to: 'root' }) })]);
    expect(linesOf(lines, 'child-exited', 'root/inner/x')[0]).toMatchObject({ level: WARN, supervision: { reason: { kind: 'exit-code', code: 7 }, requested: false } });
    expect(linesOf(lines, 'child-exited', 'root/inner')[0]).toMatchObject({ level: WARN, supervision: { supervisor: 'root', reason: { kind: 'escalated', supervisor: 'root/inner' } } });

    // one line per event, in order, each carrying the event whole
    expect(lines.map((l) => l.supervision)).toEqual(asLogged(tree.events));
  });
});
