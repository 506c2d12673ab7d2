package sqldb_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

func TestBulkLoadResults(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		b := MustDeclaredBenchmark(t, w, declaration)
		medperftest.MustApprove(t, w.BenchmarkOwner, w.ModelOwner, b.ID, medperf.KindModel, w.Model.ID)
		var datasets []int64
		for i := range 3 {
			ds := medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput(fmt.Sprint("bulk-", i), w.Preparator.ID, medperf.StateOperation))
			medperftest.MustApprove(t, w.BenchmarkOwner, w.DataOwner, b.ID, medperf.KindDataset, ds.ID)
			datasets = append(datasets, ds.ID)
		}
		input := func(model, dataset int64, dice float64) sqldb.BulkResult {
			return sqldb.BulkResult{Owner: w.DataOwner.ID, Input: medperf.ResultInput{BenchmarkID: b.ID, ModelID: model, DatasetID: dataset,
				Metrics: json.RawMessage(fmt.Sprintf(`{"dice": %v, "n_cases": 4}`, dice)), IdempotencyKey: fmt.Sprintf("bulk-%d-%d", model, dataset)}}
		}
		var load []sqldb.BulkResult
		for i, ds := range datasets {
			load = append(load, input(w.Model.ID, ds, 0.5), input(w.ReferenceModel.ID, ds, float64(i)/4))
		}
		admin := medperf.WithCaller(ctx, &w.Admin.User)
		t.Run("only an admin may bulk-load", func(t *testing.T) {
			_, err := db.BulkLoadResults(ctx, b.ID, load)
			wantCode(t, err, medperf.CodeUnauthorized)
			_, err = db.BulkLoadResults(medperf.WithCaller(ctx, &w.BenchmarkOwner.User), b.ID, load)
			wantCode(t, err, medperf.CodeForbidden)
			_, err = db.BulkLoadResults(admin, 999999, load)
			wantCode(t, err, medperf.CodeNotFound)
		})
		t.Run("an input SubmitResult would refuse stores nothing", func(t *testing.T) {
			for _, bad := range []sqldb.BulkResult{
				{Owner: w.DataOwner.ID, Input: medperf.ResultInput{BenchmarkID: b.ID, ModelID: w.Model.ID, DatasetID: datasets[0], Metrics: json.RawMessage(`{"dice": 7}`)}},
				{Owner: w.DataOwner.ID, Input: medperf.ResultInput{BenchmarkID: b.ID, ModelID: w.Model.ID, DatasetID: datasets[0], Metrics: json.RawMessage(`{"secret": 1}`)}},
				{Owner: w.DataOwner.ID, Input: medperf.ResultInput{BenchmarkID: b.ID, ModelID: w.Model.ID, DatasetID: datasets[0], Metrics: json.RawMessage(`{"dice": 1}`), Finalized: medperftest.Ptr(false)}},
				{Owner: w.DataOwner.ID, Input: medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.Model.ID, DatasetID: datasets[0], Metrics: json.RawMessage(`{"dice": 1}`)}},
			} {
				n, err := db.BulkLoadResults(admin, b.ID, append(append([]sqldb.BulkResult(nil), load...), bad))
				wantCode(t, err, medperf.CodeInvalid)
				if n != 0 {
					t.Fatalf("%d stored with a bad input", n)
				}
			}
			l := medperftest.Must[*medperf.List[medperf.Result]](t)(w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: b.ID}))
			if len(l.Items) != 0 {
				t.Fatalf("%d results stored after refusals", len(l.Items))
			}
		})
		t.Run("results are stored as submissions are, and the leaderboard sees them", func(t *testing.T) {
			before := medperftest.Must[medperf.LeaderboardStamp](t)(db.LeaderboardStamp(admin, b.ID))
			n, err := db.BulkLoadResults(admin, b.ID, load)
			if err != nil || n != len(load) {
				t.Fatalf("stored %d of %d: %v", n, len(load), err)
			}
			after := medperftest.Must[medperf.LeaderboardStamp](t)(db.LeaderboardStamp(admin, b.ID))
			if after.Version <= before.Version {
				t.Fatalf("leaderboard version %d → %d: caches would not see the load", before.Version, after.Version)
			}
			// The same submission through the API answers with the stored result.
			in := load[0].Input
			r, created, err := w.DataOwner.SubmitResult(ctx, in)
			if err != nil || created || !r.Finalized || !r.IsValid || r.Owner != w.DataOwner.ID || string(r.Metrics) != `{"dice":0.5,"n_cases":4}` {
				t.Fatalf("resubmission: %+v, created %v, %v", r, created, err)
			}
			d := medperftest.Must[*medperf.LeaderboardData](t)(db.LeaderboardData(admin, b.ID))
			if len(d.Results) != len(load) {
				t.Fatalf("the leaderboard reads %d results, want %d", len(d.Results), len(load))
			}
		})
		t.Run("taken pairs are skipped", func(t *testing.T) {
			n, err := db.BulkLoadResults(admin, b.ID, load)
			if err != nil || n != 0 {
				t.Fatalf("stored %d again: %v", n, err)
			}
		})
	})
}
