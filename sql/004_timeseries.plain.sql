-- Time-series story without TimescaleDB (plain PostgreSQL, PGlite): time-ordered indexes and the
-- 1m/5m candles as views over trades. Same names and columns as the TimescaleDB variant.

CREATE INDEX trades_time_idx ON trades (venue, instrument, ts DESC);
CREATE INDEX book_tops_time_idx ON book_tops (venue, instrument, ts DESC);
CREATE INDEX ohlcv_time_idx ON ohlcv (venue, instrument, timeframe, ts DESC);
CREATE INDEX actor_lifecycle_events_time_idx ON actor_lifecycle_events (ts DESC);

CREATE VIEW ohlcv_1m AS
SELECT venue, instrument,
       date_bin('1 minute', ts, timestamptz '2000-01-01 00:00:00+00') AS bucket,
       (array_agg(price ORDER BY ts, trade_id))[1]           AS open,
       max(price)                                            AS high,
       min(price)                                            AS low,
       (array_agg(price ORDER BY ts DESC, trade_id DESC))[1] AS close,
       sum(qty)                                              AS volume,
       count(*)                                              AS trade_count
FROM trades
GROUP BY venue, instrument, bucket;

CREATE VIEW ohlcv_5m AS
SELECT venue, instrument,
       date_bin('5 minutes', ts, timestamptz '2000-01-01 00:00:00+00') AS bucket,
       (array_agg(price ORDER BY ts, trade_id))[1]           AS open,
       max(price)                                            AS high,
       min(price)                                            AS low,
       (array_agg(price ORDER BY ts DESC, trade_id DESC))[1] AS close,
       sum(qty)                                              AS volume,
       count(*)                                              AS trade_count
FROM trades
GROUP BY venue, instrument, bucket;
