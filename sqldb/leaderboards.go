package sqldb

import (
	"context"
	"encoding/json"

	"github.com/medperf/medperf"
)

// LeaderboardData implements medperf.LeaderboardService, the whole
// interface between the store and package leaderboard (which builds,
// publishes and exports leaderboards from it). It reads in one
// transaction-free pass: the benchmark, the results of the caller's scope
// (visibleTo for ScopeVisible, so the result rule holds here too) and, for
// ScopeAll, the approved participants. How it reads them is free to change
// (precomputed tables, caching) as long as the contract holds.
func (d *DB) LeaderboardData(ctx context.Context, benchmarkID int64) (*medperf.LeaderboardData, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	c := d.read()
	b, err := getBenchmark(ctx, c, benchmarkID)
	if err != nil {
		return nil, internal(err)
	}
	out := &medperf.LeaderboardData{Benchmark: *b, Scope: medperf.LeaderboardScopeFor(caller, *b),
		Results: []medperf.BoardResult{}, Models: []medperf.Named{}, Datasets: []medperf.Named{}}
	w := where{}
	w.add("r.benchmark_id = ?", benchmarkID)
	w.add("r.finalized")
	w.add("r.is_valid")
	approvedParticipants(&w, benchmarkID)
	if out.Scope == medperf.ScopeVisible {
		visibleTo(&w, caller)
	}
	if out.Results, err = boardResults(ctx, c, w); err != nil {
		return nil, internal(err)
	}
	if out.Scope == medperf.ScopeAll {
		if out.Models, out.Datasets, err = participants(ctx, c, *b); err != nil {
			return nil, internal(err)
		}
	}
	return out, nil
}

func boardResults(ctx context.Context, c conn, w where) ([]medperf.BoardResult, error) {
	rows, err := c.query(ctx, `SELECT r.id, m.id, m.name, ds.id, ds.name, r.metrics, r.envelope IS NOT NULL FROM `+resultFrom+w.sql()+` ORDER BY r.id`, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []medperf.BoardResult{}
	for rows.Next() {
		var r medperf.BoardResult
		var metrics string
		if err := rows.Scan(&r.ID, &r.Model.ID, &r.Model.Name, &r.Dataset.ID, &r.Dataset.Name, &metrics, &r.Signed); err != nil {
			return nil, err
		}
		r.Metrics = json.RawMessage(metrics)
		out = append(out, r)
	}
	return out, rows.Err()
}

// latestApproved selects the component IDs of one kind whose latest
// association with a benchmark is APPROVED; its arguments are the
// benchmark's ID, the kind and StatusApproved.
const latestApproved = `SELECT a.component_id FROM associations a WHERE a.benchmark_id = ? AND a.kind = ? AND a.approval_status = ?
		AND a.id = (SELECT MAX(x.id) FROM associations x WHERE x.benchmark_id = a.benchmark_id AND x.kind = a.kind AND x.component_id = a.component_id)`

// approvedParticipants keeps the results of datasets whose association
// with the benchmark is APPROVED now, and of models that are its reference
// model or whose association is APPROVED now: a result stays stored when a
// participant is withdrawn, but no leaderboard counts it (issue 12,
// finding 3).
func approvedParticipants(w *where, benchmarkID int64) {
	w.add("r.dataset_id IN ("+latestApproved+")", benchmarkID, medperf.KindDataset, medperf.StatusApproved)
	w.add("(r.model_id = b.reference_model OR r.model_id IN ("+latestApproved+"))", benchmarkID, medperf.KindModel, medperf.StatusApproved)
}

// participants lists the reference model and the models and datasets whose
// latest association with b is APPROVED.
func participants(ctx context.Context, c conn, b medperf.Benchmark) (models, datasets []medperf.Named, err error) {
	latest := latestApproved
	models, err = named(ctx, c, `SELECT id, name FROM containers WHERE id = ? OR id IN (`+latest+`) ORDER BY id`,
		b.ReferenceModelContainer, b.ID, medperf.KindModel, medperf.StatusApproved)
	if err != nil {
		return nil, nil, err
	}
	datasets, err = named(ctx, c, `SELECT id, name FROM datasets WHERE id IN (`+latest+`) ORDER BY id`,
		b.ID, medperf.KindDataset, medperf.StatusApproved)
	return models, datasets, err
}

func named(ctx context.Context, c conn, q string, args ...any) ([]medperf.Named, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []medperf.Named{}
	for rows.Next() {
		var n medperf.Named
		if err := rows.Scan(&n.ID, &n.Name); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
