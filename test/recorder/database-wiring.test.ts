import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretScrubber } from '../../src/logging/redaction.js';
import { databaseActors, openRuntimeDatabase, registerUrlSecrets, wireDatabaseActors } from '../../src/runtime/database.js';
import { parseTreeSpec } from '../../src/runtime/supervision/tree-spec.js';
import type { ActorNodeSpec, TreeNodeSpec } from '../../src/runtime/supervision/tree-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'bot4-dbwire-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tree = (withRecorder: boolean) =>
  parseTreeSpec({
    name: 'root',
    strategy: 'one_for_one',
    children: [
      { name: 'kill-switch', actor: 'kill-switch', sends: ['listener'], config: { state_file: join(dir, 'ks.json') } },
      { name: 'listener', actor: 'frame-recorder' },
      ...(withRecorder ? [{ name: 'recorder', actor: 'recorder', config: { venues: { '1': 'x' }, instruments: [{ id: 1, symbol: 'A/B' }] } }] : []),
    ],
  });

const actor = (node: TreeNodeSpec, name: string): ActorNodeSpec => {
  const found = node.type === 'actor' ? (node.name === name ? node : undefined) : node.children.map((c) => (c.type === 'actor' && c.name === name ? c : undefined)).find(Boolean);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

describe('runtime database wiring', () => {
  it('injects the URL and the kill switch state file into the recorder and makes the kill switch send to it', () => {
    const wired = wireDatabaseActors(tree(true), 'postgresql://bot4:s3cret@db.example/bot4');
    expect(actor(wired, 'recorder').config).toMatchObject({ database_url: 'postgresql://bot4:s3cret@db.example/bot4', kill_switch_state_file: join(dir, 'ks.json'), venues: { '1': 'x' } });
    expect(actor(wired, 'kill-switch').sends).toEqual(['listener', 'recorder']);
    expect(actor(wired, 'listener').config).toEqual({});
    expect(databaseActors(wired).map((a) => a.name)).toEqual(['recorder']);
  });

  it('wires the order manager and risk to the recorder (URL, recorder_peer, venue names, a ring) unless they name their own', () => {
    const spec = parseTreeSpec({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        { name: 'order-manager', actor: 'order-manager', sends: ['listener'], config: { venues: { '1': 'listener' } } },
        { name: 'risk', actor: 'risk', sends: ['listener'], config: { recorder_peer: null } },
        { name: 'listener', actor: 'frame-recorder' },
        { name: 'rec', actor: 'recorder', config: { venues: { '1': 'venue-a' }, instruments: [{ id: 1, symbol: 'A/B' }] } },
      ],
    });
    const wired = wireDatabaseActors(spec, 'postgresql://x@/db?host=/tmp');
    expect(actor(wired, 'order-manager').sends).toEqual(['listener', 'rec']);
    expect(actor(wired, 'order-manager').config).toMatchObject({ database_url: 'postgresql://x@/db?host=/tmp', recorder_peer: 'rec', venue_names: { '1': 'venue-a' }, venues: { '1': 'listener' } });
    // risk said "record nothing": it still reads the database at start, and sends nothing new
    expect(actor(wired, 'risk').sends).toEqual(['listener']);
    expect(actor(wired, 'risk').config).toEqual({ recorder_peer: null, database_url: 'postgresql://x@/db?host=/tmp' });
    expect(databaseActors(wired).map((a) => a.name)).toEqual(['order-manager', 'risk', 'rec']);
    // the recorder backfills missed orders from the order manager's journal: its default path here
    expect(actor(wired, 'rec').config).toMatchObject({ order_journal_file: 'data/order-manager.jsonl' });
  });

  it("gives the recorder the order manager's journal_file, and none when there is no order manager", () => {
    const spec = parseTreeSpec({
      name: 'root',
      strategy: 'one_for_one',
      children: [
        { name: 'order-manager', actor: 'order-manager', config: { journal_file: join(dir, 'om.jsonl') } },
        { name: 'rec', actor: 'recorder', config: { venues: { '1': 'venue-a' }, instruments: [{ id: 1, symbol: 'A/B' }] } },
      ],
    });
    expect(actor(wireDatabaseActors(spec, 'postgresql://x@/db'), 'rec').config).toMatchObject({ order_journal_file: join(dir, 'om.jsonl') });
    expect(actor(wireDatabaseActors(tree(true), 'postgresql://x@/db'), 'recorder').config).not.toHaveProperty('order_journal_file');
  });

  it('starts no database for a tree whose database actors have no recorder (nothing would keep it current)', async () => {
    const spec = parseTreeSpec({ name: 'root', strategy: 'one_for_one', children: [{ name: 'risk', actor: 'risk' }] });
    expect(await openRuntimeDatabase(spec, {}, pino({ level: 'silent' }))).toBeNull();
  });

  it('starts no database for a tree without a database actor', async () => {
    expect(await openRuntimeDatabase(tree(false), {}, pino({ level: 'silent' }))).toBeNull();
  });

  it("registers a URL's password (userinfo and password= parameter, raw and decoded) with the log scrubber", () => {
    const scrubber = new SecretScrubber();
    registerUrlSecrets('postgresql://bot4:p%40ss%2Fword@db.example:5432/bot4?sslmode=require&password=other-secret', (s) => scrubber.add(s));
    registerUrlSecrets('postgresql://bot4:sock-pass@/bot4?host=/run/postgresql', (s) => scrubber.add(s));
    const line = scrubber.scrub('connecting with p@ss/word and p%40ss%2Fword, fallback other-secret, socket sock-pass');
    expect(line).not.toMatch(/p@ss\/word|p%40ss%2Fword|other-secret|sock-pass/);
  });

  it('latches HALTED when the database cannot be reached at start, saying why', async () => {
    const unreachable = `postgresql://postgres@/bot4?host=${join(dir, 'no-server-here')}&port=5432`;
    const db = await openRuntimeDatabase(tree(true), { url: unreachable }, pino({ level: 'silent' }));
    expect(db?.migration).toBeNull();
    const file = JSON.parse(readFileSync(join(dir, 'ks.json'), 'utf8')) as { state: string; last: { reason: string; source: string } };
    expect(file).toMatchObject({ state: 'HALTED', last: { source: 'startup-latch' } });
    expect(file.last.reason).toMatch(/database unreachable or not migrated at start/);
    await db?.stop();
  });
});
