import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TradingState } from '../../src/domain/messages.js';
import { encodeWireFrame } from '../../src/cluster/wire.js';
import type { ClusterStatus } from '../../src/cluster/link.js';
import { MessageType } from '../../src/runtime/codec/message-types.js';
import { NATS_SKIP_REASON, NatsServer, freePort, natsServerBinary } from '../helpers/nats-server.js';
import { LEASE_MS, createNode, isActive, isHalted, waitFor, type Node } from './harness.js';

/**
 * The cluster link between two real runtimes (core: kill switch; edge-a: none) over a real
 * nats-server: the lease and its fail-safe on a partition, trips from either side, frames
 * across nodes and frames from nowhere. Timings are the test's limits, not measurements
 * (bench suite `cluster` measures).
 */
const hasServer = natsServerBinary() !== null;
if (!hasServer) console.warn(`test/cluster/link.test: skipped: ${NATS_SKIP_REASON}`);

const received = async (node: Node, path: string): Promise<{ peer: string; kind: string; message: Record<string, unknown> }[]> =>
  (await node.runtime.invoke(path, 'received', {})) as { peer: string; kind: string; message: Record<string, unknown> }[];
const clusterOf = async (node: Node): Promise<ClusterStatus> => (await node.runtime.clusterStatus())!;

describe.skipIf(!hasServer)('cluster link: lease, partition, trips and frames across two nodes', () => {
  let server: NatsServer;
  let core: Node;
  let edge: Node;

  beforeAll(async () => {
    server = await NatsServer.start();
    core = createNode('core', [server.url]);
    edge = createNode('edge-a', [server.url]);
    await Promise.all([core.runtime.boot(), edge.runtime.boot()]);
  });
  afterAll(async () => {
    await Promise.all([core?.runtime.shutdown('test over'), edge?.runtime.shutdown('test over')]);
    await server?.stop();
  });

  it('the edge opens only on the core kill switch state heard through the server; frames cross both ways under the sender name', async () => {
    await waitFor('both gates ACTIVE', () => isActive(core) && isActive(edge));
    await waitFor('each node sees the other up', async () => (await clusterOf(core)).peers[0]!.state === 'up' && (await clusterOf(edge)).peers[0]!.state === 'up');
    const command = { action: 1, orderId: 4242, venue: 1, instrument: 1, side: 1, type: 1, timeInForce: 1, reduceOnly: 0, price: 100.5, qty: 0.25, createdTsUs: 1 };
    expect(await edge.runtime.invoke('root/edge-sender', 'send', { peer: 'core-recorder', messages: [{ kind: 'OrderCommand', message: command }] })).toBe(1);
    const top = { venue: 1, instrument: 1, bidPrice: 99, bidQty: 1, askPrice: 101, askQty: 2, exchangeTsMs: 1, receiveTsUs: 2, updateId: 3 };
    expect(await core.runtime.invoke('root/core-sender', 'send', { peer: 'edge-recorder', messages: [{ kind: 'BookTop', message: top }] })).toBe(1);
    await waitFor('the command reaches the core', async () => (await received(core, 'root/core-recorder')).length === 1);
    await waitFor('the quote reaches the edge', async () => (await received(edge, 'root/edge-recorder')).length === 1);
    const [atCore] = await received(core, 'root/core-recorder');
    expect(atCore).toMatchObject({ peer: 'edge-sender', kind: 'OrderCommand', message: { orderId: 4242, price: 100.5, qty: 0.25 } });
    expect((await received(edge, 'root/edge-recorder'))[0]).toMatchObject({ peer: 'core-sender', kind: 'BookTop', message: { bidPrice: 99, askQty: 2 } });
    const status = await clusterOf(edge);
    expect(status).toMatchObject({ node: 'edge-a', connection: 'connected', lease: { heard: 'ACTIVE' } });
    expect(status.peers[0]!.lagMs).toBeGreaterThanOrEqual(0);
    expect(status.edges['edge-sender -> core/core-recorder']!.sent).toBe(1);
    // The same command published again (a producer retrying) is stored once: its message id is the client order id.
    expect(await edge.runtime.invoke('root/edge-sender', 'send', { peer: 'core-recorder', messages: [{ kind: 'OrderCommand', message: command }] })).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await received(core, 'root/core-recorder')).toHaveLength(1);
  });

  it('refuses a frame from an unknown node, or from an actor it has no receives for, and says which', async () => {
    const nc = await connect({ servers: server.url });
    const frame = encodeWireFrame(MessageType.CONTROL, 1, new DataView(new TextEncoder().encode('{"x":1}').buffer), 0, 7);
    nc.publish('bot4.md.core.core-recorder.ghost.intruder', frame);
    await jetstream(nc).publish('bot4.op.core.core-recorder.edge-a.stranger', frame, { msgID: 'stranger-1' });
    await nc.drain();
    await waitFor('two refusals reported', () => core.events.filter((e) => e.topic === 'cluster.frame-refused').length >= 2);
    const reasons = core.events.filter((e) => e.topic === 'cluster.frame-refused').map((e) => String(e.data.reason));
    expect(reasons.some((r) => r.includes('unknown node "ghost"'))).toBe(true);
    expect(reasons.some((r) => r.includes('edge-a/stranger') && r.includes('receives'))).toBe(true);
    expect(await received(core, 'root/core-recorder')).toHaveLength(1);
  });

  it('a partition (nats-server stopped 5 s) closes every gate within the lease; they reopen when it returns and nothing tripped', async () => {
    await waitFor('both ACTIVE', () => isActive(core) && isActive(edge));
    const stoppedAt = Date.now();
    await server.stop();
    const closedIn = await waitFor('both gates closed', () => isHalted(core) && isHalted(edge), LEASE_MS + 400);
    expect(Date.now() - stoppedAt).toBeLessThanOrEqual(LEASE_MS + 400);
    const sampleUntil = stoppedAt + 5000;
    while (Date.now() < sampleUntil) {
      expect([core.runtime.gate.read(), edge.runtime.gate.read()]).toEqual([TradingState.HALTED, TradingState.HALTED]);
      await new Promise((r) => setTimeout(r, 50));
    }
    await server.resume();
    await waitFor('both reopen', () => isActive(core) && isActive(edge), 8000);
    expect(closedIn).toBeLessThanOrEqual(LEASE_MS + 400);
    expect(edge.events.map((e) => e.topic)).toEqual(expect.arrayContaining(['cluster.disconnected', 'cluster.reconnected']));
  });

  it('a trip on the core during the partition still halts the edge when it reconnects, and the edge gate never opened meanwhile', async () => {
    await waitFor('both ACTIVE', () => isActive(core) && isActive(edge));
    await server.stop();
    await waitFor('both closed', () => isHalted(core) && isHalted(edge), LEASE_MS + 400);
    await core.runtime.killswitchTrip('operator trip during the partition');
    await new Promise((r) => setTimeout(r, 1000));
    await server.resume();
    // Every read of the edge gate from here until it has heard the HALTED state must be HALTED.
    const reads = new Set<number>();
    const deadline = Date.now() + 8000;
    while ((await clusterOf(edge)).lease.heard !== 'HALTED' || (await clusterOf(edge)).lease.validForMs === 0) {
      reads.add(edge.runtime.gate.read());
      if (Date.now() > deadline) throw new Error('the edge did not hear the HALTED state after the partition');
      await new Promise((r) => setImmediate(r));
    }
    expect([...reads]).toEqual([TradingState.HALTED]);
    await new Promise((r) => setTimeout(r, 3 * LEASE_MS));
    expect(isHalted(edge)).toBe(true);
    await core.runtime.killswitchReset('partition test over');
    await waitFor('both ACTIVE after the reset', () => isActive(core) && isActive(edge));
  });

  it('a trip on the edge (admin, then the simulated GPIO button) halts the core; a reset on the core reopens both', async () => {
    await waitFor('both ACTIVE', () => isActive(core) && isActive(edge));
    const adminAt = Date.now();
    const report = await edge.runtime.killswitchTrip('edge operator');
    expect(report.state).toBe('HALTED');
    expect(isHalted(edge)).toBe(true);
    await waitFor('the core halts on the edge admin trip', () => isHalted(core), 3000);
    const tripped = (await core.runtime.status()).trading;
    expect(tripped.reason).toContain('tripped on node edge-a');
    expect(Date.now() - adminAt).toBeLessThan(3000);
    await core.runtime.killswitchReset('admin trip checked');
    await waitFor('both ACTIVE again (the edge hold released)', () => isActive(core) && isActive(edge));
    await edge.runtime.gpioPress();
    expect(isHalted(edge)).toBe(true);
    await waitFor('the core halts on the edge GPIO press', () => isHalted(core), 3000);
    expect((await core.runtime.status()).trading.reason).toContain('tripped on node edge-a');
    await expect(edge.runtime.killswitchReset('from the edge')).rejects.toThrow(/runs on node core/);
    await core.runtime.killswitchReset('gpio trip checked');
    await waitFor('both ACTIVE again', () => isActive(core) && isActive(edge));
  });

  it('a second process claiming a running node name is refused at start with a clear error', async () => {
    const twin = createNode('edge-a', [server.url]);
    await expect(twin.runtime.boot()).rejects.toThrow(/node name "edge-a" is already in use by a running process/);
    expect(isHalted(twin)).toBe(true);
    await twin.runtime.shutdown('test over');
  });
});

describe.skipIf(!hasServer)('cluster link: an unreachable server at start', () => {
  it('the node starts with its gate closed, says so, and opens once the server appears', async () => {
    const port = await freePort();
    const node = createNode('core', [`nats://127.0.0.1:${port}`]);
    let server: NatsServer | undefined;
    try {
      await node.runtime.boot();
      expect(isHalted(node)).toBe(true);
      expect(node.events.find((e) => e.topic === 'cluster.unreachable')?.data).toMatchObject({ servers: [`nats://127.0.0.1:${port}`] });
      expect((await node.runtime.clusterStatus())!.lastError).toMatch(/ECONNREFUSED|CONNECTION_REFUSED|refused/i);
      await new Promise((r) => setTimeout(r, 500));
      expect(isHalted(node)).toBe(true);
      server = await NatsServer.start(port);
      await waitFor('connected and ACTIVE after the server appears', () => isActive(node), 8000);
    } finally {
      await node.runtime.shutdown('test over');
      await server?.stop();
    }
  });
});
