-- Counters per benchmark, raised in the transaction of every change that can
-- change its leaderboard or its results (results, associations, the
-- benchmark, the names of its models and datasets). Every replica reads their
-- sum on each leaderboard or results-page request and reuses what it cached
-- while the sum is unchanged. Each change raises one of 16 shards at random,
-- so that concurrent submissions to one benchmark do not queue on one row lock.
CREATE TABLE board_versions (
    benchmark_id BIGINT NOT NULL,
    shard INTEGER NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (benchmark_id, shard)
);
