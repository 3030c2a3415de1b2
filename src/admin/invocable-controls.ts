/**
 * Which actor control methods the admin socket may call (`actor.invoke`), per actor kind.
 * Everything else an actor exposes to its supervisor (the kill switch's trip/reset, the
 * exchange actor's cancelAll, test hooks) stays internal: those have their own admin
 * commands with their own checks, or are not for operators at all.
 */
export const ADMIN_INVOCABLE_CONTROLS: Readonly<Record<string, readonly string[]>> = {
  /** Fault injection into the local emulator (actors/venue-sim/fault-command.ts). */
  'venue-sim': ['fault'],
  /** The full health report of one venue connection (read-only). */
  exchange: ['health'],
};

/** Undefined when allowed; otherwise why not, naming what is allowed. */
export function invocationRefusal(kind: string, method: string): string | undefined {
  const allowed = ADMIN_INVOCABLE_CONTROLS[kind] ?? [];
  if (allowed.includes(method)) return undefined;
  if (allowed.length === 0) return `actors of kind ${kind} expose no control to the admin socket`;
  return `"${method}" is not an admin control of ${kind} actors (allowed: ${allowed.join(', ')})`;
}
