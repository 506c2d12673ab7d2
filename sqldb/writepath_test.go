package sqldb_test

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// racers is how many submissions race in each round: more than two, so
// that on PostgreSQL several wait on the winner's insert at once.
const racers = 8

// race runs fn(i) for i < racers on goroutines released together and
// returns their results and errors.
func race(fn func(i int) (*medperf.Result, bool, error)) ([]*medperf.Result, []bool, []error) {
	rs, created, errs := make([]*medperf.Result, racers), make([]bool, racers), make([]error, racers)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range racers {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			rs[i], created[i], errs[i] = fn(i)
		}()
	}
	start.Done()
	done.Wait()
	return rs, created, errs
}

// racingModels registers n models associated with the world's benchmark,
// and associates the world's dataset with it.
func racingModels(t *testing.T, w *medperftest.World, n int) []int64 {
	t.Helper()
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	ids := make([]int64, n)
	for i := range ids {
		m := medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput("racer", medperf.StateOperation, medperf.TaskInfer))
		w.MustAssociate(t, medperf.KindModel, w.ModelOwner, m.ID)
		ids[i] = m.ID
	}
	return ids
}

func TestConcurrentSubmissionsOfOneTripleWithDifferentKeysOneWins(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		for round, model := range racingModels(t, w, 4) {
			_, created, errs := race(func(i int) (*medperf.Result, bool, error) {
				return w.DataOwner.SubmitResult(ctx, submission(w, model, "round-"+string(rune('a'+round))+"-"+string(rune('a'+i))))
			})
			wins := 0
			for i, err := range errs {
				switch {
				case err == nil && created[i]:
					wins++
				case medperf.ErrorCode(err) != medperf.CodeConflict:
					t.Errorf("round %d racer %d: code %q (%v), want a win or conflict", round, i, medperf.ErrorCode(err), err)
				}
			}
			if wins != 1 {
				t.Errorf("round %d: %d submissions won, want exactly 1", round, wins)
			}
			l, err := w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID, ModelID: model})
			if err != nil || len(l.Items) != 1 {
				t.Fatalf("round %d: the benchmark holds %v results of the model (%v), want 1", round, l, err)
			}
		}
	})
}

func TestConcurrentSubmissionsWithTheSameKeyGetTheSameResult(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		for round, model := range racingModels(t, w, 3) {
			key := "same-key-" + string(rune('a'+round))
			rs, created, errs := race(func(int) (*medperf.Result, bool, error) {
				return w.DataOwner.SubmitResult(ctx, submission(w, model, key))
			})
			n := 0
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d racer %d: %v (code %s), want the result", round, i, err, medperf.ErrorCode(err))
				}
				if rs[i].ID != rs[0].ID {
					t.Errorf("round %d: racer %d got result %d, racer 0 got %d", round, i, rs[i].ID, rs[0].ID)
				}
				if created[i] {
					n++
				}
			}
			if n != 1 {
				t.Errorf("round %d: %d racers report creating the result, want 1", round, n)
			}
		}
	})
}

func TestIdempotencyKeyReusedWithOtherContentIsAConflict(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		models := racingModels(t, w, 2)
		first, _, err := w.DataOwner.SubmitResult(ctx, submission(w, models[0], "reused"))
		if err != nil {
			t.Fatal(err)
		}
		other := map[string]medperf.ResultInput{}
		in := submission(w, models[0], "reused")
		in.Metrics = medperftest.Metrics(0.1)
		other["other metrics"] = in
		in = submission(w, models[0], "reused")
		in.Finalized = medperftest.Ptr(false)
		other["not finalized"] = in
		in = submission(w, models[0], "reused")
		in.Name = "renamed"
		other["another name"] = in
		other["another model"] = submission(w, models[1], "reused")
		for name, in := range other {
			t.Run(name+" is a conflict", func(t *testing.T) {
				_, _, err := w.DataOwner.SubmitResult(ctx, in)
				wantCode(t, err, medperf.CodeConflict)
				var me *medperf.Error
				if !errors.As(err, &me) || me.Field != "idempotency_key" {
					t.Errorf("error %v does not name idempotency_key", err)
				}
			})
		}
		t.Run("the same content is the same result", func(t *testing.T) {
			r, created, err := w.DataOwner.SubmitResult(ctx, submission(w, models[0], "reused"))
			if err != nil || created || r.ID != first.ID {
				t.Fatalf("%+v, created %v, %v; want result %d again", r, created, err, first.ID)
			}
		})
	})
}

// TestASubmissionAnswersWhatAReadReturns checks that the result a
// submission answers with (built from what it wrote, not read back) is the
// one a later read returns, field for field, signed or not, with metadata
// or without.
func TestASubmissionAnswersWhatAReadReturns(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		models := racingModels(t, w, 2)
		plain := submission(w, models[0], "plain")
		plain.Name = "with metadata"
		plain.Metadata = json.RawMessage(`{ "site" : "a",  "n": [1, 2] }`)
		plain.UserMetadata = json.RawMessage(`{"note": "x"}`)
		draft := submission(w, models[1], "draft")
		draft.Finalized = medperftest.Ptr(false)
		b := w.MustSignedBenchmark(t)
		medperftest.MustApprove(t, w.BenchmarkOwner, w.DataOwner, b.ID, medperf.KindDataset, w.Dataset.ID)
		signed := medperftest.Sign(t, medperftest.MustIdentity(t, w.DataOwner), medperf.ResultInput{BenchmarkID: b.ID,
			ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: json.RawMessage(`{ "dice": 0.8 }`)})
		for name, in := range map[string]medperf.ResultInput{"unsigned": plain, "draft": draft, "signed": signed} {
			t.Run(name, func(t *testing.T) {
				got, created, err := w.DataOwner.SubmitResult(ctx, in)
				if err != nil || !created {
					t.Fatalf("created %v, %v", created, err)
				}
				read, err := w.DataOwner.GetResult(ctx, got.ID)
				if err != nil {
					t.Fatal(err)
				}
				a, _ := json.Marshal(got)
				r, _ := json.Marshal(read)
				if string(a) != string(r) {
					t.Fatalf("the submission answered\n%s\na read returns\n%s", a, r)
				}
			})
		}
	})
}
