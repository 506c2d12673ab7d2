package sqldb_test

import (
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

func submission(w *medperftest.World, model int64, key string) medperf.ResultInput {
	return medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: model, DatasetID: w.Dataset.ID,
		Metrics: medperftest.Metrics(0.9), IdempotencyKey: key}
}

func TestResults(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		var ref *medperf.Result
		t.Run("the reference model's result needs the dataset's association", func(t *testing.T) {
			_, _, err := w.DataOwner.SubmitResult(ctx, submission(w, w.ReferenceModel.ID, "k0"))
			wantCode(t, err, medperf.CodeConflict)
		})
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		t.Run("the reference model's result is allowed without a model association", func(t *testing.T) {
			r, created, err := w.DataOwner.SubmitResult(ctx, submission(w, w.ReferenceModel.ID, "k1"))
			if err != nil || !created || !r.Finalized || r.FinalizedAt == nil {
				t.Fatalf("%+v, %v, %v", r, created, err)
			}
			ref = r
		})
		t.Run("a retried submission returns the same result", func(t *testing.T) {
			r, created, err := w.DataOwner.SubmitResult(ctx, submission(w, w.ReferenceModel.ID, "k1"))
			if err != nil || created || r.ID != ref.ID {
				t.Fatalf("%+v, %v, %v", r, created, err)
			}
		})
		t.Run("a second finalized result for the same triple is a conflict", func(t *testing.T) {
			_, _, err := w.DataOwner.SubmitResult(ctx, submission(w, w.ReferenceModel.ID, "k2"))
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("a key reused for another triple is a conflict", func(t *testing.T) {
			w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
			_, _, err := w.DataOwner.SubmitResult(ctx, submission(w, w.Model.ID, "k1"))
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("only the dataset owner submits", func(t *testing.T) {
			_, _, err := w.ModelOwner.SubmitResult(ctx, submission(w, w.Model.ID, ""))
			wantCode(t, err, medperf.CodeForbidden)
		})
		var draft *medperf.Result
		t.Run("an approved pair's draft result is allowed", func(t *testing.T) {
			in := submission(w, w.Model.ID, "")
			in.Finalized = medperftest.Ptr(false)
			r, _, err := w.DataOwner.SubmitResult(ctx, in)
			if err != nil || r.Finalized {
				t.Fatalf("%+v %v", r, err)
			}
			draft = r
		})
		t.Run("a draft changes, then finalizes, then never changes", func(t *testing.T) {
			r := medperftest.Must[*medperf.Result](t)(w.DataOwner.UpdateResult(ctx, draft.ID, medperf.ResultPatch{Metrics: medperftest.Ptr(medperftest.Metrics(0.7))}))
			if string(r.Metrics) != string(medperftest.Metrics(0.7)) {
				t.Fatal(string(r.Metrics))
			}
			medperftest.Must[*medperf.Result](t)(w.DataOwner.UpdateResult(ctx, draft.ID, medperf.ResultPatch{Finalized: medperftest.Ptr(true)}))
			_, err := w.DataOwner.UpdateResult(ctx, draft.ID, medperf.ResultPatch{Metrics: medperftest.Ptr(medperftest.Metrics(1))})
			wantCode(t, err, medperf.CodeConflict)
			_, err = w.DataOwner.UpdateResult(ctx, draft.ID, medperf.ResultPatch{Finalized: medperftest.Ptr(false)})
			wantCode(t, err, medperf.CodeConflict)
			medperftest.Must[*medperf.Result](t)(w.DataOwner.UpdateResult(ctx, draft.ID, medperf.ResultPatch{UserMetadata: medperftest.Ptr(medperftest.Metrics(1))}))
		})
		t.Run("without approved associations a result is refused", func(t *testing.T) {
			other := medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput("m", medperf.StateOperation, medperf.TaskInfer))
			_, _, err := w.DataOwner.SubmitResult(ctx, submission(w, other.ID, ""))
			wantCode(t, err, medperf.CodeConflict)
			_, _, err = w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: 99999, ModelID: other.ID, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(1)})
			wantCode(t, err, medperf.CodeNotFound)
		})
		t.Run("a missing model or dataset is not found", func(t *testing.T) {
			for name, in := range map[string]medperf.ResultInput{
				"model":   {BenchmarkID: w.Benchmark.ID, ModelID: 99999, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(1)},
				"dataset": {BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID, DatasetID: 99999, Metrics: medperftest.Metrics(1)},
			} {
				t.Run(name, func(t *testing.T) {
					_, _, err := w.DataOwner.SubmitResult(ctx, in)
					wantCode(t, err, medperf.CodeNotFound)
				})
			}
		})
		t.Run("results are visible to admin and the three owners only", func(t *testing.T) {
			for _, u := range []medperftest.User{w.Admin, w.BenchmarkOwner, w.ModelOwner, w.DataOwner} {
				if _, err := u.GetResult(ctx, draft.ID); err != nil {
					t.Errorf("%s: %v", u.Name, err)
				}
			}
			_, err := w.Stranger.GetResult(ctx, draft.ID)
			wantCode(t, err, medperf.CodeNotFound)
			l := medperftest.Must[*medperf.List[medperf.Result]](t)(w.Stranger.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID}))
			if l.Total != 0 {
				t.Fatalf("stranger sees %d results", l.Total)
			}
			l = medperftest.Must[*medperf.List[medperf.Result]](t)(w.ModelOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID}))
			if l.Total != 1 || l.Items[0].ID != draft.ID {
				t.Fatalf("model owner sees %+v", l)
			}
			l = medperftest.Must[*medperf.List[medperf.Result]](t)(w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID}))
			if l.Total != 2 {
				t.Fatalf("benchmark owner sees %d", l.Total)
			}
		})
	})
}
