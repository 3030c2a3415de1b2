/** `bot4 venue`: runs the local venue emulator (actors/venue-sim) until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { startVenueEmulator } from '../../actors/venue-sim/index.js';
import { VENUE_HELP } from './help.js';
import { UsageError } from './usage-error.js';

export interface VenueOutput {
  write(text: string): unknown;
}

export async function runVenue(argv: readonly string[], out: VenueOutput = process.stdout, err: VenueOutput = process.stderr): Promise<number> {
  let values: { port?: string; host?: string; seed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { port: { type: 'string' }, host: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message, 'venue');
  }
  if (values.help) {
    out.write(VENUE_HELP);
    return 0;
  }
  const port = integerOption('--port', values.port, 0, 65535);
  const seed = integerOption('--seed', values.seed, 0, 0xffffffff);

  let venue: Awaited<ReturnType<typeof startVenueEmulator>>;
  try {
    venue = await startVenueEmulator({
      ...(values.host !== undefined && { host: values.host }),
      ...(port !== undefined && { port }),
      ...(seed !== undefined && { market: { kind: 'simulated', seed } }),
    });
  } catch (e) {
    err.write(`bot4 venue: ${(e as Error).message}\n`);
    return 1;
  }
  out.write(
    [
      `venue emulator listening (pid ${process.pid})`,
      `  REST:       ${venue.httpUrl}/api/v3`,
      `  WebSocket:  ${venue.wsUrl}`,
      ...venue.accounts.map((a) => `  account:    ${a.name} (local test key ${a.apiKey})`),
      '  stop:       Ctrl-C or kill -TERM ' + process.pid,
      '',
    ].join('\n'),
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  err.write(`bot4 venue: ${signal} received, closing\n`);
  await venue.close();
  return 0;
}

function integerOption(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, got "${text}"`, 'venue');
  return value;
}
