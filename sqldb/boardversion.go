package sqldb

import (
	"context"
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
	return c.exec(ctx, `INSERT INTO board_versions (benchmark_id, version) SELECT x.id, 1 FROM (`+q+`) x WHERE true
		ON CONFLICT (benchmark_id) DO UPDATE SET version = board_versions.version + 1`, args...)
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
	err = d.read().row(ctx, `SELECT b.id, b.owner, b.leaderboard_public, COALESCE(v.version, 0) FROM benchmarks b
		LEFT JOIN board_versions v ON v.benchmark_id = b.id WHERE b.id = ?`, benchmarkID).Scan(&b.ID, &b.Owner, &b.LeaderboardPublic, &version)
	if noRows(err) {
		return medperf.LeaderboardStamp{}, notFound("benchmark", benchmarkID)
	}
	if err != nil {
		return medperf.LeaderboardStamp{}, internal(err)
	}
	return medperf.LeaderboardStamp{Scope: medperf.LeaderboardScopeFor(caller, b), Version: version}, nil
}
