package sqldb_test

import (
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// Issue 12, finding 3: a stranger's dataset posted a reference-model result
// and a withdrawn dataset's results stayed in the leaderboard.
func TestFinding3LeaderboardCountsOnlyApprovedParticipants(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		t.Run("a stranger's dataset never associated cannot post a reference-model result", func(t *testing.T) {
			ds := medperftest.MustDataset(t, w.Stranger, medperftest.DatasetInput("strange", w.Preparator.ID, medperf.StateOperation))
			_, _, err := w.Stranger.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID,
				DatasetID: ds.ID, Metrics: medperftest.Metrics(0.99)})
			wantCode(t, err, medperf.CodeConflict)
		})
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
		for _, m := range []int64{w.ReferenceModel.ID, w.Model.ID} {
			if _, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: m,
				DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.8)}); err != nil {
				t.Fatal(err)
			}
		}
		count := func(t *testing.T) int {
			t.Helper()
			d := medperftest.Must[*medperf.LeaderboardData](t)(db.LeaderboardData(medperf.WithCaller(ctx, &w.BenchmarkOwner.User), w.Benchmark.ID))
			return len(d.Results)
		}
		if n := count(t); n != 2 {
			t.Fatalf("%d results before any withdrawal, want 2", n)
		}
		t.Run("a withdrawn model's results no longer count", func(t *testing.T) {
			medperftest.Must[*medperf.Association](t)(w.ModelOwner.DecideAssociation(ctx, w.Benchmark.ID, medperf.KindModel, w.Model.ID,
				medperf.AssociationDecision{ApprovalStatus: medperftest.Ptr(medperf.StatusRejected)}))
			if n := count(t); n != 1 {
				t.Errorf("%d results, want 1 (the reference model's)", n)
			}
		})
		t.Run("a withdrawn dataset's results no longer count, the reference model's included", func(t *testing.T) {
			medperftest.Must[*medperf.Association](t)(w.DataOwner.DecideAssociation(ctx, w.Benchmark.ID, medperf.KindDataset, w.Dataset.ID,
				medperf.AssociationDecision{ApprovalStatus: medperftest.Ptr(medperf.StatusRejected)}))
			if n := count(t); n != 0 {
				t.Errorf("%d results, want 0", n)
			}
		})
	})
}

// Issue 12, finding 17: k is declared by the benchmark (default 3), stored
// by migration 0004 and changeable in OPERATION like the publication flag.
func TestFinding17BenchmarkDeclaresK(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		if w.Benchmark.LeaderboardMinSites != medperf.DefaultLeaderboardMinSites {
			t.Errorf("default k = %d, want %d", w.Benchmark.LeaderboardMinSites, medperf.DefaultLeaderboardMinSites)
		}
		in := medperftest.BenchmarkInput("k5", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
		in.LeaderboardMinSites = 5
		b := medperftest.MustBenchmark(t, w.BenchmarkOwner, in)
		if b.LeaderboardMinSites != 5 {
			t.Errorf("declared k = %d, want 5", b.LeaderboardMinSites)
		}
		b = medperftest.Must[*medperf.Benchmark](t)(w.BenchmarkOwner.UpdateBenchmark(ctx, w.Benchmark.ID, medperf.BenchmarkPatch{LeaderboardMinSites: medperftest.Ptr(4)}))
		if b.LeaderboardMinSites != 4 {
			t.Errorf("patched k = %d, want 4", b.LeaderboardMinSites)
		}
		_, err := w.BenchmarkOwner.UpdateBenchmark(ctx, w.Benchmark.ID, medperf.BenchmarkPatch{LeaderboardMinSites: medperftest.Ptr(1)})
		wantCode(t, err, medperf.CodeInvalid)
	})
}
