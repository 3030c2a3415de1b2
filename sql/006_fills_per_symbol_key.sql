-- Trade ids are unique per symbol, not per venue (Binance numbers each symbol's trades from 1): keyed
-- by (venue, trade_id), a two-symbol venue's fills collided and ON CONFLICT DO NOTHING dropped them
-- (a chaos probe lost 7 of 29). The key is what the venue makes unique.
ALTER TABLE fills DROP CONSTRAINT fills_pkey;
ALTER TABLE fills ADD PRIMARY KEY (venue, instrument, trade_id);
