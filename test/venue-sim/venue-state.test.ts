/**
 * The venue emulator's state across restarts (issue 11, section 4), in process: a venue with
 * two accounts trades with itself (no market), then a second venue is built from the same
 * folder, as a restarted `bot4 start` or `bot4 venue --state-dir` would. Its orders, balances,
 * totals, trades and next ids equal the first's, its resting orders still match, and ids go on.
 * A folder that cannot be trusted is an error naming the file, never an empty venue.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decimal as d } from '../../actors/venue-sim/decimal.js';
import { FaultController } from '../../actors/venue-sim/faults.js';
import type { NewOrder } from '../../actors/venue-sim/matching-engine.js';
import { JOURNAL_FILE, SNAPSHOT_FILE, VenueStateError, loadVenueState, persistVenue, type PersistedVenue } from '../../actors/venue-sim/state-store.js';
import { DEFAULT_SYMBOLS, symbolSpecFrom } from '../../actors/venue-sim/symbols.js';
import { Venue } from '../../actors/venue-sim/venue.js';
import { applyChange, emptyVenueState, type VenueChange, type VenueState } from '../../actors/venue-sim/venue-state.js';

const SYMBOLS = DEFAULT_SYMBOLS.map(symbolSpecFrom);
const ACCOUNTS = [
  { name: 'alice', apiKey: 'aliceKey1', secret: 'aliceSecret', balances: new Map([['USDT', d('100000')], ['BTC', d('2')], ['ETH', d('10')]]) },
  { name: 'bob', apiKey: 'bobKey123', secret: 'bobSecret1', balances: new Map([['USDT', d('200000')], ['BTC', d('1')]]) },
];

function newVenue(accounts = ACCOUNTS): Venue {
  return new Venue({ symbols: SYMBOLS, accounts, fees: { maker: d('0.0001'), taker: d('0.001') }, faults: new FaultController({}), sources: new Map() });
}

const limit = (account: string, side: 'BUY' | 'SELL', price: string, qty: string, symbol = 'BTCUSDT'): NewOrder =>
  ({ account, symbol, side, type: 'LIMIT', timeInForce: 'GTC', price: d(price), quantity: d(qty) });

/** Some of everything: resting orders on both sides, a partial fill, a full fill, a cancel, a trade on a second symbol. */
function trade(venue: Venue): void {
  const engine = venue.engine;
  engine.placeOrder(limit('alice', 'SELL', '60010', '0.5'));
  engine.placeOrder(limit('alice', 'SELL', '60020', '0.3'));
  engine.placeOrder(limit('alice', 'BUY', '59990', '0.2'));
  engine.placeOrder(limit('bob', 'BUY', '60015', '0.7')); // takes 0.5 at 60010, rests 0.2
  const cancelled = engine.placeOrder(limit('bob', 'BUY', '59000', '0.1'));
  engine.cancelOrder('bob', 'BTCUSDT', { orderId: cancelled.order.orderId });
  engine.placeOrder({ account: 'bob', symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: d('0.05') }); // hits bob's own 60015 first
  engine.placeOrder(limit('alice', 'SELL', '3000', '1', 'ETHUSDT'));
  engine.placeOrder(limit('bob', 'BUY', '3000', '0.4', 'ETHUSDT'));
}

/** Everything a restart must keep, as plain comparable data. */
function picture(venue: Venue): unknown {
  const state = venue.capture(0);
  return { ...state, conserved: ['USDT', 'BTC', 'ETH'].map((asset) => String(venue.ledger.conservedTotal(asset))) };
}

let dir: string;
const opened: PersistedVenue[] = [];
const persist = (venue: Venue, at = dir): PersistedVenue => {
  const persisted = persistVenue(venue, at);
  opened.push(persisted);
  return persisted;
};

beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'bot4-venue-state-')), 'venue');
});

afterEach(() => {
  for (const each of opened.splice(0)) each.close();
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('venue state across restarts', () => {
  for (const how of ['a kill (journal only, no close)', 'a clean close (snapshot)', 'a snapshot plus journal lines after it'] as const) {
    it(`round-trips orders, balances, totals, trades and next ids after ${how}; ids go on; resting orders still match`, () => {
      const first = newVenue();
      const persisted = persist(first);
      expect(persisted.restored).toBe(false);
      trade(first);
      if (how === 'a snapshot plus journal lines after it') {
        persisted.store.compact();
        first.engine.placeOrder(limit('bob', 'SELL', '60100', '0.01'));
      }
      if (how === 'a clean close (snapshot)') persisted.close();
      // a kill: the first venue is simply abandoned, nothing flushed or closed
      expect(existsSync(join(dir, how === 'a kill (journal only, no close)' ? JOURNAL_FILE : SNAPSHOT_FILE))).toBe(true);

      const second = newVenue();
      const reloaded = persist(second);
      expect(reloaded.restored).toBe(true);
      expect(picture(second)).toEqual(picture(first));
      const before = first.capture(0);

      // ids go on from where they were
      const next = second.engine.placeOrder(limit('alice', 'BUY', '59000', '0.01'));
      expect(next.order.orderId).toBe(before.nextOrderId);
      // alice's resting 60020 ask survived in the book: bob's new bid takes it, with the next trade id
      const taken = second.engine.placeOrder(limit('bob', 'BUY', '60020', '0.3'));
      expect(taken.fills.map((f) => [f.tradeId, f.price])).toEqual([[before.nextTradeIds.BTCUSDT, d('60020')]]);
      expect(second.engine.myTrades('bob', 'BTCUSDT').map((f) => f.tradeId)).toEqual(
        [...first.engine.myTrades('bob', 'BTCUSDT').map((f) => f.tradeId), before.nextTradeIds.BTCUSDT],
      );
      for (const asset of ['USDT', 'BTC', 'ETH']) expect(second.ledger.conservedTotal(asset)).toBe(first.ledger.conservedTotal(asset));
    });
  }

  it('records an operation in the journal before any listener hears of it', () => {
    const venue = newVenue();
    persist(venue);
    const seenInJournal: boolean[] = [];
    venue.engine.onEvent((event) => {
      if (event.kind === 'execution') seenInJournal.push(readFileSync(join(dir, JOURNAL_FILE), 'utf8').includes(`"orderId":${event.order.orderId},`));
    });
    trade(venue);
    expect(seenInJournal.length).toBeGreaterThan(10);
    expect(seenInJournal.every(Boolean)).toBe(true);
  });

  it('a corrupted snapshot is an error naming the file, not an empty venue', () => {
    const venue = newVenue();
    persist(venue);
    trade(venue);
    opened.pop()!.close();
    writeFileSync(join(dir, SNAPSHOT_FILE), readFileSync(join(dir, SNAPSHOT_FILE), 'utf8').slice(0, 200));
    expect(() => persistVenue(newVenue(), dir)).toThrow(VenueStateError);
    expect(() => persistVenue(newVenue(), dir)).toThrow(`${join(dir, SNAPSHOT_FILE)}: not valid JSON`);
    writeFileSync(join(dir, SNAPSHOT_FILE), JSON.stringify({ ...emptyVenueState(), nextOrderId: 'seven' }));
    expect(() => persistVenue(newVenue(), dir)).toThrow(/state\.json: not a venue state: nextOrderId: /);
  });

  it('a corrupted journal line is an error naming the file and line; a last line cut short is dropped and cut off', () => {
    const venue = newVenue();
    persist(venue);
    trade(venue);
    const journal = join(dir, JOURNAL_FILE);
    const lines = readFileSync(journal, 'utf8').split('\n');
    const good = lines.join('\n');

    writeFileSync(journal, [...lines.slice(0, 2), '{"seq":3,"garbage"', ...lines.slice(3)].join('\n'));
    expect(() => loadVenueState(dir)).toThrow(`${journal}: line 3: not valid JSON`);
    writeFileSync(journal, [...lines.slice(0, 2), ...lines.slice(3)].join('\n'));
    expect(() => loadVenueState(dir)).toThrow(`${journal}: line 3: sequence 4 follows 2: lines are missing`);
    writeFileSync(journal, [...lines.slice(0, 2), lines[2]!.replace('"BUY"', '"BUYY"'), ...lines.slice(3)].join('\n'));
    expect(() => loadVenueState(dir)).toThrow(new RegExp(`${JOURNAL_FILE}: line 3: not a venue change: orders\\.0\\.side`));

    // a crash in the middle of a write: the last line has no newline; it was never acknowledged
    writeFileSync(journal, `${good}{"seq":${lines.length},"nextOrd`);
    const loaded = loadVenueState(dir);
    expect(loaded.notes.join()).toMatch(/dropped a last line cut short by a crash/);
    const second = newVenue();
    persist(second);
    expect(picture(second)).toEqual(picture(venue));
    second.engine.placeOrder(limit('alice', 'BUY', '59000', '0.01'));
    // the torn tail was cut off before appending: every line parses again
    expect(loadVenueState(dir).notes.join()).not.toMatch(/cut short/);
  });

  it('a state that does not fit the options (an account they no longer have) is an error naming the folder', () => {
    const venue = newVenue();
    persist(venue);
    trade(venue);
    opened.pop()!.close();
    expect(() => persistVenue(newVenue([ACCOUNTS[0]!]), dir)).toThrow(`venue state ${dir}: does not fit the venue's options: account 'bob' is in the saved state but not in the venue's options`);
  });

  it('a crash between the snapshot\'s rename and the journal\'s truncation replays nothing twice', () => {
    const venue = newVenue();
    const persisted = persist(venue);
    trade(venue);
    const journalBefore = readFileSync(join(dir, JOURNAL_FILE), 'utf8');
    persisted.store.compact();
    writeFileSync(join(dir, JOURNAL_FILE), journalBefore); // as if the truncation never happened
    const second = newVenue();
    persist(second);
    expect(picture(second)).toEqual(picture(venue));
  });
});

describe('applyChange (a journal line folded into the state)', () => {
  const order = (orderId: number, status: 'NEW' | 'FILLED', executedQty: string) => ({
    orderId, clientOrderId: `c${orderId}`, account: 'alice', symbol: 'BTCUSDT', side: 'BUY' as const, type: 'LIMIT' as const, timeInForce: 'GTC' as const,
    price: '6000000000000', origQty: '100000000', origQuoteOrderQty: '0', executedQty, cummulativeQuoteQty: '0', status,
    time: 1, updateTime: 2, locked: '0', lockedAsset: 'USDT', sequence: orderId,
  });
  const fill = (tradeId: number) => ({
    symbol: 'BTCUSDT', tradeId, orderId: 1, account: 'alice', side: 'BUY' as const, price: '6000000000000', qty: '50000000',
    quoteQty: '3000000000000', commission: '50000', commissionAsset: 'BTC', isMaker: true, time: 3,
  });
  const change = (seq: number, fields: Partial<VenueChange>): VenueChange =>
    ({ seq, nextOrderId: 2, nextTradeIds: {}, accounts: {}, fees: {}, external: {}, orders: [], fills: [], ...fields });

  const rows: { name: string; changes: VenueChange[]; expect: (state: VenueState) => void }[] = [
    {
      name: 'a new order is added and the next order id set',
      changes: [change(1, { orders: [order(1, 'NEW', '0')] })],
      expect: (s) => {
        expect(Object.keys(s.orders)).toEqual(['1']);
        expect(s.nextOrderId).toBe(2);
        expect(s.seq).toBe(1);
      },
    },
    {
      name: 'a later line replaces the order by id and appends its trades',
      changes: [change(1, { orders: [order(1, 'NEW', '0')] }), change(2, { orders: [order(1, 'FILLED', '100000000')], fills: [fill(1), fill(2)], nextTradeIds: { BTCUSDT: 3 } })],
      expect: (s) => {
        expect(s.orders['1']!.status).toBe('FILLED');
        expect(s.fills.map((f) => f.tradeId)).toEqual([1, 2]);
        expect(s.nextTradeIds).toEqual({ BTCUSDT: 3 });
      },
    },
    {
      name: 'balances merge per asset; totals are set, not added',
      changes: [
        change(1, { accounts: { alice: { updateTime: 5, balances: { USDT: ['10', '5'], BTC: ['1', '0'] } } }, fees: { BTC: '7' }, external: { USDT: '-3' } }),
        change(2, { accounts: { alice: { updateTime: 6, balances: { USDT: ['15', '0'] } } }, fees: { BTC: '9' }, external: { USDT: '4' } }),
      ],
      expect: (s) => {
        expect(s.accounts.alice).toEqual({ updateTime: 6, balances: { USDT: ['15', '0'], BTC: ['1', '0'] } });
        expect(s.fees).toEqual({ BTC: '9' });
        expect(s.external).toEqual({ USDT: '4' });
      },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const state = emptyVenueState();
      for (const each of row.changes) applyChange(state, each);
      row.expect(state);
    });
  }
});

describe('journal append', () => {
  it('appends one line per operation and never accepts a change out of sequence', () => {
    const venue = newVenue();
    const persisted = persist(venue);
    trade(venue);
    const lines = readFileSync(join(dir, JOURNAL_FILE), 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as VenueChange).seq)).toEqual(lines.map((_, i) => i + 1));
    expect(() => persisted.store.append({ ...(JSON.parse(lines[0]!) as VenueChange) })).toThrow('change 1 does not follow');
  });
});
