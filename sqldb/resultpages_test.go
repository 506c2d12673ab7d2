package sqldb_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// resultIDs returns the IDs of a page's results.
func resultIDs(l *medperf.List[medperf.Result]) []int64 {
	var ids []int64
	for _, r := range l.Items {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestResultPageStamps checks, on both databases, the contract of
// medperf.List.Stamp on results pages: only callers who see every result of
// the benchmark (its owner, an admin) get one, they share it, a cached page
// never reaches anyone else, and every change of the benchmark's results or
// associations names the page anew.
func TestResultPageStamps(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
		for _, m := range []int64{w.ReferenceModel.ID, w.Model.ID} {
			medperftest.Must[*medperf.Result](t)(firstResult(w.DataOwner.SubmitResult(ctx, submission(w, m, ""))))
		}
		all := medperf.ResultFilter{BenchmarkID: w.Benchmark.ID}
		page := func(t *testing.T, u medperftest.User, f medperf.ResultFilter) *medperf.List[medperf.Result] {
			t.Helper()
			return medperftest.Must[*medperf.List[medperf.Result]](t)(u.ListResults(ctx, f))
		}
		owner := page(t, w.BenchmarkOwner, all)
		t.Run("the owner and an admin share one stamp for one page", func(t *testing.T) {
			if owner.Stamp == "" || len(owner.Items) != 2 {
				t.Fatalf("owner's page: stamp %q, %d results; want a stamp and 2 results", owner.Stamp, len(owner.Items))
			}
			again := page(t, w.BenchmarkOwner, all) // from the cache now
			admin := page(t, w.Admin, all)
			if again.Stamp != owner.Stamp || admin.Stamp != owner.Stamp {
				t.Errorf("stamps %q (again), %q (admin), want %q", again.Stamp, admin.Stamp, owner.Stamp)
			}
			if !slices.Equal(resultIDs(admin), resultIDs(owner)) || !slices.Equal(resultIDs(again), resultIDs(owner)) {
				t.Errorf("one stamp, different pages: %v, %v, %v", resultIDs(owner), resultIDs(again), resultIDs(admin))
			}
		})
		t.Run("callers who see part of the benchmark get no stamp and never the cached page", func(t *testing.T) {
			for _, c := range []struct {
				name string
				u    medperftest.User
				want int
			}{{"model owner", w.ModelOwner, 1}, {"data owner", w.DataOwner, 2}, {"stranger", w.Stranger, 0}} {
				l := page(t, c.u, all)
				if l.Stamp != "" {
					t.Errorf("%s got stamp %q", c.name, l.Stamp)
				}
				if len(l.Items) != c.want || l.Total != c.want {
					t.Errorf("%s sees %d results (total %d), want %d: the owner's cached page leaked", c.name, len(l.Items), l.Total, c.want)
				}
				for _, r := range l.Items {
					if c.u.ID == w.ModelOwner.ID && r.ModelID != w.Model.ID {
						t.Errorf("model owner sees result %d of model %d", r.ID, r.ModelID)
					}
				}
			}
		})
		t.Run("the default limit and limit 100 are one page", func(t *testing.T) {
			l := page(t, w.BenchmarkOwner, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Limit: medperf.DefaultPageSize}})
			if l.Stamp != owner.Stamp {
				t.Errorf("limit %d: stamp %q, want %q", medperf.DefaultPageSize, l.Stamp, owner.Stamp)
			}
		})
		t.Run("every other window or filter is another stamp", func(t *testing.T) {
			first := page(t, w.BenchmarkOwner, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Limit: 1, Keyset: true}})
			seen := map[string]string{owner.Stamp: "the whole list"}
			for name, f := range map[string]medperf.ResultFilter{
				"limit 1":       {BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Limit: 1}},
				"offset 1":      {BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Offset: 1}},
				"keyset":        {BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Keyset: true}},
				"keyset, total": {BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Keyset: true, Total: true}},
				"a cursor":      {BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Limit: 1, Cursor: first.Next}},
				"one model":     {BenchmarkID: w.Benchmark.ID, ModelID: w.Model.ID},
				"one dataset":   {BenchmarkID: w.Benchmark.ID, DatasetID: w.Dataset.ID},
				"one submitter": {BenchmarkID: w.Benchmark.ID, Owner: w.DataOwner.ID},
			} {
				l := page(t, w.BenchmarkOwner, f)
				if l.Stamp == "" {
					t.Errorf("%s: no stamp", name)
				} else if other, dup := seen[l.Stamp]; dup {
					t.Errorf("%s and %s share the stamp %q", name, other, l.Stamp)
				}
				seen[l.Stamp] = name
			}
			if first.Next == "" {
				t.Fatal("a full page of 1 of 2 results has no next cursor")
			}
		})
		t.Run("lists across benchmarks and unknown benchmarks have no stamp", func(t *testing.T) {
			if l := page(t, w.Admin, medperf.ResultFilter{}); l.Stamp != "" {
				t.Errorf("admin's list of every result: stamp %q", l.Stamp)
			}
			if l := page(t, w.Admin, medperf.ResultFilter{BenchmarkID: 1 << 40}); l.Stamp != "" || len(l.Items) != 0 {
				t.Errorf("unknown benchmark: stamp %q, %d results", l.Stamp, len(l.Items))
			}
		})
		t.Run("a bad window is refused before anything is cached", func(t *testing.T) {
			for _, p := range []medperf.Page{{Limit: -1}, {Limit: medperf.MaxPageSize + 1}, {Offset: -1}, {Cursor: "not a cursor"}, {Cursor: medperf.EncodeCursor(1), Offset: 3}} {
				_, err := w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID, Page: p})
				wantCode(t, err, medperf.CodeInvalid)
			}
		})
		t.Run("a change of a result names the page anew", func(t *testing.T) {
			r := owner.Items[0]
			medperftest.Must[*medperf.Result](t)(w.DataOwner.UpdateResult(ctx, r.ID, medperf.ResultPatch{IsValid: medperftest.Ptr(false)}))
			l := page(t, w.BenchmarkOwner, all)
			if l.Stamp == owner.Stamp || l.Items[0].IsValid {
				t.Errorf("after invalidating result %d: stamp %q (was %q), is_valid %v", r.ID, l.Stamp, owner.Stamp, l.Items[0].IsValid)
			}
		})
		t.Run("a new result, an approval and a revocation each name the page anew", func(t *testing.T) {
			ds := medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("second", w.Preparator.ID, medperf.StateOperation))
			before := page(t, w.BenchmarkOwner, all).Stamp
			w.MustAssociate(t, medperf.KindDataset, w.DataOwner, ds.ID)
			approved := page(t, w.BenchmarkOwner, all)
			in := submission(w, w.ReferenceModel.ID, "")
			in.DatasetID = ds.ID
			medperftest.Must[*medperf.Result](t)(firstResult(w.DataOwner.SubmitResult(ctx, in)))
			submitted := page(t, w.BenchmarkOwner, all)
			medperftest.Must[*medperf.Association](t)(w.DataOwner.DecideAssociation(ctx, w.Benchmark.ID, medperf.KindDataset, ds.ID,
				medperf.AssociationDecision{ApprovalStatus: medperftest.Ptr(medperf.StatusRejected)}))
			revoked := page(t, w.BenchmarkOwner, all)
			stamps := []string{before, approved.Stamp, submitted.Stamp, revoked.Stamp}
			slices.Sort(stamps)
			if len(slices.Compact(stamps)) != 4 {
				t.Errorf("stamps before, after the approval, the submission and the revocation are not all different: %q", []string{before, approved.Stamp, submitted.Stamp, revoked.Stamp})
			}
			if len(submitted.Items) != 3 {
				t.Errorf("after a third result the owner's page has %d results", len(submitted.Items))
			}
		})
	})
}

// TestResultPageStampsAgreeAcrossReplicas opens two stores on one database,
// as two replicas behind a load balancer: they name one page alike (so an
// ETag made from one is good on the other), and a change through one
// renames it on the other.
func TestResultPageStampsAgreeAcrossReplicas(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "registry.db")
			if dialect == "postgres" {
				dsn = medperftest.Require(t, medperftest.Postgres)
			}
			open := func() *sqldb.DB {
				db, err := sqldb.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			one, two := open(), open()
			now := time.Now()
			sqldb.SetViewClock(two, func() time.Time { return now })
			w := newWorld(t, one)
			w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
			owner := medperf.WithCaller(ctx, &w.BenchmarkOwner.User)
			stamp := func(t *testing.T, db *sqldb.DB) string {
				t.Helper()
				return medperftest.Must[*medperf.List[medperf.Result]](t)(db.ListResults(owner, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID})).Stamp
			}
			a, b := stamp(t, one), stamp(t, two)
			if a == "" || a != b {
				t.Fatalf("replicas name one page %q and %q", a, b)
			}
			medperftest.Must[*medperf.Result](t)(firstResult(w.DataOwner.SubmitResult(ctx, submission(w, w.ReferenceModel.ID, ""))))
			// Replica one committed the submission: it names the page anew
			// at once. Replica two may answer from the view it read less
			// than ViewTTL ago, and no later.
			c := stamp(t, one)
			if c == a {
				t.Errorf("replica one still names the page %q after its own submission", c)
			}
			if got := stamp(t, two); got != b {
				t.Errorf("replica two read the benchmark again within %v of its last read: %q, want the cached %q", sqldb.ViewTTL, got, b)
			}
			now = now.Add(sqldb.ViewTTL)
			if got := stamp(t, two); got != c {
				t.Errorf("replica two names the page %q %v after a submission through replica one, want %q", got, sqldb.ViewTTL, c)
			}
		})
	}
}
