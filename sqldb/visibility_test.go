package sqldb_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// visibilityWorld is a World with results that cover every case
// medperf.CanSeeResult and the store could tell apart: two datasets of two
// owners, the reference model (owned by the benchmark's owner) and another
// owner's model, drafts and finalized results, a valid and an invalid one,
// results submitted by the dataset's owner and by an admin.
type visibilityWorld struct {
	*medperftest.World
	// users are every signed-in role, by name.
	users map[string]medperftest.User
	// results are the results created, each with who may see it by the
	// root rule.
	results []*medperf.Result
	viewers map[int64]medperf.ResultViewers
}

func newVisibilityWorld(t *testing.T, db *sqldb.DB, w *medperftest.World) *visibilityWorld {
	t.Helper()
	v := &visibilityWorld{World: w, viewers: map[int64]medperf.ResultViewers{}}
	otherOwner := w.NewUser(t, "other-data-owner")
	other := medperftest.MustDataset(t, otherOwner, medperftest.DatasetInput("other-data", w.Preparator.ID, medperf.StateOperation))
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	w.MustAssociate(t, medperf.KindDataset, otherOwner, other.ID)
	w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
	v.users = map[string]medperftest.User{
		"admin": w.Admin, "benchmark owner": w.BenchmarkOwner, "model owner": w.ModelOwner,
		"data owner": w.DataOwner, "other data owner": otherOwner, "stranger": w.Stranger,
	}
	submit := func(by medperftest.User, model, dataset int64, final bool) *medperf.Result {
		t.Helper()
		r, _, err := by.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: model, DatasetID: dataset,
			Metrics: medperftest.Metrics(0.5), Finalized: medperftest.Ptr(final)})
		if err != nil {
			t.Fatalf("submitting model %d on dataset %d as %s: %v", model, dataset, by.Email, err)
		}
		return r
	}
	v.results = []*medperf.Result{
		submit(w.DataOwner, w.ReferenceModel.ID, w.Dataset.ID, true), // the reference model, finalized
		submit(w.DataOwner, w.Model.ID, w.Dataset.ID, false),         // another owner's model, a draft
		submit(w.Admin, w.ReferenceModel.ID, other.ID, false),        // submitted by an admin, a draft
		submit(otherOwner, w.Model.ID, other.ID, true),               // finalized, then made invalid
	}
	v.results[3] = medperftest.Must[*medperf.Result](t)(w.Admin.UpdateResult(ctx, v.results[3].ID, medperf.ResultPatch{IsValid: medperftest.Ptr(false)}))
	for _, r := range v.results {
		b := medperftest.Must[*medperf.Benchmark](t)(w.Admin.GetBenchmark(ctx, r.BenchmarkID))
		m := medperftest.Must[*medperf.Container](t)(w.Admin.GetContainer(ctx, r.ModelID))
		ds := medperftest.Must[*medperf.Dataset](t)(w.Admin.GetDataset(ctx, r.DatasetID))
		v.viewers[r.ID] = medperf.ResultViewers{BenchmarkOwner: b.Owner, ModelOwner: m.Owner, DatasetOwner: ds.Owner}
	}
	return v
}

// TestResultVisibilityConformsToCanSeeResult holds the store's SQL
// (sqldb's visibleTo) to the root rule medperf.CanSeeResult: for every role
// and every kind of result, GetResult and ListResults (unfiltered and
// under each filter) show a result exactly when CanSeeResult says the
// caller may see it.
func TestResultVisibilityConformsToCanSeeResult(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		v := newVisibilityWorld(t, db, w)
		t.Run("the matrix holds both answers", func(t *testing.T) {
			// Each non-admin role that owns something sees some results and
			// not others, so a store that shows all or nothing fails.
			for _, name := range []string{"model owner", "data owner", "other data owner"} {
				seen, u := 0, v.users[name]
				for _, r := range v.results {
					if medperf.CanSeeResult(&u.User, v.viewers[r.ID]) {
						seen++
					}
				}
				if seen == 0 || seen == len(v.results) {
					t.Errorf("the %s may see %d of %d results: the matrix tells nothing", name, seen, len(v.results))
				}
			}
		})
		for name, u := range v.users {
			t.Run(name, func(t *testing.T) {
				v.check(t, u)
			})
		}
		t.Run("no caller sees nothing", func(t *testing.T) {
			if medperf.CanSeeResult(nil, v.viewers[v.results[0].ID]) {
				t.Fatal("the root rule lets no caller see a result")
			}
			_, err := db.GetResult(ctx, v.results[0].ID)
			wantCode(t, err, medperf.CodeUnauthorized)
			_, err = db.ListResults(ctx, medperf.ResultFilter{})
			wantCode(t, err, medperf.CodeUnauthorized)
		})
	})
}

// check compares, for u, the store's answers with the root rule.
func (v *visibilityWorld) check(t *testing.T, u medperftest.User) {
	t.Helper()
	for _, r := range v.results {
		want := medperf.CanSeeResult(&u.User, v.viewers[r.ID])
		got, err := u.GetResult(ctx, r.ID)
		switch {
		case want && err != nil:
			t.Errorf("GetResult(%d): %v, but CanSeeResult lets %s see it", r.ID, err, u.Email)
		case want && got.ID != r.ID:
			t.Errorf("GetResult(%d) returned result %d", r.ID, got.ID)
		case !want && medperf.ErrorCode(err) != medperf.CodeNotFound:
			t.Errorf("GetResult(%d) = %v, %v; CanSeeResult hides it from %s, so want CodeNotFound", r.ID, got, err, u.Email)
		}
	}
	for _, f := range v.filters(u) {
		listed, err := medperf.AllPages(func(p medperf.Page) (*medperf.List[medperf.Result], error) {
			f.Page = p
			return u.ListResults(ctx, f)
		})
		if err != nil {
			t.Fatalf("ListResults(%+v): %v", f, err)
		}
		var ids []int64
		for _, r := range listed {
			ids = append(ids, r.ID)
		}
		for _, r := range v.results {
			want := matches(f, r) && medperf.CanSeeResult(&u.User, v.viewers[r.ID])
			if got := slices.Contains(ids, r.ID); got != want {
				t.Errorf("ListResults(%+v) lists result %d: %v; CanSeeResult and the filter say %v", f, r.ID, got, want)
			}
		}
		if len(ids) > len(v.results) {
			t.Errorf("ListResults(%+v) lists %d results, more than the %d there are", f, len(ids), len(v.results))
		}
	}
}

// filters are the lists checked: unfiltered, then by each result's
// benchmark, model, dataset and submitter, and by u as the submitter.
func (v *visibilityWorld) filters(u medperftest.User) []medperf.ResultFilter {
	out := []medperf.ResultFilter{{}, {Owner: u.ID}}
	for _, r := range v.results {
		out = append(out, medperf.ResultFilter{BenchmarkID: r.BenchmarkID}, medperf.ResultFilter{ModelID: r.ModelID},
			medperf.ResultFilter{DatasetID: r.DatasetID}, medperf.ResultFilter{Owner: r.Owner})
	}
	return slices.CompactFunc(out, func(a, b medperf.ResultFilter) bool { return fmt.Sprint(a) == fmt.Sprint(b) })
}

func matches(f medperf.ResultFilter, r *medperf.Result) bool {
	return (f.BenchmarkID == 0 || f.BenchmarkID == r.BenchmarkID) && (f.ModelID == 0 || f.ModelID == r.ModelID) &&
		(f.DatasetID == 0 || f.DatasetID == r.DatasetID) && (f.Owner == 0 || f.Owner == r.Owner)
}
