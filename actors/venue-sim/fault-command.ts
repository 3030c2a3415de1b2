import { z } from 'zod';
import type { FaultController } from './faults.js';

/**
 * The run-time fault switch as one JSON command, so it can travel from the admin socket
 * (`actor.invoke {path, method: "fault", args}`, `bot4 ctl fault …`) to the emulator inside
 * the venue-sim actor. Each fault of issue 5 has one `fault` name; `clear` removes them all.
 */
const symbol = z.string().regex(/^[A-Z0-9]{2,20}$/, 'a venue symbol such as BTCUSDT');

export const faultCommandSchema = z.discriminatedUnion('fault', [
  z.strictObject({ fault: z.literal('latency'), ms: z.number().min(0).max(600_000) }),
  z.strictObject({ fault: z.literal('clock-offset'), ms: z.number().min(-86_400_000).max(86_400_000) }),
  z.strictObject({ fault: z.literal('reject'), status: z.union([z.literal(429), z.literal(418)]), count: z.number().int().min(1).optional() }),
  z.strictObject({ fault: z.literal('skip-depth'), symbol: symbol.optional() }),
  z.strictObject({ fault: z.literal('silence') }),
  z.strictObject({ fault: z.literal('resume') }),
  z.strictObject({ fault: z.literal('drop'), kind: z.enum(['market', 'user', 'all']).optional() }),
  z.strictObject({ fault: z.literal('clear') }),
]);

export type FaultCommand = z.output<typeof faultCommandSchema>;
export const FAULT_NAMES = ['latency', 'clock-offset', 'reject', 'skip-depth', 'silence', 'resume', 'drop', 'clear'] as const;

export class FaultCommandError extends Error {
  override readonly name = 'FaultCommandError';
}

/** Validates a command; the error names the bad field and lists the faults when the name is wrong. */
export function parseFaultCommand(raw: unknown): FaultCommand {
  const parsed = faultCommandSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === 'invalid_union' && issue.path.length === 1 && issue.path[0] === 'fault') {
      return `fault: must be one of ${FAULT_NAMES.join(', ')}, got ${JSON.stringify((raw as { fault?: unknown } | null)?.fault)}`;
    }
    if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.join(', ')}`;
    return `${issue.path.length > 0 ? issue.path.join('.') : '(args)'}: ${issue.message}`;
  });
  throw new FaultCommandError(`venue fault: ${problems.join('; ')}`);
}

/** What the command did; `dropped` counts the sockets a drop closed. */
export type FaultResult = { readonly fault: FaultCommand['fault']; readonly dropped?: number };

export function applyFaultCommand(faults: FaultController, command: FaultCommand): FaultResult {
  switch (command.fault) {
    case 'latency':
      faults.setLatency(command.ms);
      break;
    case 'clock-offset':
      faults.setClockOffset(command.ms);
      break;
    case 'reject':
      faults.rejectRequests(command.status, command.count ?? Infinity);
      break;
    case 'skip-depth':
      faults.skipDepthUpdate(command.symbol ?? '*');
      break;
    case 'silence':
      faults.silenceFeed();
      break;
    case 'resume':
      faults.resumeFeed();
      break;
    case 'drop':
      return { fault: 'drop', dropped: faults.dropConnections(command.kind ?? 'all') };
    case 'clear':
      faults.clear();
      break;
  }
  return { fault: command.fault };
}
