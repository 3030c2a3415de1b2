import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startActor, StartError, type ActorHandle, type ActorSpec } from '../../src/runtime/actor-handle.js';
import { buildWiring } from '../../src/runtime/wiring.js';
import { createTradingGate } from '../../src/runtime/trading-gate.js';

const fixture = (name: string): string => new URL(`../fixtures/actors/${name}.js`, import.meta.url).href;
const running: ActorHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.kill()));
});

function misbehavingSpec(extra: Partial<ActorSpec> = {}): ActorSpec {
  return { path: 'root/m', name: 'm', kind: 'misbehaving', moduleUrl: fixture('misbehaving'), config: {}, ...extra };
}

function soloWiring() {
  return buildWiring([{ name: 'm', path: 'root/m', sends: [], ringBytes: 4096, fullPolicy: 'fail' }], createTradingGate()).get('m')!;
}

async function start(spec: ActorSpec, wiring = soloWiring()): Promise<ActorHandle> {
  const handle = await startActor(spec, wiring);
  running.push(handle);
  return handle;
}

describe('actor handle: a real worker per actor, and why it exited', () => {
  it('runs init, answers control calls, and a graceful stop exits normally', async () => {
    const h = await start(misbehavingSpec());
    expect(h.threadId).toBeGreaterThan(0);
    expect(await h.invoke('ping', {})).toBe(1);
    expect(await h.invoke('ping', {})).toBe(2);
    expect(await h.stop(2000)).toEqual({ kind: 'normal' });
    expect(h.isAlive()).toBe(false);
  });

  it('reports an uncaught throw as an error with its message', async () => {
    const h = await start(misbehavingSpec());
    await h.invoke('throwLater', {});
    const reason = await h.exited;
    expect(reason.kind).toBe('error');
    expect(reason.kind === 'error' && reason.error.message).toBe('crashed on purpose');
  });

  it('reports process.exit(code) as an exit code', async () => {
    const h = await start(misbehavingSpec());
    await h.invoke('exitWith', { code: 3 });
    expect(await h.exited).toEqual({ kind: 'exit-code', code: 3 });
  });

  it('detects an endless loop by its stalled heartbeat and terminates the worker', async () => {
    const h = await start(misbehavingSpec({ heartbeatTimeoutMs: 300 }));
    await h.invoke('hang', {});
    const reason = await h.exited;
    expect(reason.kind).toBe('hung');
    expect(reason.kind === 'hung' && reason.silentForMs).toBeGreaterThanOrEqual(300);
  });

  it('tells an operator kill apart from a supervisor stop', async () => {
    const h = await start(misbehavingSpec());
    expect(await h.kill()).toEqual({ kind: 'killed', requested: false });
  });

  it('fails the start when init throws, naming the actor and the error', async () => {
    const err = await startActor(misbehavingSpec({ config: { failInit: 'throw' } }), soloWiring()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartError);
    expect((err as StartError).message).toContain('root/m');
    expect((err as StartError).message).toContain('init refused: missing venue credentials');
    expect((err as StartError).reason.kind).toBe('start-failed');
  });

  it('fails the start when init does not finish in time', async () => {
    const err = await startActor(misbehavingSpec({ config: { failInit: 'hang' }, startTimeoutMs: 300 }), soloWiring()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartError);
    expect((err as StartError).message).toMatch(/did not answer within 300 ms/);
  });

  it('fails the start of a module that is not an actor, saying so', async () => {
    const spec = misbehavingSpec({ moduleUrl: fixture('seq-codec') });
    const err = await startActor(spec, soloWiring()).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/not an actor definition/);
  });
});

describe('rings survive the consumer: at-least-once across a crash mid-batch', () => {
  it('delivers every frame published while the consumer was crashing or down, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot4-ring-restart-'));
    const journal = join(dir, 'journal');
    const wiring = buildWiring(
      [
        { name: 'producer', path: 'root/producer', sends: ['consumer'], ringBytes: 1 << 16, fullPolicy: 'fail' },
        { name: 'consumer', path: 'root/consumer', sends: [], ringBytes: 4096, fullPolicy: 'fail' },
      ],
      createTradingGate(),
    );
    const consumerSpec: ActorSpec = {
      path: 'root/consumer',
      name: 'consumer',
      kind: 'sequence-consumer',
      moduleUrl: fixture('sequence-consumer'),
      config: { journal, crashOnSeq: 500 },
    };
    const producer = await start(
      { path: 'root/producer', name: 'producer', kind: 'sequence-producer', moduleUrl: fixture('sequence-producer'), config: { peer: 'consumer' } },
      wiring.get('producer'),
    );
    const first = await start(consumerSpec, wiring.get('consumer'));
    await producer.invoke('send', { from: 0, count: 1000 });
    const reason = await first.exited;
    expect(reason.kind === 'error' && reason.error.message).toBe('planned crash while handling 500');
    expect(existsSync(`${journal}.crashed`)).toBe(true);

    // While nobody consumes, the producer keeps publishing into the same ring.
    await producer.invoke('send', { from: 1000, count: 1000 });
    expect(first.stats().mailbox[0]!.depthBytes).toBeGreaterThan(0);

    const second = await start(consumerSpec, wiring.get('consumer'));
    await waitFor(async () => Number(await second.invoke('handled', {})) >= 1500);
    const handled = readFileSync(journal, 'utf8').trim().split('\n').map(Number);
    expect(handled).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(second.stats().mailbox[0]!.depthBytes).toBe(0);
    expect(second.stats().msgsIn).toBeGreaterThanOrEqual(2000);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
