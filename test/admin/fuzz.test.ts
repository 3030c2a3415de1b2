/**
 * Protocol fuzz: random bytes, random JSON and over-long lines never crash the server,
 * every line gets exactly one well-formed reply, and the connection and the server keep
 * serving correct answers afterwards. Seeded, so a failure reproduces.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from '../../src/admin/server.js';
import { COMMAND_NAMES, ERROR_CODES } from '../../src/admin/protocol.js';
import { MemoryBackend, sampleTree } from './memory-backend.js';
import { rawConnect, type RawClient } from './raw-client.js';

const MAX_LINE = 4096;
let dir: string;
let socketPath: string;
let server: AdminServer;
let backend: MemoryBackend;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bot4-fuzz-'));
  socketPath = join(dir, 'run', 'bot4.sock');
  backend = new MemoryBackend();
  server = await startAdminServer({ socketPath, backend, maxLineBytes: MAX_LINE, idleTimeoutMs: 30_000, maxClients: 16, subscriberBacklogBytes: 64 * 1024 });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function expectWellFormedReply(line: Record<string, unknown>): void {
  expect(Object.keys(line).sort()).toEqual(line.ok === true ? ['id', 'ok', 'result'] : ['error', 'id', 'ok']);
  if (line.ok !== true) {
    expect(line.ok).toBe(false);
    const error = line.error as { code: string; message: string };
    expect(ERROR_CODES).toContain(error.code);
    expect(typeof error.message).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
  }
}

/** Sends a probe on the connection and collects every reply up to the probe's. */
async function repliesUntilProbe(client: RawClient): Promise<{ before: Record<string, unknown>[]; probe: Record<string, unknown> }> {
  client.send('\n{"id":"probe","cmd":"tree"}\n');
  const before: Record<string, unknown>[] = [];
  for (;;) {
    const line = await client.next();
    if (line.id === 'probe') return { before, probe: line };
    before.push(line);
  }
}

const FUZZ = { seed: 20_240_601, numRuns: 120 };

describe('admin protocol fuzz', () => {
  it('random bytes get error replies and the connection still answers a real request', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 600 }), { minLength: 1, maxLength: 4 }), async (chunks) => {
        const client = await rawConnect(socketPath);
        for (const chunk of chunks) client.send(chunk);
        const { before, probe } = await repliesUntilProbe(client);
        before.forEach(expectWellFormedReply);
        expect(probe).toEqual({ id: 'probe', ok: true, result: sampleTree() });
        client.socket.destroy();
      }),
      FUZZ,
    );
  });

  it('random JSON lines get exactly one well-formed reply each, echoing the id', async () => {
    const request = fc.record(
      {
        id: fc.jsonValue({ maxDepth: 2 }),
        cmd: fc.oneof(fc.constantFrom(...COMMAND_NAMES.filter((c) => c !== 'shutdown')), fc.string({ maxLength: 20 })),
        args: fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.record({ path: fc.oneof(fc.string(), fc.constantFrom('root/safety/risk', 'root/x')), reason: fc.jsonValue({ maxDepth: 1 }), mode: fc.string(), topics: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
        ),
      },
      { requiredKeys: [] },
    );
    const line = fc.oneof(fc.jsonValue({ maxDepth: 4 }), request, fc.string({ unit: 'binary', maxLength: 200 }));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 12 }), async (values) => {
        const client = await rawConnect(socketPath);
        const lines = values.map((v) => (typeof v === 'string' ? v.replace(/\n/g, ' ') : JSON.stringify(v)));
        client.send(lines.map((l) => `${l}\n`).join(''));
        const { before, probe } = await repliesUntilProbe(client);
        // the probe's own leading "\n" is an empty line and earns a bad_json reply too
        expect(before).toHaveLength(lines.length + 1);
        before.forEach(expectWellFormedReply);
        values.forEach((v, i) => {
          if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'id' in v && Buffer.byteLength(lines[i]!) <= MAX_LINE) {
            expect(before[i]!.id).toEqual(JSON.parse(JSON.stringify((v as { id: unknown }).id)));
          }
        });
        expect(probe).toMatchObject({ id: 'probe', ok: true });
        client.socket.destroy();
      }),
      FUZZ,
    );
  });

  it('very long lines are refused with line_too_long and the connection stays usable', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: MAX_LINE + 1, max: 300_000 }), fc.boolean(), async (length, terminated) => {
        const client = await rawConnect(socketPath);
        client.send('x'.repeat(length) + (terminated ? '\n' : ''));
        const { before, probe } = await repliesUntilProbe(client);
        expect(before[0]).toMatchObject({ id: null, ok: false, error: { code: 'line_too_long' } });
        expect(probe).toMatchObject({ id: 'probe', ok: true });
        client.socket.destroy();
      }),
      { seed: FUZZ.seed, numRuns: 25 },
    );
  });

  it('after the fuzz a fresh client gets the correct tree', async () => {
    const client = await rawConnect(socketPath);
    client.send('{"id":1,"cmd":"tree","args":{}}\n');
    expect(await client.next()).toEqual({ id: 1, ok: true, result: sampleTree() });
    client.socket.destroy();
  });
});
