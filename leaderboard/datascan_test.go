package leaderboard

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/medperf/medperf"
)

// TestDataScannerKeepsTheScannersPromise streams random data in every
// scope and checks what medperf.LeaderboardScanner promises: head once,
// before any row; every result once, by ascending dataset, model and ID;
// metrics bytes valid during the call only; the participants as names for
// ScopeAll, the rows' models and datasets by ID otherwise.
func TestDataScannerKeepsTheScannersPromise(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2026))
	scopes := []medperf.LeaderboardScope{medperf.ScopeAll, medperf.ScopeVisible, medperf.ScopePublished}
	for i := range 200 {
		d := randomData(rng, scopes[i%3], []string{declaredMetrics, freeForm}[i%2], i%4 == 1)
		heads := 0
		var rows []medperf.BoardRow
		var kept []byte
		names, err := dataScanner(d).ScanLeaderboard(context.Background(), d.Benchmark.ID, func(h medperf.LeaderboardHead) error {
			heads++
			if len(rows) > 0 || h.Scope != d.Scope || h.Benchmark.ID != d.Benchmark.ID {
				t.Fatalf("case %d: head %+v after %d rows", i, h, len(rows))
			}
			return nil
		}, func(r medperf.BoardRow) error {
			if heads != 1 {
				t.Fatalf("case %d: a row after %d heads", i, heads)
			}
			kept = r.Metrics // kept on purpose: the end checks they were overwritten
			r.Metrics = slices.Clone(r.Metrics)
			rows = append(rows, r)
			return nil
		})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if slices.ContainsFunc(kept, func(b byte) bool { return b != 0 }) {
			t.Fatalf("case %d: the last row's metrics bytes still hold %q after its call", i, kept)
		}
		checkRows(t, i, d, rows)
		checkNames(t, i, d, rows, names)
	}
}

func checkRows(t *testing.T, i int, d *medperf.LeaderboardData, rows []medperf.BoardRow) {
	t.Helper()
	if !slices.IsSortedFunc(rows, func(a, b medperf.BoardRow) int {
		return cmp.Or(cmp.Compare(a.Dataset, b.Dataset), cmp.Compare(a.Model, b.Model), cmp.Compare(a.ID, b.ID))
	}) {
		t.Fatalf("case %d: rows not by dataset, model and ID", i)
	}
	if len(rows) != len(d.Results) {
		t.Fatalf("case %d: %d rows for %d results", i, len(rows), len(d.Results))
	}
	byID := map[int64]medperf.BoardRow{}
	for _, r := range rows {
		byID[r.ID] = r
	}
	for _, want := range d.Results {
		r, ok := byID[want.ID]
		if !ok || r.Model != want.Model.ID || r.Dataset != want.Dataset.ID || string(r.Metrics) != string(want.Metrics) || r.Signed != want.Signed {
			t.Fatalf("case %d: result %+v streamed as %+v", i, want, r)
		}
	}
}

func checkNames(t *testing.T, i int, d *medperf.LeaderboardData, rows []medperf.BoardRow, names medperf.LeaderboardNames) {
	t.Helper()
	if d.Scope == medperf.ScopeAll {
		if !slices.Equal(names.Models, d.Models) || !slices.Equal(names.Datasets, d.Datasets) {
			t.Fatalf("case %d: names %+v, want the participants", i, names)
		}
		return
	}
	models, datasets := map[int64]bool{}, map[int64]bool{}
	for _, r := range rows {
		models[r.Model], datasets[r.Dataset] = true, true
	}
	for _, n := range []struct {
		got  []medperf.Named
		want map[int64]bool
	}{{names.Models, models}, {names.Datasets, datasets}} {
		if len(n.got) != len(n.want) || !slices.IsSortedFunc(n.got, func(a, b medperf.Named) int { return cmp.Compare(a.ID, b.ID) }) {
			t.Fatalf("case %d (%s): names %+v, want the %d of the rows by ID", i, d.Scope, n.got, len(n.want))
		}
		for _, e := range n.got {
			if !n.want[e.ID] || e.Name == "" {
				t.Fatalf("case %d: name %+v is not one of the rows'", i, e)
			}
		}
	}
}

// TestDataScannerStops: the data's error comes back before head; an error
// from head or row stops the scan and comes back as is.
func TestDataScannerStops(t *testing.T) {
	d := randomData(rand.New(rand.NewPCG(1, 2)), medperf.ScopeAll, declaredMetrics, false)
	if len(d.Results) < 2 {
		t.Fatal("the data has fewer than 2 results")
	}
	none := func(medperf.BoardRow) error { return nil }
	t.Run("the data's error", func(t *testing.T) {
		_, err := DataScanner{fixedData{err: medperf.Errorf(medperf.CodeUnauthorized, "sign in")}}.ScanLeaderboard(context.Background(), 7,
			func(medperf.LeaderboardHead) error { t.Fatal("head called after the data failed"); return nil }, none)
		if medperf.ErrorCode(err) != medperf.CodeUnauthorized {
			t.Fatalf("error %v, want unauthorized", err)
		}
	})
	stop := errors.New("stop")
	t.Run("head's error", func(t *testing.T) {
		_, err := dataScanner(d).ScanLeaderboard(context.Background(), 7, func(medperf.LeaderboardHead) error { return stop },
			func(medperf.BoardRow) error { t.Fatal("a row after head failed"); return nil })
		if err != stop {
			t.Fatalf("error %v, want head's", err)
		}
	})
	t.Run("row's error", func(t *testing.T) {
		n := 0
		_, err := dataScanner(d).ScanLeaderboard(context.Background(), 7, func(medperf.LeaderboardHead) error { return nil },
			func(medperf.BoardRow) error { n++; return stop })
		if err != stop || n != 1 {
			t.Fatalf("error %v after %d rows, want row's after 1", err, n)
		}
	})
}
