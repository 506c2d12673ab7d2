package sqldb_test

import (
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// TestFinding16CapsOnTokensAndDrafts: a user holds at most
// MaxTokensPerUser unrevoked tokens and MaxDraftResultsPerUser drafts; the
// next is CodeConflict, and making room (revoking, finalizing) lets it in.
func TestFinding16CapsOnTokensAndDrafts(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		t.Run("tokens", func(t *testing.T) {
			u := w.NewUser(t, "many-tokens") // holds its first token
			var last *medperf.NewToken
			for i := 1; i < medperf.MaxTokensPerUser; i++ {
				last = medperftest.Must[*medperf.NewToken](t)(u.CreateToken(ctx, "t"))
			}
			_, err := u.CreateToken(ctx, "one too many")
			wantCode(t, err, medperf.CodeConflict)
			if err := u.RevokeToken(ctx, last.ID); err != nil {
				t.Fatal(err)
			}
			medperftest.Must[*medperf.NewToken](t)(u.CreateToken(ctx, "in the freed place"))
		})
		t.Run("drafts", func(t *testing.T) {
			w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID) // results need an approved dataset (finding 3)
			draft := medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID,
				Metrics: medperftest.Metrics(0.5), Finalized: medperftest.Ptr(false)}
			var first *medperf.Result
			for i := 0; i < medperf.MaxDraftResultsPerUser; i++ {
				r, _, err := w.DataOwner.SubmitResult(ctx, draft)
				if err != nil {
					t.Fatalf("draft %d: %v", i, err)
				}
				if first == nil {
					first = r
				}
			}
			_, _, err := w.DataOwner.SubmitResult(ctx, draft)
			wantCode(t, err, medperf.CodeConflict)
			medperftest.Must[*medperf.Result](t)(w.DataOwner.UpdateResult(ctx, first.ID, medperf.ResultPatch{Finalized: medperftest.Ptr(true)}))
			if _, _, err := w.DataOwner.SubmitResult(ctx, draft); err != nil {
				t.Fatalf("a draft after one was finalized: %v", err)
			}
		})
	})
}
