import { afterEach, describe, expect, it } from 'vitest';
import { startActor, type ActorHandle } from '../../src/runtime/actor-handle.js';
import { RING_HEADER_BYTES } from '../../src/runtime/ring-layout.js';
import { createTradingGate } from '../../src/runtime/trading-gate.js';
import { buildWiring } from '../../src/runtime/wiring.js';

const fixture = (name: string): string => new URL(`../fixtures/actors/${name}.js`, import.meta.url).href;
const handles: ActorHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.kill()));
});

function pair() {
  const wiring = buildWiring(
    [
      { name: 'sender', path: 'root/sender', sends: ['recorder'], ringBytes: 4096, fullPolicy: 'fail' },
      { name: 'recorder', path: 'root/recorder', sends: [], ringBytes: 4096, fullPolicy: 'fail' },
    ],
    createTradingGate(),
  );
  const start = async (name: 'sender' | 'recorder', kind: string, config: unknown) => {
    const h = await startActor({ path: `root/${name}`, name, kind, moduleUrl: fixture(kind), config, logLevel: 'silent' }, wiring.get(name)!);
    handles.push(h);
    return h;
  };
  return { wiring, start };
}

async function receivedSeqs(recorder: ActorHandle, count: number): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const received = (await recorder.invoke('received', {})) as { message: { seq: number } }[];
    if (received.length >= count || Date.now() > deadline) return received.map((r) => r.message.seq);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('bad frames reach a running actor: counted, explained, and it keeps going', () => {
  it('an unknown message type and a bad version are rejected and counted; later frames still arrive', async () => {
    const { start } = pair();
    const recorder = await start('recorder', 'frame-recorder', {});
    const sender = await start('sender', 'raw-sender', { peer: 'recorder' });
    await sender.invoke('sendGood', { seqs: [1] });
    await sender.invoke('sendRaw', { type: 4242, version: 1, bytes: [1, 2, 3, 4] });
    await sender.invoke('sendRaw', { type: 0x0301, version: 99, bytes: new Array(19).fill(0) });
    await sender.invoke('sendGood', { seqs: [2, 3] });
    expect(await receivedSeqs(recorder, 3)).toEqual([1, 2, 3]);
    const stats = recorder.stats();
    expect(stats.decodeErrors).toBe(2);
    expect(stats.msgsIn).toBe(5);
    expect(recorder.isAlive()).toBe(true);
  });

  it('a corrupt frame header in the ring is skipped and counted; the consumer carries on', async () => {
    const { wiring, start } = pair();
    const sender = await start('sender', 'raw-sender', { peer: 'recorder' });
    await sender.invoke('sendGood', { seqs: [10, 11, 12] });
    // Memory corruption: the second frame's length field becomes nonsense before anyone reads it.
    const ring = wiring.get('recorder')!.inbound[0]!.ring;
    const secondFrameHeader = RING_HEADER_BYTES + 8 + 24; // frame = 8-byte header + 19-byte payload padded to 24
    new DataView(ring).setInt32(secondFrameHeader, 0x7fffffff, true);
    const recorder = await start('recorder', 'frame-recorder', {});
    expect(await receivedSeqs(recorder, 1)).toEqual([10]);
    await sender.invoke('sendGood', { seqs: [13] });
    expect(await receivedSeqs(recorder, 2)).toEqual([10, 13]);
    expect(recorder.stats().mailbox).toEqual([{ peer: 'sender', depthBytes: 0, capacityBytes: 4096, corruptFrames: 1 }]);
    expect(recorder.isAlive()).toBe(true);
  });
});

describe('a message its encoder refuses', () => {
  it('throws to the sender, and the outbox keeps working', async () => {
    const { start } = pair();
    const recorder = await start('recorder', 'frame-recorder', {});
    const sender = await start('sender', 'raw-sender', { peer: 'recorder' });
    await expect(sender.invoke('sendGood', { seqs: [-1] })).rejects.toThrow(/seq/);
    await sender.invoke('sendGood', { seqs: [5, 6] });
    expect(await receivedSeqs(recorder, 2)).toEqual([5, 6]);
  });
});
