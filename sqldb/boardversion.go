package sqldb

import (
	"context"
	"math/rand/v2"
	"strings"

	"github.com/medperf/medperf"
)

// boardBenchmarks selects, for an audited entity type, the benchmarks whose
// leaderboards a change of that entity (its ID is the one argument, twice
// for models) can change. Entity types not listed change no leaderboard.
var boardBenchmarks = map[string]string{
	"result":              `SELECT benchmark_id AS id FROM results WHERE id = ?`,
	"benchmark":           `SELECT id FROM benchmarks WHERE id = ?`,
	"dataset_association": `SELECT benchmark_id AS id FROM associations WHERE id = ?`,
	"model_association":   `SELECT benchmark_id AS id FROM associations WHERE id = ?`,
	"dataset":             `SELECT DISTINCT benchmark_id AS id FROM associations WHERE kind = 'dataset' AND component_id = ?`,
	"container": `SELECT benchmark_id AS id FROM associations WHERE kind = 'model' AND component_id = ?
		UNION SELECT id FROM benchmarks WHERE reference_model = ?`,
}

// boardShards is how many counter rows a benchmark's version is spread
// over: a change raises one at random and readers add them up, so the sum
// still rises with every committed change while concurrent writers to one
// benchmark rarely wait for each other's row lock (with one row, PostgreSQL
// committed one submission of a benchmark at a time).
const boardShards = 16

// boardVersion is the SQL of a benchmark's version, for a benchmark b.
const boardVersion = `COALESCE((SELECT SUM(v.version) FROM board_versions v WHERE v.benchmark_id = b.id), 0)`

// bumpBoards raises the leaderboard version of every benchmark a change of
// the entity can affect, in the change's own transaction, so that a replica
// that sees the new version also sees the change. It is called from audit,
// which every write of the store goes through.
func bumpBoards(ctx context.Context, c conn, entityType string, entityID int64) error {
	q, ok := boardBenchmarks[entityType]
	if !ok {
		return nil
	}
	args := []any{entityID}
	if strings.Count(q, "?") == 2 {
		args = append(args, entityID)
	}
	shard := rand.IntN(boardShards)
	if c.shard > 0 {
		shard = (c.shard - 1) % boardShards
	}
	args = append([]any{shard}, args...)
	// The counter rows are raised in benchmark order, so that two writes
	// raising several of one shard never wait for each other in a cycle.
	return c.exec(ctx, `INSERT INTO board_versions (benchmark_id, shard, version) SELECT x.id, ?, 1 FROM (`+q+`) x WHERE true
		ORDER BY x.id ON CONFLICT (benchmark_id, shard) DO UPDATE SET version = board_versions.version + 1`, args...)
}

// LeaderboardStamp implements medperf.LeaderboardVersions: one indexed read
// of the benchmark and its counter.
func (d *DB) LeaderboardStamp(ctx context.Context, benchmarkID int64) (medperf.LeaderboardStamp, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return medperf.LeaderboardStamp{}, err
	}
	var b medperf.Benchmark
	var version int64
	err = d.read().row(ctx, `SELECT b.id, b.owner, b.leaderboard_public, `+boardVersion+` FROM benchmarks b WHERE b.id = ?`, benchmarkID).Scan(&b.ID, &b.Owner, &b.LeaderboardPublic, &version)
	if noRows(err) {
		return medperf.LeaderboardStamp{}, notFound("benchmark", benchmarkID)
	}
	if err != nil {
		return medperf.LeaderboardStamp{}, internal(err)
	}
	return medperf.LeaderboardStamp{Scope: medperf.LeaderboardScopeFor(caller, b), Version: version}, nil
}
