/** `bot4 venue`: runs the local venue emulator (actors/venue-sim) until SIGINT/SIGTERM. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startVenueEmulator, type RunningVenue } from '../../actors/venue-sim/index.js';
import { formatDecimal } from '../../actors/venue-sim/decimal.js';
import { applyFaultCommand, parseFaultCommand } from '../../actors/venue-sim/fault-command.js';
import { VENUE_HELP } from './help.js';
import { UsageError } from './usage-error.js';
import { planVenue, VenuePlanError, type VenueFlags, type VenuePlan } from './venue-plan.js';

export interface VenueOutput {
  write(text: string): unknown;
}

const OPTIONS = {
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  seed: { type: 'string' },
  'api-key': { type: 'string' },
  'secret-env': { type: 'string' },
  balance: { type: 'string', multiple: true },
  'maker-fee': { type: 'string' },
  'taker-fee': { type: 'string' },
  replay: { type: 'string', multiple: true },
  speed: { type: 'string' },
  symbol: { type: 'string' },
  'state-dir': { type: 'string' },
  'faults-from-stdin': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runVenue(argv: readonly string[], out: VenueOutput = process.stdout, err: VenueOutput = process.stderr): Promise<number> {
  let values: VenueFlags & { help?: boolean; 'faults-from-stdin'?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError((e as Error).message, 'venue');
  }
  if (values.help) {
    out.write(VENUE_HELP);
    return 0;
  }
  let plan: VenuePlan;
  try {
    plan = planVenue(values, { env: process.env, cwd: process.cwd(), readText: (path) => readFileSync(path, 'utf8'), exists: existsSync,
      isDirectory: (path) => statSync(path).isDirectory(),
    });
  } catch (e) {
    if (!(e instanceof VenuePlanError)) throw e;
    err.write(`bot4 venue: invalid emulator configuration:\n  ${e.problems.join('\n  ')}\nsee: bot4 venue --help\n`);
    return 2;
  }

  let venue: RunningVenue;
  try {
    venue = await startVenueEmulator(plan.options);
  } catch (e) {
    err.write(`bot4 venue: ${(e as Error).message}\n`);
    return 1;
  }
  out.write(banner(venue, plan));
  if (values['faults-from-stdin']) acceptFaultsFromStdin(venue, out);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  err.write(`bot4 venue: ${signal} received, closing\n`);
  await venue.close();
  return 0;
}

/**
 * `--faults-from-stdin`: each stdin line is one fault command, the JSON of `bot4 ctl fault`'s args
 * (`{"fault":"drop","kind":"all"}`), so a parent process (`bot4 soak`) can switch faults in this
 * emulator while it runs. Each line is answered on stdout, `fault-ok {result}` or `fault-error
 * <what is wrong>`; a bad line never stops the emulator.
 */
function acceptFaultsFromStdin(venue: RunningVenue, out: VenueOutput): void {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    try {
      const result = applyFaultCommand(venue.faults, parseFaultCommand(JSON.parse(line)));
      out.write(`fault-ok ${JSON.stringify(result)}\n`);
    } catch (e) {
      out.write(`fault-error ${(e as Error).message.replace(/\n/g, ' ')}\n`);
    }
  });
}

/** 20000 rather than 20000.00000000. */
function plainDecimal(units: bigint): string {
  return formatDecimal(units).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** What a user needs to point a ccxt script at this emulator; secrets only by where they come from. */
function banner(venue: RunningVenue, plan: VenuePlan): string {
  const faults = Object.entries(plan.options.faults ?? {});
  const accounts = venue.accounts.flatMap((account, index) => {
    const balances = [...venue.venue.ledger.balances(account.name)].map(([asset, entry]) => `${asset} ${plainDecimal(entry.free)}`).join(', ');
    return [
      `  account:    ${account.name}`,
      `    api key:  ${plan.accounts[index]?.key ?? '(unknown)'}`,
      `    secret:   ${plan.accounts[index]?.secret ?? '(unknown)'}`,
      `    balances: ${balances || '(none)'}`,
    ];
  });
  return [
    `venue emulator listening (pid ${process.pid})`,
    `  REST:       ${venue.httpUrl}/api/v3`,
    `  WebSocket:  ${venue.wsUrl}  (market streams ${venue.wsUrl}/stream, user data ${venue.wsUrl}/ws-api/v3)`,
    `  market:     ${plan.market}`,
    ...accounts,
    `  state:      ${venue.state ? `${venue.state.restored ? 'restored from' : 'kept in'} ${venue.state.dir}` : 'in memory only (--state-dir keeps it across restarts)'}`,
    ...(venue.state?.notes ?? []).map((note) => `  note:       ${note}`),
    `  faults:     ${faults.length === 0 ? 'none' : faults.map(([name, value]) => `${name} ${JSON.stringify(value)}`).join(', ')}`,
    '  ccxt:       docs/venue-emulator.md, "Trade against it with your own ccxt script"',
    `  stop:       Ctrl-C or kill -TERM ${process.pid}`,
    '',
  ].join('\n');
}
