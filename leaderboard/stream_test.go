package leaderboard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/medperf/medperf"
)

// fixedData is a store whose leaderboard data is d, or which fails with
// err; DataScanner streams it.
type fixedData struct {
	d   *medperf.LeaderboardData
	err error
}

func (f fixedData) LeaderboardData(context.Context, int64) (*medperf.LeaderboardData, error) {
	return f.d, f.err
}

// dataScanner streams d as a store's ScanLeaderboard would.
func dataScanner(d *medperf.LeaderboardData) DataScanner {
	return DataScanner{fixedData{d: d}}
}

const (
	declaredMetrics = `{"metrics": [{"name": "hd95", "direction": "lower", "min": 0},
		{"name": "dice", "direction": "higher", "min": 0, "max": 1, "primary": true},
		{"name": "recall", "direction": "higher"}]}`
	freeForm = ``
)

// randomValue is a metric value: often one of a few numbers (so that ranks
// and worst values tie), sometimes null, a string or absent.
func randomValue(rng *rand.Rand) (string, bool) {
	switch rng.IntN(10) {
	case 0:
		return "", false
	case 1:
		return "null", true
	case 2:
		return `"high"`, true
	}
	return fmt.Sprint([]float64{0, 0.25, 0.5, 0.5, 0.75, 1}[rng.IntN(6)]), true
}

func randomMetrics(rng *rand.Rand, names []string) json.RawMessage {
	var b bytes.Buffer
	b.WriteString("{")
	sep := ""
	for _, n := range names {
		if v, ok := randomValue(rng); ok {
			fmt.Fprintf(&b, "%s%q: %s", sep, n, v)
			sep = ", "
		}
	}
	switch rng.IntN(4) { // the case count: absent, a count, or not a count
	case 1, 2:
		fmt.Fprintf(&b, `%s"n_cases": %d`, sep, rng.IntN(50))
	case 3:
		fmt.Fprintf(&b, `%s"n_cases": %v`, sep, []any{2.5, -3, `"ten"`}[rng.IntN(3)])
	}
	b.WriteString("}")
	return b.Bytes()
}

// randomData is a leaderboard's data: up to 6 models × 12 datasets, some
// pairs without results and some with several (the latest counts),
// participants without results in the full scope, and for free-form
// results (wide) up to 150 metric names, past MaxBoards.
func randomData(rng *rand.Rand, scope medperf.LeaderboardScope, decl string, wide bool) *medperf.LeaderboardData {
	d := &medperf.LeaderboardData{Benchmark: medperf.Benchmark{Common: medperf.Common{ID: 7}, Metrics: json.RawMessage(decl),
		LeaderboardMinSites: rng.IntN(4)}, Scope: scope, Results: []medperf.BoardResult{}, Models: []medperf.Named{}, Datasets: []medperf.Named{}}
	nm, nd := 1+rng.IntN(6), 1+rng.IntN(12)
	names := []string{"dice", "hd95", "recall"}
	if decl == freeForm {
		names = []string{"a", "b", "c", "dice"}
		if wide {
			names = nil
			for i := range 40 + rng.IntN(110) {
				names = append(names, fmt.Sprintf("k%03d", i))
			}
		}
	}
	ids := rng.Perm(1000)
	for m := range nm {
		for ds := range nd {
			for range []int{0, 1, 1, 1, 2, 3}[rng.IntN(6)] {
				picked := names
				if wide {
					picked = nil
					for range rng.IntN(20) {
						picked = append(picked, names[rng.IntN(len(names))])
					}
				}
				d.Results = append(d.Results, medperf.BoardResult{ID: int64(ids[0] + 1), Model: medperf.Named{ID: int64(100 + m), Name: fmt.Sprintf("model %d", m%3)},
					Dataset: medperf.Named{ID: int64(200 + ds), Name: fmt.Sprintf("site %d", ds)}, Metrics: randomMetrics(rng, picked), Signed: rng.IntN(2) == 0})
				ids = ids[1:]
			}
		}
	}
	slices.SortFunc(d.Results, func(a, b medperf.BoardResult) int { return int(a.ID - b.ID) })
	if scope == medperf.ScopeAll {
		for m := range nm + rng.IntN(2) {
			d.Models = append(d.Models, medperf.Named{ID: int64(100 + m), Name: fmt.Sprintf("model %d", m%3)})
		}
		for ds := range nd + rng.IntN(3) {
			d.Datasets = append(d.Datasets, medperf.Named{ID: int64(200 + ds), Name: fmt.Sprintf("site %d", ds)})
		}
	}
	return d
}

// TestFromScanEqualsFromData builds random leaderboards both ways, the
// streamed build (over DataScanner, which the test fakes of a Source use)
// against the build from every result, in every scope,
// declared and free-form, with and without a metric, and with cell bounds
// that keep the matrix or leave it out; the JSON must be the same, and so
// must the errors' codes and fields.
func TestFromScanEqualsFromData(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2026))
	scopes := []medperf.LeaderboardScope{medperf.ScopeAll, medperf.ScopeVisible, medperf.ScopePublished}
	metrics := []string{"", "", "dice", "hd95", "a", "k005", "k120", "n_cases", "nope"}
	omitted := 0
	for i := range 600 {
		decl := []string{declaredMetrics, freeForm}[i%2]
		d := randomData(rng, scopes[rng.IntN(3)], decl, i%4 == 1)
		opts := Options{Metric: metrics[rng.IntN(len(metrics))], MaxCells: []int{0, 1, 6, 30, 200}[rng.IntN(5)]}
		want, wantErr := FromDataWith(d, opts)
		got, gotErr := FromScan(context.Background(), dataScanner(d), d.Benchmark.ID, opts)
		if wantErr != nil || gotErr != nil {
			if medperf.ErrorCode(gotErr) != medperf.ErrorCode(wantErr) || fieldOf(gotErr) != fieldOf(wantErr) {
				t.Fatalf("case %d (%+v): error %v, want %v", i, opts, gotErr, wantErr)
			}
			continue
		}
		if want.MatrixOmitted != "" {
			omitted++
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if !bytes.Equal(wj, gj) {
			t.Fatalf("case %d (scope %s, %+v):\nstreamed %s\nwant     %s", i, d.Scope, opts, gj, wj)
		}
	}
	if omitted < 50 {
		t.Errorf("only %d of the random leaderboards left the matrix out: the summaries path is not exercised", omitted)
	}
}

func fieldOf(err error) string {
	if e, ok := err.(*medperf.Error); ok {
		return e.Field
	}
	return ""
}

func TestFromScanErrors(t *testing.T) {
	d := randomData(rand.New(rand.NewPCG(1, 2)), medperf.ScopeAll, declaredMetrics, false)
	t.Run("the store's error passes through", func(t *testing.T) {
		_, err := FromScan(context.Background(), DataScanner{fixedData{err: medperf.Errorf(medperf.CodeNotFound, "no benchmark 7")}}, 7, Options{})
		if medperf.ErrorCode(err) != medperf.CodeNotFound {
			t.Fatalf("error %v, want not_found", err)
		}
	})
	t.Run("an unknown metric is invalid on metric, before any row is read", func(t *testing.T) {
		_, err := FromScan(context.Background(), dataScanner(d), 7, Options{Metric: "nope"})
		if medperf.ErrorCode(err) != medperf.CodeInvalid || fieldOf(err) != "metric" {
			t.Fatalf("error %v, want invalid on metric", err)
		}
	})
	t.Run("a declaration that does not parse is invalid", func(t *testing.T) {
		bad := *d
		bad.Benchmark.Metrics = json.RawMessage(`{"metrics": 1}`)
		_, err := FromScan(context.Background(), dataScanner(&bad), 7, Options{})
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("error %v, want invalid", err)
		}
	})
}

// TestFromScanBoundsTheMatrix: past the cell bound the streamed leaderboard
// says why the matrix is missing and still gives every model's summary.
func TestFromScanBoundsTheMatrix(t *testing.T) {
	d := randomData(rand.New(rand.NewPCG(3, 4)), medperf.ScopeAll, declaredMetrics, false)
	lb, err := FromScan(context.Background(), dataScanner(d), 7, Options{MaxCells: 1})
	if err != nil {
		t.Fatal(err)
	}
	if lb.MatrixOmitted == "" || len(lb.Datasets) != 0 {
		t.Fatalf("matrix_omitted %q with %d datasets, want the marker and no datasets", lb.MatrixOmitted, len(lb.Datasets))
	}
	for _, b := range lb.Boards {
		if len(b.Cells) != 0 || len(b.Rows) != len(lb.Models) || len(lb.Models) != len(d.Models) {
			t.Fatalf("board %s: %d cell rows, %d summary rows for %d models (%d participants)", b.Metric, len(b.Cells), len(b.Rows), len(lb.Models), len(d.Models))
		}
	}
}

// generated is a scanner of models × datasets results made on the fly, so
// that a test can stream many results without holding them.
type generated struct{ models, datasets int }

func (g generated) ScanLeaderboard(_ context.Context, _ int64, head func(medperf.LeaderboardHead) error, row func(medperf.BoardRow) error) (medperf.LeaderboardNames, error) {
	var names medperf.LeaderboardNames
	if err := head(medperf.LeaderboardHead{Benchmark: medperf.Benchmark{Common: medperf.Common{ID: 1}, Metrics: json.RawMessage(declaredMetrics)},
		Scope: medperf.ScopeAll}); err != nil {
		return names, err
	}
	var buf []byte
	for d := range g.datasets {
		for m := range g.models {
			buf = fmt.Appendf(buf[:0], `{"dice": %g, "hd95": %d, "n_cases": %d}`, float64((d*7+m)%100)/100, (d+m)%13, 1+d%5)
			if err := row(medperf.BoardRow{ID: int64(d*g.models + m + 1), Model: int64(m + 1), Dataset: int64(d + 1), Metrics: buf}); err != nil {
				return names, err
			}
		}
	}
	for m := range g.models {
		names.Models = append(names.Models, medperf.Named{ID: int64(m + 1), Name: fmt.Sprint("model ", m)})
	}
	for d := range g.datasets {
		names.Datasets = append(names.Datasets, medperf.Named{ID: int64(d + 1), Name: fmt.Sprint("site ", d)})
	}
	return names, nil
}

// TestStreamHoldsAColumnNotTheResults streams 100 models × 2,000 datasets
// (200,000 results, past the cell bound) and checks what the build holds
// as it goes: no kept results, one column of at most 100 entries, at most
// one sum per model and board; and that the live heap after 200,000
// results is within 2 MB of the heap after 20,000 (holding the results
// would take tens of MB). No timings.
func TestStreamHoldsAColumnNotTheResults(t *testing.T) {
	const models, datasets = 100, 2000
	g := generated{models: models, datasets: datasets}
	var s *stream
	var heapAt20k, heapAt200k uint64
	n := 0
	_, err := g.ScanLeaderboard(context.Background(), 1, func(h medperf.LeaderboardHead) error {
		var err error
		s, err = newStream(h, Options{})
		return err
	}, func(r medperf.BoardRow) error {
		s.add(r)
		n++
		if len(s.column) > models {
			t.Fatalf("after %d rows the column holds %d entries", n, len(s.column))
		}
		switch n {
		case 20_000:
			heapAt20k = liveHeap()
		case models * datasets:
			heapAt200k = liveHeap()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.keeping || s.kept != nil {
		t.Fatalf("the build kept %d results past the cell bound", len(s.kept))
	}
	for name, b := range s.boards {
		if len(b.models) > models {
			t.Fatalf("board %s holds %d sums for %d models", name, len(b.models), models)
		}
	}
	if grown := int64(heapAt200k) - int64(heapAt20k); grown > 2<<20 {
		t.Fatalf("the live heap grew by %d bytes between 20,000 and 200,000 results", grown)
	}
	lb, err := s.finish(medperf.LeaderboardNames{})
	if err != nil || lb.MatrixOmitted == "" || len(lb.Boards) != 3 || lb.Boards[0].Rows[0].Sites != datasets {
		t.Fatalf("leaderboard %+v, %v", lb, err)
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// countingStore is a store whose scans are counted and held until release
// closes; its version never changes.
type countingStore struct {
	DataScanner
	mu      sync.Mutex
	scans   int
	release chan struct{}
}

func (c *countingStore) ScanLeaderboard(ctx context.Context, id int64, head func(medperf.LeaderboardHead) error, row func(medperf.BoardRow) error) (medperf.LeaderboardNames, error) {
	c.mu.Lock()
	c.scans++
	c.mu.Unlock()
	<-c.release
	return c.DataScanner.ScanLeaderboard(ctx, id, head, row)
}

func (c *countingStore) LeaderboardStamp(context.Context, int64) (medperf.LeaderboardStamp, error) {
	return medperf.LeaderboardStamp{Scope: medperf.ScopeAll, Version: 1}, nil
}

// TestConcurrentMissesBuildOnce: requests that miss the cache together
// wait for one build instead of each scanning every result.
func TestConcurrentMissesBuildOnce(t *testing.T) {
	d := randomData(rand.New(rand.NewPCG(5, 6)), medperf.ScopeAll, declaredMetrics, false)
	store := &countingStore{DataScanner: dataScanner(d), release: make(chan struct{})}
	s, err := NewService(store, fakeRegistry{})
	if err != nil {
		t.Fatal(err)
	}
	const requests = 8
	var wg sync.WaitGroup
	boards := make([]*Leaderboard, requests)
	errs := make([]error, requests)
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			boards[i], errs[i] = s.Leaderboard(medperf.WithCaller(context.Background(), &medperf.User{ID: 1, IsAdmin: true}), 7, "")
		}()
	}
	key := cacheKey{benchmark: 7, version: 1, scope: medperf.ScopeAll}
	for waiting := 0; waiting < requests; {
		runtime.Gosched()
		s.flights.mu.Lock()
		if f := s.flights.keys[key]; f != nil {
			waiting = f.waiting
		}
		s.flights.mu.Unlock()
	}
	close(store.release)
	wg.Wait()
	for i := range requests {
		if errs[i] != nil || boards[i] == nil || boards[i].Benchmark != 7 {
			t.Fatalf("request %d: %+v, %v", i, boards[i], errs[i])
		}
	}
	if store.scans != 1 {
		t.Fatalf("%d scans for %d concurrent requests, want 1", store.scans, requests)
	}
}

// fakeRegistry stands for the registry, which Leaderboard does not use.
type fakeRegistry struct{ medperf.Service }

// BenchmarkFromScan streams 100 models × 2,000 datasets (200,000 results,
// past the cell bound) through a build, without a database: the builder's
// own cost per result.
//
//	go test ./leaderboard -run '^$' -bench FromScan -benchmem
func BenchmarkFromScan(b *testing.B) {
	g := generated{models: 100, datasets: 2000}
	for b.Loop() {
		if _, err := FromScan(context.Background(), g, 1, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/200_000, "ns/result")
}
