-- Exact money (docs/risk.md, "Exact money"): risk books positions in scaled integers and sends each
-- snapshot as decimal text. A double holds about 16 significant digits, fewer than a realised PnL
-- with 8 decimals can need (12345678.12345678), so the snapshot columns become numeric and hold the
-- ledger's figures as they were booked. Rows written before keep their double values (cast with
-- PostgreSQL's float8 -> numeric conversion).
-- Version 6 is left to the migration that changes the fills key (branch defects), so both can land.
ALTER TABLE position_snapshots
  ALTER COLUMN qty TYPE numeric,
  ALTER COLUMN avg_price TYPE numeric,
  ALTER COLUMN realized_pnl TYPE numeric;
