/**
 * `bot4 ctl`: one command to a running bot4 over its admin socket, printed for a person
 * (or raw with --json). Exit code 0 on success, 1 when the command fails or nobody is
 * listening, 2 for wrong usage (UsageError).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AdminClient, AdminReplyError, AdminUnavailableError } from '../admin/client.js';
import type { DashboardInfo, TradingStateReport, TreeNode } from '../admin/backend.js';
import { TRADING_MODES, type CommandArgs, type CommandName, type DroppedNotice, type EventLine, type Reply, type TradingMode } from '../admin/protocol.js';
import { packageRoot } from '../runtime/package-root.js';
import { FAULT_USAGE, faultArgs, formatFaultResult } from './ctl-fault.js';
import { CTL_HELP } from './help.js';
import { formatStatus, formatTree } from './tree-format.js';
import { UsageError } from './usage-error.js';

export interface CtlOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

type Printer = (result: unknown) => string;

interface Planned {
  readonly cmd: CommandName;
  readonly args: CommandArgs<CommandName>;
  readonly print: Printer;
}

export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.BOT4_ADMIN__SOCKET_PATH;
  return fromEnv ? resolve(packageRoot(), fromEnv) : join(packageRoot(), 'run', 'bot4.sock');
}

export async function runCtl(argv: readonly string[], out: CtlOutput = process.stdout, err: CtlOutput = process.stderr): Promise<number> {
  const { values, positionals } = parseCtlArgs(argv);
  if (values.help) {
    out.write(CTL_HELP);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (sub === undefined) throw new UsageError('missing subcommand', 'ctl');
  const socketPath = values.socket ? resolve(values.socket) : defaultSocketPath();
  const colour = out.isTTY === true && !process.env.NO_COLOR;

  if (sub === 'events') return streamEvents(socketPath, rest, values.json === true, out, err);
  const planned = plan(sub, rest, colour);

  const client = await connectOrSay(socketPath, err);
  if (client === null) return 1;
  try {
    const reply = await client.requestReply(planned.cmd, planned.args);
    if (values.json) {
      out.write(`${JSON.stringify(reply)}\n`);
      return reply.ok ? 0 : 1;
    }
    if (!reply.ok) {
      err.write(`bot4 ctl ${sub}: ${reply.error.code}: ${reply.error.message}\n`);
      return 1;
    }
    out.write(planned.print(reply.result));
    return 0;
  } catch (e) {
    err.write(`bot4 ctl ${sub}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

function parseCtlArgs(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: { socket: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message, 'ctl');
  }
}

function plan(sub: string, rest: readonly string[], colour: boolean): Planned {
  const one = (what: string): string => {
    if (rest.length !== 1 || rest[0] === '') throw new UsageError(`ctl ${sub} takes exactly one ${what}`, 'ctl');
    return rest[0]!;
  };
  const reason = (): string => {
    const text = rest.join(' ').trim();
    if (text === '') throw new UsageError(`ctl ${sub} needs a reason, e.g. bot4 ctl ${sub} "spread blow-out on BTC"`, 'ctl');
    return text;
  };
  const none = (): void => {
    if (rest.length > 0) throw new UsageError(`ctl ${sub} takes no arguments (got ${rest.join(' ')})`, 'ctl');
  };
  switch (sub) {
    case 'tree':
      none();
      return { cmd: 'tree', args: {}, print: (r) => formatTree(r as TreeNode, colour) };
    case 'status':
      none();
      return { cmd: 'status', args: {}, print: (r) => formatStatus(r as Parameters<typeof formatStatus>[0], colour) };
    case 'kill':
      return { cmd: 'killswitch.trip', args: { reason: reason() }, print: printTradingState };
    case 'reset':
      return { cmd: 'killswitch.reset', args: { reason: reason() }, print: printTradingState };
    case 'mode': {
      const mode = one(`mode (${TRADING_MODES.join(', ')})`);
      if (!isTradingMode(mode)) throw new UsageError(`unknown mode "${mode}"; modes: ${TRADING_MODES.join(', ')} (HALTED is entered with ctl kill)`, 'ctl');
      return { cmd: 'mode.set', args: { mode }, print: printTradingState };
    }
    case 'restart':
      return { cmd: 'actor.restart', args: { path: one('actor path') }, print: printNode };
    case 'kill-actor':
      return { cmd: 'actor.kill', args: { path: one('actor path') }, print: printNode };
    case 'invoke': {
      if (rest.length < 2 || rest.length > 3) throw new UsageError('ctl invoke takes an actor path, a control method and optionally its args as JSON, e.g. bot4 ctl invoke root/venues/sim fault \'{"fault":"latency","ms":200}\'', 'ctl');
      return { cmd: 'actor.invoke', args: { path: rest[0]!, method: rest[1]!, args: rest[2] === undefined ? {} : jsonArgs(rest[2]) }, print: (r) => `${JSON.stringify(r, null, 2)}\n` };
    }
    case 'fault': {
      const [path, ...words] = rest;
      if (path === undefined || path === '') throw new UsageError(`ctl fault needs the venue-sim actor's path, e.g. bot4 ctl fault root/paper-venues/venue-sim-a latency 200; ${FAULT_USAGE}`, 'ctl');
      return { cmd: 'actor.invoke', args: { path, method: 'fault', args: faultArgs(words) }, print: (r) => formatFaultResult(path, r) };
    }
    case 'gpio':
      if (rest.length !== 1 || rest[0] !== 'press') throw new UsageError('the gpio subcommand is: bot4 ctl gpio press', 'ctl');
      return { cmd: 'gpio.press', args: {}, print: printTradingState };
    case 'dashboard':
      none();
      return { cmd: 'dashboard', args: {}, print: (r) => `${(r as DashboardInfo).url}\n` };
    case 'shutdown':
      return { cmd: 'shutdown', args: { reason: reason() }, print: () => 'shutdown accepted; the runtime is stopping\n' };
    default:
      throw new UsageError(`unknown ctl subcommand "${sub}"`, 'ctl');
  }
}

function jsonArgs(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`ctl invoke: the args are not JSON (${(e as Error).message}): ${text}`, 'ctl');
  }
}

const isTradingMode = (text: string): text is TradingMode => (TRADING_MODES as readonly string[]).includes(text);

function printTradingState(result: unknown): string {
  const report = result as TradingStateReport;
  return `trading state: ${report.state} since ${report.since} — ${report.reason}\n`;
}

function printNode(result: unknown): string {
  const node = result as TreeNode;
  return `${node.path}: ${node.status}, restarts ${node.restarts}${node.lastError ? `, last error: ${node.lastError}` : ''}\n`;
}

/** Subscribes and prints events until the runtime closes the connection or the user interrupts. */
async function streamEvents(socketPath: string, topics: readonly string[], json: boolean, out: CtlOutput, err: CtlOutput): Promise<number> {
  // Listening from the start: a Ctrl-C that lands while the subscription is being set up
  // (or just after the first event is printed) still ends the stream cleanly with exit 0.
  const interrupted = new Promise<void>((done) => process.once('SIGINT', () => done()));
  const client = await connectOrSay(socketPath, err);
  if (client === null) return 1;
  client.onEvent((line: EventLine | DroppedNotice) => {
    if (json) out.write(`${JSON.stringify(line)}\n`);
    else if ('notice' in line) out.write(`(${line.count} events dropped: this terminal was too slow)\n`);
    else out.write(`${line.ts}  ${line.event}  ${JSON.stringify(line.data)}\n`);
  });
  let reply: Reply;
  try {
    reply = await client.requestReply('events.subscribe', { topics: topics.length > 0 ? [...topics] : ['*'] });
  } catch (e) {
    err.write(`bot4 ctl events: ${(e as Error).message}\n`);
    return 1;
  }
  if (!reply.ok) {
    err.write(`bot4 ctl events: ${new AdminReplyError(reply.error).message}\n`);
    client.close();
    return 1;
  }
  await Promise.race([client.closed, interrupted]);
  client.close();
  return 0;
}

/** The admin client, or null after saying why nobody answers on the socket. */
async function connectOrSay(socketPath: string, err: CtlOutput): Promise<AdminClient | null> {
  try {
    return await AdminClient.connect(socketPath);
  } catch (e) {
    if (e instanceof AdminUnavailableError) {
      err.write(`bot4 ctl: ${e.message}\n`);
      return null;
    }
    throw e;
  }
}
