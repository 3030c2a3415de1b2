import { defineActor } from '../../src/runtime/actor-definition.js';
import { applyFaultCommand, parseFaultCommand } from './fault-command.js';
import { resolveVenueOptions, type VenueOptions } from './options.js';
import { startVenueEmulator, type RunningVenue } from './server.js';

/**
 * The local venue emulator as a supervised actor, so `bot4 start` on a fresh machine has
 * a Binance-compatible venue to paper-trade against. Its config is the emulator's options
 * (docs/venue-emulator.md); give it a fixed `port` so exchange actors can find it. Runs
 * with wait strategy `park`: its event loop serves HTTP and WebSocket clients.
 */
export default defineActor<VenueOptions, { venue: RunningVenue }>({
  kind: 'venue-sim',
  parseConfig(raw) {
    const options = (raw ?? {}) as VenueOptions;
    resolveVenueOptions(options); // throws VenueOptionsError naming every bad field
    return options;
  },
  async init(ctx) {
    const venue = await startVenueEmulator(ctx.config);
    ctx.log.info({ httpUrl: venue.httpUrl, wsUrl: venue.wsUrl, state: venue.state }, `venue emulator listening on ${venue.httpUrl}${
      venue.state ? `, state ${venue.state.restored ? 'restored from' : 'kept in'} ${venue.state.dir}` : ', state in memory only'}`);
    for (const note of venue.state?.notes ?? []) ctx.log.warn({ stateDir: venue.state?.dir }, note);
    return { venue };
  },
  control: {
    /**
     * Fault injection at run time (issue 5), reachable from the admin socket
     * (`actor.invoke`, src/admin/invocable-controls.ts): args are a FaultCommand
     * (fault-command.ts), e.g. {"fault":"reject","status":429,"count":3}.
     */
    fault(state, args, ctx) {
      const command = parseFaultCommand(args);
      const result = applyFaultCommand(state.venue.faults, command);
      ctx.log.warn({ command, result }, `fault injected: ${JSON.stringify(command)}`);
      return { ...result, faults: state.venue.faults.snapshot() };
    },
  },
  describe: (state) => ({
    httpUrl: state.venue.httpUrl,
    wsUrl: state.venue.wsUrl,
    connections: { market: state.venue.connectionCount('market'), user: state.venue.connectionCount('user') },
    faults: state.venue.faults.snapshot(),
    stateDir: state.venue.state?.dir ?? null,
  }),
  async stop(state) {
    await state.venue.close();
  },
});
