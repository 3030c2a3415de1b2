-- Time-series story with TimescaleDB: hypertables for market data and lifecycle events, compression
-- and retention policies, and the 1m/5m candles as continuous aggregates with the same names and
-- columns as the plain variant's views. Order events, fills and the kill switch stay plain tables:
-- they are small and must never be dropped by a retention policy.

CREATE EXTENSION IF NOT EXISTS timescaledb;

SELECT create_hypertable('trades', by_range('ts', INTERVAL '1 day'), migrate_data => true);
SELECT create_hypertable('book_tops', by_range('ts', INTERVAL '1 day'), migrate_data => true);
SELECT create_hypertable('ohlcv', by_range('ts', INTERVAL '30 days'), migrate_data => true);
SELECT create_hypertable('actor_lifecycle_events', by_range('ts', INTERVAL '7 days'), migrate_data => true);

ALTER TABLE trades SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue, instrument',
                        timescaledb.compress_orderby = 'ts DESC, trade_id');
ALTER TABLE book_tops SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue, instrument',
                           timescaledb.compress_orderby = 'ts DESC, update_id');
ALTER TABLE ohlcv SET (timescaledb.compress, timescaledb.compress_segmentby = 'venue, instrument, timeframe',
                       timescaledb.compress_orderby = 'ts DESC');

SELECT add_compression_policy('trades', INTERVAL '2 days');
SELECT add_compression_policy('book_tops', INTERVAL '2 days');
SELECT add_compression_policy('ohlcv', INTERVAL '60 days');

SELECT add_retention_policy('trades', INTERVAL '90 days');
SELECT add_retention_policy('book_tops', INTERVAL '30 days');
SELECT add_retention_policy('actor_lifecycle_events', INTERVAL '90 days');

-- WITH NO DATA keeps the statement legal inside the migration's transaction; the refresh policy
-- fills the aggregates in the background.
CREATE MATERIALIZED VIEW ohlcv_1m WITH (timescaledb.continuous) AS
SELECT venue, instrument,
       time_bucket(INTERVAL '1 minute', ts) AS bucket,
       first(price, ts) AS open,
       max(price)       AS high,
       min(price)       AS low,
       last(price, ts)  AS close,
       sum(qty)         AS volume,
       count(*)         AS trade_count
FROM trades
GROUP BY venue, instrument, time_bucket(INTERVAL '1 minute', ts)
WITH NO DATA;

CREATE MATERIALIZED VIEW ohlcv_5m WITH (timescaledb.continuous) AS
SELECT venue, instrument,
       time_bucket(INTERVAL '5 minutes', ts) AS bucket,
       first(price, ts) AS open,
       max(price)       AS high,
       min(price)       AS low,
       last(price, ts)  AS close,
       sum(qty)         AS volume,
       count(*)         AS trade_count
FROM trades
GROUP BY venue, instrument, time_bucket(INTERVAL '5 minutes', ts)
WITH NO DATA;

SELECT add_continuous_aggregate_policy('ohlcv_1m', start_offset => INTERVAL '1 hour',
                                       end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute');
SELECT add_continuous_aggregate_policy('ohlcv_5m', start_offset => INTERVAL '1 day',
                                       end_offset => INTERVAL '5 minutes', schedule_interval => INTERVAL '5 minutes');
ALTER MATERIALIZED VIEW ohlcv_1m SET (timescaledb.materialized_only = false);
ALTER MATERIALIZED VIEW ohlcv_5m SET (timescaledb.materialized_only = false);
