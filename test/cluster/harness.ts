/**
 * Two cluster nodes in one test process: `core` (the kill switch, a frame recorder) and
 * `edge-a` (a message sender that sends to the core's recorder, and a recorder the core's
 * sender reaches), each a real Runtime with its own gate, joined by a real nats-server.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { clusterSchema, type ClusterConfig } from '../../src/cluster/config.js';
import { TradingState } from '../../src/domain/messages.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { parseTreeSpec } from '../../src/runtime/supervision/tree-spec.js';
import { gpioConfigSchema } from '../../src/safety/gpio-panel.js';
import type { AdminEvent } from '../../src/admin/protocol.js';

const fixture = (name: string): string => new URL(`../fixtures/actors/${name}.js`, import.meta.url).href;

export const LEASE_MS = 600;

export function clusterConfig(node: string, servers: string[], extra: Record<string, unknown> = {}): ClusterConfig {
  return clusterSchema.parse({
    node,
    servers,
    nodes: ['core', 'edge-a'],
    kill_switch_node: 'core',
    heartbeat_ms: 100,
    lease_ms: LEASE_MS,
    node_timeout_ms: 800,
    reconnect_wait_ms: 100,
    connect_timeout_ms: 1000,
    ...extra,
  });
}

function coreTree(stateFile: string) {
  return parseTreeSpec({
    name: 'root',
    strategy: 'one_for_one',
    children: [
      { name: 'kill-switch', actor: 'kill-switch', config: { state_file: stateFile, initial_mode: 'active', lease_ms: 500, lease_renew_ms: 20, dead_man_timeout_ms: 3000 } },
      { name: 'core-recorder', actor: 'frame-recorder', receives: [{ from: 'edge-sender', node: 'edge-a' }] },
      { name: 'core-sender', actor: 'message-sender', sends: [{ to: 'edge-recorder', node: 'edge-a' }] },
    ],
  });
}

function edgeTree() {
  return parseTreeSpec({
    name: 'root',
    strategy: 'one_for_one',
    children: [
      { name: 'edge-sender', actor: 'message-sender', sends: [{ to: 'core-recorder', node: 'core' }] },
      { name: 'edge-recorder', actor: 'frame-recorder', receives: [{ from: 'core-sender', node: 'core' }] },
    ],
  });
}

export interface Node {
  runtime: Runtime;
  events: AdminEvent[];
}

export function createNode(node: 'core' | 'edge-a', servers: string[], extra: Record<string, unknown> = {}): Node {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'bot4-cluster-')), 'kill-switch.json');
  const runtime = Runtime.create({
    tree: node === 'core' ? coreTree(stateFile) : edgeTree(),
    seed: 3,
    logger: pino({ level: process.env.BOT4_TEST_LOG ?? 'silent' }),
    gpio: gpioConfigSchema.parse({ mode: 'simulated', button: { line: 17, debounce_ms: 10 } }),
    heartbeatMs: 20,
    shutdownDeadlineMs: 10_000,
    cancelOpenOrdersOnExit: false,
    standbyWorkers: false,
    actorModules: { 'frame-recorder': fixture('frame-recorder'), 'message-sender': fixture('message-sender') },
    cluster: clusterConfig(node, servers, extra),
  });
  const events: AdminEvent[] = [];
  runtime.subscribe(['cluster.*', 'killswitch.*'], (event) => events.push(event));
  return { runtime, events };
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - started;
}

export const isActive = (node: Node): boolean => node.runtime.gate.read() === TradingState.ACTIVE;
export const isHalted = (node: Node): boolean => node.runtime.gate.read() === TradingState.HALTED;
