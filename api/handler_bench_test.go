package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/medperftest"
)

// discard is a ResponseWriter that keeps nothing, so that a benchmark
// counts the handler's allocations, not the recorder's.
type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(s int)           { d.status = s }

// BenchmarkResultsPageHandler is the server's side of GET /results and GET
// /me alone: the API handler over the store (SQLite), called directly, no
// HTTP client or connection. With -benchmem it counts what one request
// allocates on the server. Pages are 100 of a benchmark's 300 results, read
// as its owner.
func BenchmarkResultsPageHandler(b *testing.B) {
	ts := medperftest.NewServer(b)
	w := ts.World(b)
	for _, d := range benchDatasets(b, w, 300) {
		if _, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
			ModelID: w.ReferenceModel.ID, DatasetID: d.ID, Metrics: medperftest.Metrics(0.5)}); err != nil {
			b.Fatal(err)
		}
	}
	store := ts.Store()
	boards, err := leaderboard.NewService(store.(leaderboard.Source), store)
	if err != nil {
		b.Fatal(err)
	}
	h, err := api.New(api.Config{Service: store, Leaderboards: boards})
	if err != nil {
		b.Fatal(err)
	}
	base := fmt.Sprintf("%s/results?benchmark=%d&limit=100", api.Prefix, w.Benchmark.ID)
	for name, path := range map[string]string{
		"offset": base + "&offset=100", "cursor": base + "&cursor=", "me": api.Prefix + "/me",
	} {
		b.Run(name, func(b *testing.B) {
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("Authorization", "Bearer "+w.BenchmarkOwner.Token)
			for b.Loop() {
				d := &discard{h: http.Header{}}
				h.ServeHTTP(d, r)
				if d.status != http.StatusOK {
					b.Fatalf("%s: status %d", path, d.status)
				}
			}
		})
	}
}
