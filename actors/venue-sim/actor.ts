import { defineActor } from '../../src/runtime/actor-definition.js';
import { resolveVenueOptions, type VenueOptions } from './options.js';
import { startVenueEmulator, type RunningVenue } from './server.js';
import type { ConnectionKind } from './faults.js';

/**
 * The local venue emulator as a supervised actor, so `bot4 start` on a fresh machine has
 * a Binance-compatible venue to paper-trade against. Its config is the emulator's options
 * (docs/venue-emulator.md); give it a fixed `port` so exchange actors can find it. Runs
 * with wait strategy `park`: its event loop serves HTTP and WebSocket clients.
 */
type FaultCommand =
  | { fault: 'latency'; ms: number }
  | { fault: 'clock-offset'; ms: number }
  | { fault: 'reject'; status: 429 | 418; count?: number }
  | { fault: 'skip-depth'; symbol?: string }
  | { fault: 'silence' }
  | { fault: 'resume' }
  | { fault: 'drop'; kind?: ConnectionKind }
  | { fault: 'clear' };

export default defineActor<VenueOptions, { venue: RunningVenue }>({
  kind: 'venue-sim',
  parseConfig(raw) {
    const options = (raw ?? {}) as VenueOptions;
    resolveVenueOptions(options); // throws VenueOptionsError naming every bad field
    return options;
  },
  async init(ctx) {
    const venue = await startVenueEmulator(ctx.config);
    ctx.log.info({ httpUrl: venue.httpUrl, wsUrl: venue.wsUrl }, `venue emulator listening on ${venue.httpUrl}`);
    return { venue };
  },
  control: {
    /** Fault injection at run time (issue 5): latency, clock offset, 429/418, sequence gap, silent feed, dropped sockets. */
    fault(state, args) {
      const command = args as FaultCommand;
      const faults = state.venue.faults;
      switch (command?.fault) {
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
          return { dropped: faults.dropConnections(command.kind ?? 'all') };
        case 'clear':
          faults.clear();
          break;
        default:
          throw new Error(`venue fault: unknown fault ${JSON.stringify((command as { fault?: unknown })?.fault)} (latency, clock-offset, reject, skip-depth, silence, resume, drop, clear)`);
      }
      return { ok: true };
    },
  },
  describe: (state) => ({ httpUrl: state.venue.httpUrl, wsUrl: state.venue.wsUrl, connections: state.venue.connectionCount('all') }),
  async stop(state) {
    await state.venue.close();
  },
});
