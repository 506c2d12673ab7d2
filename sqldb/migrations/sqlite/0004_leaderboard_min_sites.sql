-- k of issue 12, finding 17: a published leaderboard aggregate needs at least
-- this many contributing sites. Existing benchmarks get the default, 3.
ALTER TABLE benchmarks ADD COLUMN leaderboard_min_sites INTEGER NOT NULL DEFAULT 3;
