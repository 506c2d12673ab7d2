package sqldb

import (
	"context"
	"database/sql"
	"sync/atomic"

	"github.com/medperf/medperf"
)

var _ medperf.LeaderboardScanner = (*DB)(nil)

// boardRowsRead counts the result rows ScanLeaderboard has read from the
// database, in every DB of the process: the tests check with it that a scan
// hands each row on as it reads it instead of loading the benchmark's
// results first.
var boardRowsRead atomic.Int64

// ScanLeaderboard implements medperf.LeaderboardScanner. The rows are the
// results LeaderboardData reads, without their names: for the owner's and
// the published scope they come from the results table alone (the reference
// model is an argument, not a join), which the database sorts by dataset
// (SQLite's sorter and PostgreSQL's work_mem spill to disk), so the process
// holds one row at a time. The names come after, in one query per kind.
func (d *DB) ScanLeaderboard(ctx context.Context, benchmarkID int64, head func(medperf.LeaderboardHead) error, row func(medperf.BoardRow) error) (medperf.LeaderboardNames, error) {
	var names medperf.LeaderboardNames
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return names, err
	}
	c := d.read()
	b, err := getBenchmark(ctx, c, benchmarkID)
	if err != nil {
		return names, internal(err)
	}
	h := medperf.LeaderboardHead{Benchmark: *b, Scope: medperf.LeaderboardScopeFor(caller, *b)}
	if err := head(h); err != nil {
		return names, err
	}
	seen, err := scanBoardRows(ctx, c, h, caller, row)
	if err != nil {
		return names, err
	}
	if h.Scope == medperf.ScopeAll {
		names.Models, names.Datasets, err = participants(ctx, c, *b)
	} else {
		names, err = seenNames(ctx, c, *b, seen)
	}
	if err != nil {
		return medperf.LeaderboardNames{}, internal(err)
	}
	return names, nil
}

// seenIDs are the models and datasets a scan handed on; datasets come in
// ascending order, so each is recorded once.
type seenIDs struct {
	models   map[int64]bool
	datasets []int64
}

// scanBoardRows hands on the rows of h's scope one by one, ordered by
// dataset, model and ID. Errors of row are returned as they are; the
// database's are CodeInternal.
func scanBoardRows(ctx context.Context, c conn, h medperf.LeaderboardHead, caller *medperf.User, row func(medperf.BoardRow) error) (seenIDs, error) {
	seen := seenIDs{models: map[int64]bool{}}
	w := where{}
	from := "results r"
	w.add("r.benchmark_id = ?", h.Benchmark.ID)
	w.add("r.finalized")
	w.add("r.is_valid")
	w.add("r.dataset_id IN ("+latestApproved+")", h.Benchmark.ID, medperf.KindDataset, medperf.StatusApproved)
	w.add("(r.model_id = ? OR r.model_id IN ("+latestApproved+"))", h.Benchmark.ReferenceModelContainer, h.Benchmark.ID, medperf.KindModel, medperf.StatusApproved)
	if h.Scope == medperf.ScopeVisible {
		from = resultFrom
		visibleTo(&w, caller)
	}
	rows, err := c.query(ctx, `SELECT r.id, r.model_id, r.dataset_id, r.metrics, r.envelope IS NOT NULL FROM `+from+w.sql()+
		` ORDER BY r.dataset_id, r.model_id, r.id`, w.args...)
	if err != nil {
		return seen, internal(err)
	}
	defer rows.Close()
	var metrics sql.RawBytes
	for rows.Next() {
		boardRowsRead.Add(1)
		var r medperf.BoardRow
		if err := rows.Scan(&r.ID, &r.Model, &r.Dataset, &metrics, &r.Signed); err != nil {
			return seen, internal(err)
		}
		r.Metrics = metrics
		if n := len(seen.datasets); n == 0 || seen.datasets[n-1] != r.Dataset {
			seen.datasets = append(seen.datasets, r.Dataset)
		}
		seen.models[r.Model] = true
		if err := row(r); err != nil {
			return seen, err
		}
	}
	if err := rows.Err(); err != nil {
		return seen, internal(err)
	}
	return seen, nil
}

// seenNames names the models and datasets a scan handed on. Each is the
// benchmark's reference model or was associated with the benchmark (the
// scan keeps only approved participants), so the names are read among
// those, in one query per kind.
func seenNames(ctx context.Context, c conn, b medperf.Benchmark, seen seenIDs) (medperf.LeaderboardNames, error) {
	var out medperf.LeaderboardNames
	if len(seen.datasets) == 0 {
		return medperf.LeaderboardNames{Models: []medperf.Named{}, Datasets: []medperf.Named{}}, nil
	}
	models, err := named(ctx, c, `SELECT id, name FROM containers WHERE id = ?
		OR id IN (SELECT component_id FROM associations WHERE benchmark_id = ? AND kind = ?) ORDER BY id`,
		b.ReferenceModelContainer, b.ID, medperf.KindModel)
	if err != nil {
		return out, err
	}
	out.Models = make([]medperf.Named, 0, len(seen.models))
	for _, m := range models {
		if seen.models[m.ID] {
			out.Models = append(out.Models, m)
		}
	}
	datasets, err := named(ctx, c, `SELECT id, name FROM datasets
		WHERE id IN (SELECT component_id FROM associations WHERE benchmark_id = ? AND kind = ?) ORDER BY id`,
		b.ID, medperf.KindDataset)
	if err != nil {
		return out, err
	}
	want := map[int64]bool{}
	for _, id := range seen.datasets {
		want[id] = true
	}
	out.Datasets = make([]medperf.Named, 0, len(seen.datasets))
	for _, ds := range datasets {
		if want[ds.ID] {
			out.Datasets = append(out.Datasets, ds)
		}
	}
	return out, nil
}
