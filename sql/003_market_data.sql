-- Market data as the recorder sees it. ts is the venue's timestamp (it never changes when a message
-- is replayed), and it is part of each unique key so the same tables can become hypertables.

CREATE TABLE trades (
  venue       text NOT NULL,
  instrument  text NOT NULL,
  trade_id    text NOT NULL,
  ts          timestamptz NOT NULL,
  price       double precision NOT NULL CHECK (price > 0),
  qty         double precision NOT NULL CHECK (qty > 0),
  aggressor   text NOT NULL CHECK (aggressor IN ('BUY', 'SELL')),
  received_at timestamptz NOT NULL,
  PRIMARY KEY (venue, instrument, trade_id, ts)
);

CREATE TABLE book_tops (
  venue       text NOT NULL,
  instrument  text NOT NULL,
  update_id   bigint NOT NULL,
  ts          timestamptz NOT NULL,
  bid_price   double precision NOT NULL,
  bid_qty     double precision NOT NULL,
  ask_price   double precision NOT NULL,
  ask_qty     double precision NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (venue, instrument, update_id, ts)
);

-- Candles as a venue publishes them (the candles derived from recorded trades are ohlcv_1m/ohlcv_5m).
CREATE TABLE ohlcv (
  venue      text NOT NULL,
  instrument text NOT NULL,
  timeframe  text NOT NULL CHECK (timeframe ~ '^[0-9]+[smhdw]$'),
  ts         timestamptz NOT NULL,
  open       double precision NOT NULL,
  high       double precision NOT NULL,
  low        double precision NOT NULL,
  close      double precision NOT NULL,
  volume     double precision NOT NULL,
  PRIMARY KEY (venue, instrument, timeframe, ts)
);
