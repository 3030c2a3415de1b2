import { describe, expect, it } from 'vitest';
import { parseRequestLine, topicMatches } from '../../src/admin/protocol.js';

describe('parseRequestLine', () => {
  it('accepts every command with its arguments and defaults args to {}', () => {
    expect(parseRequestLine('{"id":1,"cmd":"tree"}')).toEqual({ ok: true, request: { id: 1, cmd: 'tree', args: {} } });
    expect(parseRequestLine('{"id":"a","cmd":"actor.restart","args":{"path":"root/x"}}')).toEqual({ ok: true, request: { id: 'a', cmd: 'actor.restart', args: { path: 'root/x' } } });
    expect(parseRequestLine('{"cmd":"mode.set","args":{"mode":"reducing"}}')).toEqual({ ok: true, request: { id: null, cmd: 'mode.set', args: { mode: 'reducing' } } });
    expect(parseRequestLine('{"id":{"x":1},"cmd":"killswitch.trip","args":{"reason":"  fat finger  "}}')).toMatchObject({ ok: true, request: { id: { x: 1 }, args: { reason: 'fat finger' } } });
    expect(parseRequestLine('{"id":2,"cmd":"events.subscribe","args":{"topics":["*","lifecycle.*","trading.state"]}}')).toMatchObject({ ok: true });
  });

  it('names what is wrong', () => {
    expect(parseRequestLine('nope')).toMatchObject({ ok: false, id: null, error: { code: 'bad_json' } });
    expect(parseRequestLine('"tree"')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(parseRequestLine('{"id":3,"command":"tree"}')).toMatchObject({ ok: false, id: 3, error: { code: 'bad_request', message: expect.stringContaining('command') } });
    expect(parseRequestLine('{"id":4,"cmd":7}')).toMatchObject({ ok: false, id: 4, error: { code: 'bad_request' } });
    expect(parseRequestLine('{"id":5,"cmd":"toString"}')).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
    expect(parseRequestLine('{"id":6,"cmd":"killswitch.reset","args":{"reason":"   "}}')).toMatchObject({ ok: false, error: { code: 'bad_args', message: 'killswitch.reset: args.reason: must say why (a non-empty string)' } });
    expect(parseRequestLine('{"id":7,"cmd":"events.subscribe","args":{"topics":["BAD topic"]}}')).toMatchObject({ ok: false, error: { code: 'bad_args', message: expect.stringContaining('args.topics.0') } });
    expect(parseRequestLine('{"id":8,"cmd":"tree","args":[]}')).toMatchObject({ ok: false, error: { code: 'bad_args' } });
  });
});

describe('topicMatches', () => {
  it('matches all, exact names and dotted prefixes', () => {
    expect(topicMatches('*', 'lifecycle.restart')).toBe(true);
    expect(topicMatches('lifecycle.*', 'lifecycle.restart')).toBe(true);
    expect(topicMatches('lifecycle.*', 'lifecycle')).toBe(true);
    expect(topicMatches('lifecycle.*', 'lifecycles.restart')).toBe(false);
    expect(topicMatches('trading.state', 'trading.state')).toBe(true);
    expect(topicMatches('trading.state', 'trading.states')).toBe(false);
  });
});
