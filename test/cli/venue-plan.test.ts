import { describe, expect, it } from 'vitest';
import { maskKey, planVenue, VenuePlanError, type PlanIo, type VenueFlags } from '../../src/cli/venue-plan.js';

/** How `bot4 venue` turns flags, environment and a config file into emulator options (no process). */
function io(files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}, folders: readonly string[] = []): PlanIo {
  return {
    env,
    cwd: '/work/here',
    readText(path) {
      if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return files[path]!;
    },
    exists: (path) => path in files || folders.includes(path),
    isDirectory: (path) => folders.includes(path),
  };
}

const problems = (flags: VenueFlags, given = io()): readonly string[] => {
  try {
    planVenue(flags, given);
  } catch (error) {
    return (error as VenuePlanError).problems;
  }
  return [];
};

describe('bot4 venue: flags, environment and config file', () => {
  it('defaults to the documented local account and a simulated market', () => {
    const plan = planVenue({}, io());
    expect(plan.options.accounts).toEqual([{ apiKey: 'bot4LocalVenueKey', secret: 'bot4LocalVenueSecret', balances: { USDT: '100000', BTC: '1', ETH: '10' } }]);
    expect(plan.accounts).toEqual([{ key: 'bot4LocalVenueKey (the documented local default)', secret: 'bot4LocalVenueSecret (the documented local default)' }]);
    expect(plan.market).toBe('simulated (seed 1)');
  });

  it('takes the key and secret from the BOT4_VENUE_* variables and never shows them in full', () => {
    const plan = planVenue({ balance: ['USDT=10.5'] }, io({}, { BOT4_VENUE_API_KEY: 'envKey123456', BOT4_VENUE_SECRET: 'envSecret123' }));
    expect(plan.options.accounts).toEqual([{ apiKey: 'envKey123456', secret: 'envSecret123', balances: { USDT: '10.5' } }]);
    expect(plan.accounts).toEqual([{ key: 'envK… (12 characters) (from $BOT4_VENUE_API_KEY)', secret: 'from $BOT4_VENUE_SECRET' }]);
    expect(maskKey('abcdefghijkl')).toBe('abcd… (12 characters)');
  });

  it('layers flags over the file: port, seed, fees; relative replay files resolve against the file', () => {
    const files = { '/cfg/venue.yaml': 'port: 9000\nfees: { maker: 0.0002 }\nmarket: { kind: replay, files: [data/a.gz], speed: 5 }\n', '/cfg/data/a.gz': '' };
    const plan = planVenue({ config: '/cfg/venue.yaml', port: '9100', 'taker-fee': '0.0007', speed: 'max' }, io(files));
    expect(plan.options).toMatchObject({ port: 9100, fees: { maker: '0.0002', taker: '0.0007' }, market: { kind: 'replay', files: ['/cfg/data/a.gz'], speed: 'max' } });
    expect(plan.market).toBe('replay of /cfg/data/a.gz at maximum speed');
    const replay = planVenue({ replay: ['rec.gz'], speed: '10', symbol: 'BTCUSDT' }, io({ '/work/here/rec.gz': '' }));
    expect(replay.options.market).toEqual({ kind: 'replay', files: ['/work/here/rec.gz'], speed: 10, symbol: 'BTCUSDT' });
  });

  it('names conflicting and misplaced flags', () => {
    expect(problems({ seed: '3', replay: ['a.gz'] })).toContain('--seed is for the simulated market and --replay plays a recording: give one of them');
    expect(problems({ speed: '2' })).toEqual(['--speed and --symbol apply to a replay: add --replay FILE (or market.kind: replay in the config file)']);
    expect(problems({ port: '70000' })).toEqual(['--port must be an integer from 0 to 65535, got "70000"']);
    const two = { '/cfg/two.yaml': 'accounts:\n  - { apiKey: aaaaaaaa1, secret: bbbbbbbb, balances: {} }\n  - { apiKey: cccccccc1, secret: dddddddd, balances: {} }\n' };
    expect(problems({ config: '/cfg/two.yaml', 'api-key': 'someKey123' }, io(two))).toEqual([
      '--api-key, --secret-env and --balance set the one account, but /cfg/two.yaml: accounts lists 2; set them in the file',
    ]);
  });

  it('names a bad file by its path and the bad key inside it', () => {
    expect(problems({ config: '/cfg/x.yaml' }, io({ '/cfg/x.yaml': 'port: [1\n' }))[0]).toMatch(/^\/cfg\/x\.yaml: not valid YAML: /);
    expect(problems({ config: '/cfg/x.yaml' }, io({ '/cfg/x.yaml': '- 1\n' }))).toEqual(['/cfg/x.yaml: must be a mapping of emulator options (port, accounts, market, fees, faults, …)']);
    expect(problems({ config: '/cfg/x.yaml' }, io({ '/cfg/x.yaml': 'prot: 1\n' }))).toEqual([expect.stringMatching(/^\/cfg\/x\.yaml: (\(root\)|options|): ?.*prot/)]);
    expect(problems({ config: '/cfg/x.yaml' }, io({ '/cfg/x.yaml': 'accounts:\n  - { apiKey: goodKey123, secretEnv: NOPE, balances: {} }\n' }))).toContain(
      '/cfg/x.yaml: accounts.0.secretEnv: names "NOPE", which is not set in the environment',
    );
  });

  it('--state-dir resolves against the working folder, stateDir in the file against the file\'s folder; a file in the way is named', () => {
    expect(planVenue({ 'state-dir': 'data/venue' }, io()).options.stateDir).toBe('/work/here/data/venue');
    expect(planVenue({ 'state-dir': '/srv/venue' }, io({}, {}, ['/srv/venue'])).options.stateDir).toBe('/srv/venue');
    const files = { '/cfg/venue.yaml': 'stateDir: state/a\n' };
    expect(planVenue({ config: '/cfg/venue.yaml' }, io(files)).options.stateDir).toBe('/cfg/state/a');
    expect(planVenue({ config: '/cfg/venue.yaml', 'state-dir': 'b' }, io(files)).options.stateDir).toBe('/work/here/b');
    expect(problems({ 'state-dir': '' })).toEqual(['--state-dir must name a folder, e.g. data/venue-state']);
    expect(problems({ 'state-dir': 'taken' }, io({ '/work/here/taken': 'x' }))).toEqual(['--state-dir /work/here/taken: exists and is not a folder']);
    expect(problems({ config: '/cfg/venue.yaml' }, io({ ...files, '/cfg/state/a': 'x' }))).toEqual(['/cfg/venue.yaml: stateDir /cfg/state/a: exists and is not a folder']);
  });
});
