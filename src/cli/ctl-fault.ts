/**
 * `bot4 ctl fault <path> <fault> [value…]`: the words of one venue-emulator fault turned
 * into the venue-sim actor's `fault` command (actors/venue-sim/fault-command.ts). Only the
 * shape is checked here (numbers are numbers); the actor validates the rest and names
 * what is wrong.
 */
import { UsageError } from './usage-error.js';

export const FAULT_USAGE = `faults: latency <ms> | clock-offset <ms> | reject <429|418> [count] | skip-depth [SYMBOL] | silence | resume | drop [market|user|all] | clear`;

export function faultArgs(words: readonly string[]): Record<string, unknown> {
  const [fault, ...values] = words;
  const at = (count: number, optional = 0): void => {
    if (values.length < count || values.length > count + optional) {
      throw new UsageError(`ctl fault ${fault} takes ${optional ? `${count} to ${count + optional}` : count} value(s), got ${values.length}; ${FAULT_USAGE}`, 'ctl');
    }
  };
  const number = (text: string, what: string): number => {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new UsageError(`ctl fault ${fault}: ${what} must be a number, got "${text}"`, 'ctl');
    return Number(text);
  };
  switch (fault) {
    case 'latency':
    case 'clock-offset':
      at(1);
      return { fault, ms: number(values[0]!, 'ms') };
    case 'reject':
      at(1, 1);
      return { fault, status: number(values[0]!, 'the HTTP status'), ...(values[1] !== undefined && { count: number(values[1], 'count') }) };
    case 'skip-depth':
      at(0, 1);
      return { fault, ...(values[0] !== undefined && { symbol: values[0] }) };
    case 'drop':
      at(0, 1);
      return { fault, ...(values[0] !== undefined && { kind: values[0] }) };
    case 'silence':
    case 'resume':
    case 'clear':
      at(0);
      return { fault };
    case undefined:
      throw new UsageError(`ctl fault needs an actor path and a fault; ${FAULT_USAGE}`, 'ctl');
    default:
      throw new UsageError(`unknown fault "${fault}"; ${FAULT_USAGE}`, 'ctl');
  }
}

/** The `fault` control's answer for a person: what was done and what is on now. */
export function formatFaultResult(path: string, result: unknown): string {
  const { fault, dropped, faults } = result as { fault: string; dropped?: number; faults?: Record<string, unknown> };
  return `${path}: fault ${fault} applied${dropped !== undefined ? ` (${dropped} socket(s) dropped)` : ''}${faults ? `; now ${JSON.stringify(faults)}` : ''}\n`;
}
