-- Trading state: orders and their event log, fills, positions, balances, kill switch, actor lifecycle.
-- Every table a writer may retry into has a unique key, so a replayed spool never writes a row twice.
-- Times are timestamptz (microsecond resolution, the same as the runtime clock); prices and quantities
-- are double precision so the runtime's numbers round-trip exactly.

CREATE TABLE orders (
  order_id        bigint PRIMARY KEY,
  client_order_id text NOT NULL UNIQUE,
  venue           text NOT NULL,
  instrument      text NOT NULL,
  strategy        text,
  side            text NOT NULL CHECK (side IN ('BUY', 'SELL')),
  order_type      text NOT NULL CHECK (order_type IN ('LIMIT', 'MARKET', 'LIMIT_MAKER')),
  time_in_force   text NOT NULL CHECK (time_in_force IN ('GTC', 'IOC', 'FOK')),
  reduce_only     boolean NOT NULL,
  price           double precision NOT NULL,
  qty             double precision NOT NULL CHECK (qty > 0),
  status          text NOT NULL CHECK (status IN ('PENDING_NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL',
                                                  'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED')),
  cum_qty         double precision NOT NULL,
  avg_price       double precision NOT NULL,
  venue_order_id  text,
  reject_reason   text,
  -- seq of the order event this row reflects: an older event replayed late never overwrites a newer state
  last_seq        integer NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
-- recovery reads the open orders at start
CREATE INDEX orders_open_idx ON orders (venue, instrument)
  WHERE status IN ('PENDING_NEW', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL');

CREATE TABLE order_events (
  order_id       bigint NOT NULL,
  seq            integer NOT NULL,
  status         text NOT NULL,
  cum_qty        double precision NOT NULL,
  avg_price      double precision NOT NULL,
  price          double precision NOT NULL,
  qty            double precision NOT NULL,
  venue_order_id text,
  reject_reason  text,
  ts             timestamptz NOT NULL,
  PRIMARY KEY (order_id, seq)
);

CREATE TABLE fills (
  venue      text NOT NULL,
  trade_id   text NOT NULL,
  order_id   bigint NOT NULL,
  instrument text NOT NULL,
  side       text NOT NULL CHECK (side IN ('BUY', 'SELL')),
  price      double precision NOT NULL,
  qty        double precision NOT NULL CHECK (qty > 0),
  fee        double precision NOT NULL,
  liquidity  text NOT NULL CHECK (liquidity IN ('MAKER', 'TAKER')),
  ts         timestamptz NOT NULL,
  PRIMARY KEY (venue, trade_id)
);
CREATE INDEX fills_order_idx ON fills (order_id);

CREATE TABLE position_snapshots (
  venue          text NOT NULL,
  instrument     text NOT NULL,
  ts             timestamptz NOT NULL,
  qty            double precision NOT NULL,
  avg_price      double precision NOT NULL,
  realized_pnl   double precision NOT NULL,
  PRIMARY KEY (venue, instrument, ts)
);

CREATE TABLE balances (
  venue  text NOT NULL,
  asset  text NOT NULL,
  ts     timestamptz NOT NULL,
  free   double precision NOT NULL,
  locked double precision NOT NULL,
  PRIMARY KEY (venue, asset, ts)
);

-- seq is the kill switch's own transition counter, carried across restarts (recovery returns the
-- latest), so the newest row is the latch whatever the wall clocks said.
CREATE TABLE kill_switch_events (
  seq      bigint PRIMARY KEY,
  state    text NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'PAUSED', 'HALTED')),
  previous text NOT NULL CHECK (previous IN ('ACTIVE', 'REDUCING', 'PAUSED', 'HALTED')),
  source   text NOT NULL,
  reason   text NOT NULL,
  ts       timestamptz NOT NULL
);

-- run_id names one supervisor process; seq counts its lifecycle events. ts is part of the key so the
-- table can become a hypertable (TimescaleDB wants the time column in every unique index).
CREATE TABLE actor_lifecycle_events (
  run_id text NOT NULL,
  seq    bigint NOT NULL,
  ts     timestamptz NOT NULL,
  actor  text NOT NULL,
  event  text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (run_id, seq, ts)
);
CREATE INDEX actor_lifecycle_events_actor_idx ON actor_lifecycle_events (actor, ts);
