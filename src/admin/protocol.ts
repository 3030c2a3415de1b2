/**
 * The admin socket protocol: newline-delimited JSON over a Unix domain socket.
 *
 *   request  {"id":<any JSON>,"cmd":"<name>","args":{…}}      (args may be omitted when empty)
 *   reply    {"id":…,"ok":true,"result":…}
 *            {"id":…,"ok":false,"error":{"code":"…","message":"…"}}
 *   event    {"event":"<topic>","ts":"<ISO time>","data":{…}}  (after events.subscribe)
 *   notice   {"notice":"events_dropped","count":N}             (a slow subscriber missed N events)
 *
 * A reply to a line that could not be read as a request (bad JSON, too long) carries
 * `"id":null`. Replies on one connection come in request order.
 */
import { z } from 'zod';
import type {
  ActorDetail,
  DashboardInfo,
  StatusReport,
  TradingStateReport,
  TreeNode,
} from './backend.js';

export const ERROR_CODES = [
  'bad_json', // the line is not JSON
  'line_too_long', // the line exceeds admin.max_line_bytes
  'bad_request', // JSON, but not {"id","cmd","args"}
  'unknown_command',
  'bad_args', // args missing, of the wrong type, or unknown
  'not_found', // no such actor path
  'not_available', // this build cannot serve the command yet
  'not_allowed', // actor.invoke: that control is not open to the admin socket (src/admin/invocable-controls.ts)
  'control_failed', // actor.invoke: the actor's control refused the args or failed; the message is the actor's
  'too_many_clients', // admin.max_clients connections are open
  'idle_timeout', // no request within admin.idle_timeout_ms
  'internal', // the backend failed; the message says how
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
}

/** A failure with a protocol error code; thrown by backends and relayed as is. */
export class AdminError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export const TRADING_MODES = ['active', 'reducing', 'paused'] as const;
export type TradingMode = (typeof TRADING_MODES)[number];

const actorPath = z.string().min(1, 'must be a non-empty tree path such as root/safety/kill-switch').max(512);
const reason = z.string().trim().min(1, 'must say why (a non-empty string)').max(500);
/** `*` (all), `lifecycle` (exact) or `lifecycle.*` (the topic and everything below it). */
const topicPattern = z
  .string()
  .regex(/^(\*|[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?)$/, 'a topic is "*", a dotted name, or a dotted name ending in ".*"');

export const COMMAND_ARGS = {
  tree: z.strictObject({}),
  'actor.get': z.strictObject({ path: actorPath }),
  'actor.restart': z.strictObject({ path: actorPath }),
  'actor.kill': z.strictObject({ path: actorPath }),
  'actor.invoke': z.strictObject({
    path: actorPath,
    method: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must name a control method, e.g. "fault"'),
    args: z.unknown().optional(),
  }),
  'killswitch.trip': z.strictObject({ reason }),
  'killswitch.reset': z.strictObject({ reason }),
  'mode.set': z.strictObject({ mode: z.enum(TRADING_MODES) }),
  'gpio.press': z.strictObject({}),
  status: z.strictObject({}),
  'events.subscribe': z.strictObject({ topics: z.array(topicPattern).min(1).max(64) }),
  shutdown: z.strictObject({ reason }),
  dashboard: z.strictObject({}),
} as const;

export type CommandName = keyof typeof COMMAND_ARGS;
export const COMMAND_NAMES = Object.keys(COMMAND_ARGS) as CommandName[];
export type CommandArgs<C extends CommandName> = z.output<(typeof COMMAND_ARGS)[C]>;

export interface CommandResults {
  tree: TreeNode;
  'actor.get': ActorDetail;
  'actor.restart': TreeNode;
  'actor.kill': TreeNode;
  'actor.invoke': unknown;
  'killswitch.trip': TradingStateReport;
  'killswitch.reset': TradingStateReport;
  'mode.set': TradingStateReport;
  'gpio.press': TradingStateReport;
  status: StatusReport;
  'events.subscribe': { readonly topics: readonly string[] };
  shutdown: { readonly accepted: true };
  dashboard: DashboardInfo;
}

/** A validated request; `C` narrows `args`. */
export type AdminRequest = { [C in CommandName]: { readonly id: unknown; readonly cmd: C; readonly args: CommandArgs<C> } }[CommandName];

export type Reply =
  | { readonly id: unknown; readonly ok: true; readonly result: unknown }
  | { readonly id: unknown; readonly ok: false; readonly error: ErrorBody };

export interface AdminEvent {
  readonly topic: string;
  /** ISO-8601 time the event happened. */
  readonly ts: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface EventLine {
  readonly event: string;
  readonly ts: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface DroppedNotice {
  readonly notice: 'events_dropped';
  readonly count: number;
}

export type ParseResult = { readonly ok: true; readonly request: AdminRequest } | { readonly ok: false; readonly id: unknown; readonly error: ErrorBody };

const isCommand = (cmd: string): cmd is CommandName => Object.hasOwn(COMMAND_ARGS, cmd);

/** Reads one request line; never throws. */
export function parseRequestLine(line: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return fail(null, 'bad_json', `not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(null, 'bad_request', 'a request is a JSON object {"id":…,"cmd":"…","args":{…}}');
  }
  const envelope = value as Record<string, unknown>;
  const id = Object.hasOwn(envelope, 'id') ? envelope.id : null;
  const extra = Object.keys(envelope).filter((k) => k !== 'id' && k !== 'cmd' && k !== 'args');
  if (extra.length > 0) return fail(id, 'bad_request', `unknown request field(s): ${extra.join(', ')} (a request has id, cmd, args)`);
  const cmd = envelope.cmd;
  if (typeof cmd !== 'string') return fail(id, 'bad_request', '"cmd" must be a string naming a command');
  if (!isCommand(cmd)) return fail(id, 'unknown_command', `unknown command "${truncate(cmd, 64)}"; commands: ${COMMAND_NAMES.join(', ')}`);
  const rawArgs = envelope.args === undefined ? {} : envelope.args;
  const parsed = COMMAND_ARGS[cmd].safeParse(rawArgs);
  if (!parsed.success) return fail(id, 'bad_args', `${cmd}: ${describeArgIssues(parsed.error.issues)}`);
  return { ok: true, request: { id, cmd, args: parsed.data } as AdminRequest };
}

function describeArgIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown argument(s) ${issue.keys.join(', ')}`;
      const where = issue.path.length > 0 ? `args.${issue.path.map(String).join('.')}` : 'args';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

function fail(id: unknown, code: ErrorCode, message: string): ParseResult {
  return { ok: false, id, error: { code, message } };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** Does a subscription pattern (`*`, `a.b`, `a.*`) select this event topic? */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -2);
    return topic === prefix || topic.startsWith(`${prefix}.`);
  }
  return topic === pattern;
}

export function errorReply(id: unknown, code: ErrorCode, message: string): Reply {
  return { id, ok: false, error: { code, message } };
}

/** Serialises one protocol line (reply, event or notice), newline included. */
export function encodeLine(message: Reply | EventLine | DroppedNotice): string {
  return `${JSON.stringify(message)}\n`;
}
