import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { actorConfigIssues } from '../../src/config/actor-configs.js';
import { loadConfig } from '../../src/config/load.js';
import { packageRoot } from '../../src/runtime/package-root.js';
import { cleanEnv, runCli } from './run-cli.js';

type RawNode = { name: string; actor?: string; config?: Record<string, any>; children?: RawNode[] };

/** The shipped tree with one refused value planted per actor kind, and the path each one must be reported at. */
function treeWithBadBlocks(): { tree: RawNode; expected: Record<string, RegExp> } {
  const tree = (parse(readFileSync(join(packageRoot(), 'config', 'default.yaml'), 'utf8')) as { tree: RawNode }).tree;
  const plants: Record<string, [string[], unknown]> = {
    risk: [['limits', 'max_position_notional'], -5000],
    'order-manager': [['ack_timeout_ms'], -1],
    strategy: [['strategy_id'], -1],
    exchange: [['stale_after_ms'], 10],
    'kill-switch': [['lease_ms'], 5],
  };
  const expected: Record<string, RegExp> = {};
  const walk = (node: RawNode, path: string): void => {
    node.children?.forEach((child, i) => walk(child, `${path}.children[${i}]`));
    const plant = node.actor ? plants[node.actor] : undefined;
    if (!plant || expected[node.actor!]) return; // the first actor of each kind
    const [keys, value] = plant;
    let block = node.config!;
    for (const key of keys.slice(0, -1)) block = block[key];
    block[keys.at(-1)!] = value;
    const at = `${path}.config.${keys.join('.')}`.replace(/[.[\]]/g, (c) => `\\${c}`);
    expected[node.actor!] = new RegExp(`^  - ${at}: .+$`, 'm');
  };
  walk(tree, 'tree');
  return { tree, expected };
}

describe('bot4 start checks every actor\'s config block before anything starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bot4-actor-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the shipped configuration passes the check', async () => {
    expect(await actorConfigIssues(loadConfig().config, packageRoot())).toEqual([]);
  });

  it('a refused value in the risk, order-manager, strategy, exchange and kill-switch blocks: exit 2, each named at its path, nothing started', async () => {
    const { tree, expected } = treeWithBadBlocks();
    expect(Object.keys(expected).sort()).toEqual(['exchange', 'kill-switch', 'order-manager', 'risk', 'strategy']);
    const file = join(dir, 'bad.yaml');
    // JSON is YAML; everything the runtime would create stays in the temp folder
    writeFileSync(file, JSON.stringify({
      admin: { socket_path: join(dir, 'bot4.sock') },
      logging: { dir: join(dir, 'logs'), console: 'off' },
      database: { data_dir: join(dir, 'pglite') },
      tree,
    }));
    const { code, stdout, stderr } = await runCli(['start', '--config', file], cleanEnv());
    expect(stderr).toMatch(/^bot4 start: invalid configuration \(5 problems\):\n/);
    for (const [kind, line] of Object.entries(expected)) expect(stderr, kind).toMatch(line);
    expect(stderr).toMatch(/limits\.max_position_notional: .*expected number to be >0$/m);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(existsSync(join(dir, 'bot4.sock'))).toBe(false);
    expect(existsSync(join(dir, 'pglite'))).toBe(false);
  }, 180_000);
});
