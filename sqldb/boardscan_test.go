package sqldb_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// boardWorld is a declared benchmark with random results: 5 models (the
// reference one included) × 7 datasets of two sites, ties on purpose,
// drafts, an invalidated result, and participants that left after their
// results were stored (a withdrawn model, a withdrawn dataset) or whose
// request is pending.
func boardWorld(t *testing.T, db *sqldb.DB, w *medperftest.World, rng *rand.Rand) *medperf.Benchmark {
	t.Helper()
	b := MustDeclaredBenchmark(t, w, declaration)
	approve := func(owner medperftest.User, kind medperf.ComponentKind, id int64) {
		medperftest.MustApprove(t, w.BenchmarkOwner, owner, b.ID, kind, id)
	}
	models := []int64{w.ReferenceModel.ID}
	for i := range 4 {
		m := medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput(fmt.Sprint("board-model-", i), medperf.StateOperation, medperf.TaskInfer))
		approve(w.ModelOwner, medperf.KindModel, m.ID)
		models = append(models, m.ID)
	}
	type site struct {
		owner medperftest.User
		id    int64
	}
	sites := []site{{w.DataOwner, w.Dataset.ID}}
	for i := range 6 {
		owner := []medperftest.User{w.DataOwner, w.Stranger}[i%2]
		ds := medperftest.MustDataset(t, owner, medperftest.DatasetInput(fmt.Sprint("board-data-", i), w.Preparator.ID, medperf.StateOperation))
		approve(owner, medperf.KindDataset, ds.ID)
		sites = append(sites, site{owner, ds.ID})
	}
	var submitted []*medperf.Result
	for _, s := range sites {
		for _, m := range models {
			if rng.IntN(5) == 0 {
				continue
			}
			metrics := fmt.Sprintf(`{"dice": %v, "hd95": %d`, []float64{0.25, 0.5, 0.5, 0.75, 1}[rng.IntN(5)], rng.IntN(3))
			if rng.IntN(3) > 0 {
				metrics += fmt.Sprintf(`, "n_cases": %d`, 1+rng.IntN(20))
			}
			in := medperf.ResultInput{BenchmarkID: b.ID, ModelID: m, DatasetID: s.id, Metrics: json.RawMessage(metrics + "}")}
			if rng.IntN(6) == 0 {
				in.Finalized = medperftest.Ptr(false)
			}
			r, _, err := s.owner.SubmitResult(ctx, in)
			if err != nil {
				t.Fatalf("submitting %s: %v", in.Metrics, err)
			}
			submitted = append(submitted, r)
		}
	}
	invalid := false
	for _, r := range submitted {
		if r.Finalized && !invalid {
			medperftest.Must[*medperf.Result](t)(w.Admin.UpdateResult(ctx, r.ID, medperf.ResultPatch{IsValid: medperftest.Ptr(false)}))
			invalid = true
		}
	}
	withdraw := func(kind medperf.ComponentKind, id int64) {
		medperftest.Must[*medperf.Association](t)(w.BenchmarkOwner.DecideAssociation(ctx, b.ID, kind, id,
			medperf.AssociationDecision{ApprovalStatus: medperftest.Ptr(medperf.StatusRejected)}))
	}
	withdraw(medperf.KindModel, models[1+rng.IntN(4)])
	withdraw(medperf.KindDataset, sites[1+rng.IntN(6)].id)
	pending := medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("board-pending", w.Preparator.ID, medperf.StateOperation))
	medperftest.Must[*medperf.Association](t)(w.DataOwner.RequestAssociation(ctx, b.ID, medperf.KindDataset, medperf.AssociationRequest{ComponentID: pending.ID}))
	return b
}

// TestStreamedLeaderboardEqualsTheFullBuild: on both databases, for
// random benchmarks, the leaderboard built from ScanLeaderboard's stream
// equals the one built from LeaderboardData (every result in memory), for
// the owner (every result and participant), a site (its own results) and a
// stranger of a published leaderboard, with and without the matrix and a
// metric.
func TestStreamedLeaderboardEqualsTheFullBuild(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		rng := rand.New(rand.NewPCG(2026, 11))
		for round := range 2 {
			b := boardWorld(t, db, w, rng)
			if round == 1 {
				medperftest.Must[*medperf.Benchmark](t)(w.BenchmarkOwner.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{LeaderboardPublic: medperftest.Ptr(true)}))
			}
			for _, u := range []medperftest.User{w.BenchmarkOwner, w.Admin, w.DataOwner, w.Stranger, w.ModelOwner} {
				caller := medperf.WithCaller(ctx, &u.User)
				for _, opts := range []leaderboard.Options{{}, {MaxCells: 10}, {Metric: "hd95"}, {Metric: "hd95", MaxCells: 3}, {Metric: "nope"}} {
					d, err := db.LeaderboardData(caller, b.ID)
					if err != nil {
						t.Fatal(err)
					}
					want, wantErr := leaderboard.FromDataWith(d, opts)
					got, err := leaderboard.FromScan(caller, db, b.ID, opts)
					if wantErr != nil {
						wantCode(t, err, medperf.ErrorCode(wantErr))
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					wj, _ := json.Marshal(want)
					gj, _ := json.Marshal(got)
					if !bytes.Equal(wj, gj) {
						t.Fatalf("round %d, %s (scope %s), %+v:\nstreamed %s\nwant     %s", round, u.Email, d.Scope, opts, gj, wj)
					}
					if len(d.Results) == 0 && d.Scope == medperf.ScopeAll {
						t.Fatalf("the owner's leaderboard has no results: the test data is empty")
					}
				}
			}
		}
	})
}

// TestScanLeaderboardStreams: the store hands each row on as it reads it
// (a scan stopped at its first row has read one row, not the benchmark's
// results), in the promised order, and passes the reader's error through.
func TestScanLeaderboardStreams(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		b := boardWorld(t, db, w, rand.New(rand.NewPCG(7, 7)))
		owner := medperf.WithCaller(ctx, &w.BenchmarkOwner.User)
		var rows []medperf.BoardRow
		names, err := db.ScanLeaderboard(owner, b.ID, func(medperf.LeaderboardHead) error { return nil }, func(r medperf.BoardRow) error {
			r.Metrics = append([]byte(nil), r.Metrics...)
			rows = append(rows, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 10 || len(names.Models) == 0 || len(names.Datasets) == 0 {
			t.Fatalf("%d rows, names %+v: the test data is too small", len(rows), names)
		}
		for i := 1; i < len(rows); i++ {
			p, r := rows[i-1], rows[i]
			if p.Dataset > r.Dataset || p.Dataset == r.Dataset && (p.Model > r.Model || p.Model == r.Model && p.ID >= r.ID) {
				t.Fatalf("row %d (%+v) after %+v: not by dataset, model and ID", i, r, p)
			}
		}
		stop := errors.New("stop")
		before := sqldb.BoardRowsRead.Load()
		_, err = db.ScanLeaderboard(owner, b.ID, func(medperf.LeaderboardHead) error { return nil }, func(medperf.BoardRow) error { return stop })
		if !errors.Is(err, stop) {
			t.Fatalf("error %v, want the reader's", err)
		}
		if read := sqldb.BoardRowsRead.Load() - before; read != 1 {
			t.Fatalf("a scan stopped at its first row read %d rows of %d", read, len(rows))
		}
		_, err = db.ScanLeaderboard(owner, b.ID, func(medperf.LeaderboardHead) error { return stop }, func(medperf.BoardRow) error { return nil })
		if !errors.Is(err, stop) {
			t.Fatalf("error %v, want head's", err)
		}
	})
}

func TestScanLeaderboardRefusals(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		none := func(medperf.LeaderboardHead) error { t.Fatal("head called"); return nil }
		_, err := db.ScanLeaderboard(ctx, w.Benchmark.ID, none, nil)
		wantCode(t, err, medperf.CodeUnauthorized)
		_, err = db.ScanLeaderboard(medperf.WithCaller(ctx, &w.Stranger.User), 999999, none, nil)
		wantCode(t, err, medperf.CodeNotFound)
	})
}
