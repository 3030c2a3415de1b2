/**
 * Maps each validated request (except events.subscribe, which belongs to the connection)
 * to the backend method that serves it.
 */
import type { AdminBackend } from './backend.js';
import { AdminError, type AdminRequest, type CommandName } from './protocol.js';

export interface Dispatched {
  readonly result: unknown;
  /** Runs once the reply has been written (shutdown answers before it starts). */
  readonly afterReply?: () => void;
}

type RequestOf<C extends CommandName> = Extract<AdminRequest, { cmd: C }>;

export async function dispatch(backend: AdminBackend, request: Exclude<AdminRequest, RequestOf<'events.subscribe'>>, onShutdownError: (err: unknown) => void): Promise<Dispatched> {
  switch (request.cmd) {
    case 'tree':
      return { result: await backend.tree() };
    case 'actor.get':
      return { result: await backend.actorGet(request.args.path) };
    case 'actor.restart':
      return { result: await backend.actorRestart(request.args.path) };
    case 'actor.kill':
      return { result: await backend.actorKill(request.args.path) };
    case 'actor.invoke':
      return { result: await backend.actorInvoke(request.args.path, request.args.method, request.args.args ?? {}) };
    case 'killswitch.trip':
      return { result: await backend.killswitchTrip(request.args.reason) };
    case 'killswitch.reset':
      return { result: await backend.killswitchReset(request.args.reason) };
    case 'mode.set':
      return { result: await backend.modeSet(request.args.mode) };
    case 'gpio.press':
      return { result: await backend.gpioPress() };
    case 'status':
      return { result: await backend.status() };
    case 'dashboard':
      if (!backend.dashboard) throw new AdminError('not_available', 'no dashboard runs in this process (dashboard: false in the config)');
      return { result: await backend.dashboard() };
    case 'shutdown': {
      const { reason } = request.args;
      return {
        result: { accepted: true },
        afterReply: () => {
          backend.shutdown(reason).catch(onShutdownError);
        },
      };
    }
  }
}
