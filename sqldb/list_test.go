package sqldb_test

import (
	"fmt"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// walk pages through a list with cursors and returns the ids in order.
func walk(t *testing.T, limit int, list func(medperf.Page) ([]int64, string, int, error)) []int64 {
	t.Helper()
	var ids []int64
	p := medperf.Page{Limit: limit, Keyset: true}
	for range 1000 {
		page, next, total, err := list(p)
		if err != nil {
			t.Fatalf("page %+v: %v", p, err)
		}
		if total != -1 {
			t.Fatalf("a keyset page counted (total %d) without being asked", total)
		}
		ids = append(ids, page...)
		if next == "" {
			if len(page) == limit {
				t.Fatal("a full page has no next cursor")
			}
			return ids
		}
		p = medperf.Page{Limit: limit, Cursor: next}
	}
	t.Fatal("cursor pages never end")
	return nil
}

func idsOf[T any](l *medperf.List[T], id func(T) int64) ([]int64, string, int) {
	var ids []int64
	for _, x := range l.Items {
		ids = append(ids, id(x))
	}
	return ids, l.Next, l.Total
}

func TestKeysetPagesCoverEveryListOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		var want []int64
		for i := range 7 {
			m := medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput("paged", medperf.StateOperation, medperf.TaskInfer))
			w.MustAssociate(t, medperf.KindModel, w.ModelOwner, m.ID)
			r, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: m.ID,
				DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(float64(i) / 10)})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, r.ID)
		}
		results := func(p medperf.Page) ([]int64, string, int, error) {
			l, err := w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID, Page: p})
			if err != nil {
				return nil, "", 0, err
			}
			ids, next, total := idsOf(l, func(r medperf.Result) int64 { return r.ID })
			return ids, next, total, nil
		}
		for _, limit := range []int{1, 3, 7, 100} {
			if got := walk(t, limit, results); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("limit %d: cursor pages give %v, want %v", limit, got, want)
			}
		}
		t.Run("offset pages still count and give a next cursor", func(t *testing.T) {
			l, err := w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Limit: 3, Offset: 3}})
			if err != nil || l.Total != 7 || len(l.Items) != 3 || l.Items[0].ID != want[3] || l.Next != medperf.EncodeCursor(want[5]) {
				t.Fatalf("%+v, %v", l, err)
			}
		})
		t.Run("a keyset page counts when asked", func(t *testing.T) {
			l, err := w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Limit: 2, Keyset: true, Total: true}})
			if err != nil || l.Total != 7 {
				t.Fatalf("%+v, %v; want total 7", l, err)
			}
		})
		t.Run("a stranger's cursor pages see nothing", func(t *testing.T) {
			l, err := w.Stranger.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Cursor: medperf.EncodeCursor(0)}})
			if err != nil || len(l.Items) != 0 {
				t.Fatalf("%+v, %v; want nothing", l, err)
			}
		})
		t.Run("a bad cursor is invalid", func(t *testing.T) {
			_, err := w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{Page: medperf.Page{Cursor: "bogus"}})
			wantCode(t, err, medperf.CodeInvalid)
		})
		t.Run("every list pages by cursor", func(t *testing.T) {
			first := medperf.Page{Limit: 1, Keyset: true}
			for name, list := range map[string]func() (string, error){
				"users": func() (string, error) { l, err := w.Admin.ListUsers(ctx, first); return next(l, err) },
				"containers": func() (string, error) {
					l, err := w.Admin.ListContainers(ctx, medperf.ContainerFilter{Page: first})
					return next(l, err)
				},
				"benchmarks": func() (string, error) {
					l, err := w.Admin.ListBenchmarks(ctx, medperf.BenchmarkFilter{Page: first})
					return next(l, err)
				},
				"datasets": func() (string, error) {
					l, err := w.Admin.ListDatasets(ctx, medperf.DatasetFilter{Page: first})
					return next(l, err)
				},
				"associations": func() (string, error) {
					l, err := w.Admin.ListAssociations(ctx, medperf.AssociationFilter{BenchmarkID: w.Benchmark.ID, Page: first})
					return next(l, err)
				},
				"audit": func() (string, error) {
					l, err := w.Admin.ListAudit(ctx, medperf.AuditFilter{Page: first})
					return next(l, err)
				},
			} {
				c, err := list()
				if err != nil || c == "" {
					t.Errorf("%s: next %q, %v; want a cursor", name, c, err)
				}
			}
		})
	})
}

func next[T any](l *medperf.List[T], err error) (string, error) {
	if err != nil {
		return "", err
	}
	return l.Next, nil
}
