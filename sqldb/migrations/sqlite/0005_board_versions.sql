-- One counter per benchmark, raised in the transaction of every change that
-- can change its leaderboard (results, associations, the benchmark, the names
-- of its models and datasets). Every replica reads it on each leaderboard
-- request and reuses its cached leaderboard while the counter is unchanged.
CREATE TABLE board_versions (
    benchmark_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
