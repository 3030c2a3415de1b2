import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';

/** The cluster section and cross-node edges: each bad input named with its path and what is wrong. */
const base = mkdtempSync(join(tmpdir(), 'bot4-cluster-config-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const DEFAULTS = join(base, 'default.yaml');
writeFileSync(DEFAULTS, 'tree: { name: root, strategy: one_for_one, children: [{ name: probe, actor: echo }] }\n');

function load(yaml: string, env: NodeJS.ProcessEnv = {}) {
  const file = join(base, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({ baseDir: base, defaultFile: DEFAULTS, configFile: file, env });
}

function issues(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    load(yaml, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a ConfigError');
}

const cluster = (extra = '') => `
cluster:
  node: edge-a
  servers: [nats://127.0.0.1:4222]
  nodes: [core, edge-a]
  kill_switch_node: core
${extra}`;

const tree = (sends: string) => `
tree:
  name: root
  strategy: one_for_one
  children:
    - { name: exchange-a, actor: exchange, sends: ${sends}, receives: [{ from: order-manager, node: core }] }
`;

describe('cluster config', () => {
  it('accepts a node with sends and receives across nodes, and credentials only from the environment', () => {
    const { config } = load(cluster() + tree('[{ to: order-manager, node: core }, { to: risk, node: core, full_policy: drop-newest }]'), { BOT4_CLUSTER__TOKEN: 's3cret' });
    expect(config.cluster).toMatchObject({ node: 'edge-a', kill_switch_node: 'core', lease_ms: 1000, token: 's3cret' });
    const actor = config.tree.children[0]!;
    expect(actor.type === 'actor' && actor.remoteSends).toEqual([{ actor: 'order-manager', node: 'core' }, { actor: 'risk', node: 'core' }]);
    expect(actor.type === 'actor' && actor.sends).toEqual([]);
    expect(actor.type === 'actor' && actor.remoteReceives).toEqual([{ actor: 'order-manager', node: 'core' }]);
  });

  it.each([
    ['an unknown node in sends', cluster() + tree('[{ to: order-manager, node: cor }]'), /tree: root\/exchange-a sends to "order-manager" on unknown node "cor"; cluster.nodes are \[core, edge-a\]/],
    ['this node named in sends', cluster() + tree('[{ to: order-manager, node: edge-a }]'), /"edge-a", which is this node; name a local peer without node:/],
    ['a node name used twice', cluster().replace('nodes: [core, edge-a]', 'nodes: [core, edge-a, core]') + tree('[]'), /cluster.nodes\[2\]: node name "core" is used twice/],
    ['a node that is not in nodes', cluster().replace('node: edge-a', 'node: edge-b') + tree('[]'), /cluster.node: "edge-b" is not in cluster.nodes/],
    ['a kill switch node that is not in nodes', cluster().replace('kill_switch_node: core', 'kill_switch_node: kore') + tree('[]'), /cluster.kill_switch_node: "kore" is not in cluster.nodes/],
    ['a lease no longer than a beat', cluster('  heartbeat_ms: 500\n  lease_ms: 400') + tree('[]'), /cluster.lease_ms: lease_ms \(400\) must exceed heartbeat_ms \(500\)/],
    ['a server that is not a NATS URL', cluster().replace('nats://127.0.0.1:4222', 'http://x') + tree('[]'), /cluster.servers\[0\]: expected a nats:\/\/ or tls:\/\/ URL/],
    ['a token written in the file', cluster('  token: abc') + tree('[]'), /cluster.token: secrets may not be written in a config file/],
    ['a node edge without a cluster section', tree('[{ to: order-manager, node: core }]'), /root\/exchange-a sends to "order-manager" on node "core", but this config has no cluster section/],
    ['a remote peer named like a local actor', cluster() + tree('[{ to: exchange-a, node: core }]'), /"exchange-a" on node core: an actor of this node has that name/],
  ])('refuses %s', (_what, yaml, expected) => {
    expect(issues(yaml).join('\n')).toMatch(expected);
  });
});
