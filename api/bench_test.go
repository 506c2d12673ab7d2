package api_test

import (
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

func benchDatasets(b *testing.B, w *medperftest.World, n int) []*medperf.Dataset {
	out := make([]*medperf.Dataset, n)
	for i := range out {
		out[i] = medperftest.MustDataset(b, w.DataOwner, medperftest.DatasetInput("bench", w.Preparator.ID, medperf.StateOperation))
		w.MustAssociate(b, medperf.KindDataset, w.DataOwner, out[i].ID) // results need an approved dataset
	}
	return out
}

// BenchmarkHTTPListResults lists 1,000 results of a benchmark through the
// client, the HTTP API and the store (SQLite), as the benchmark's owner.
func BenchmarkHTTPListResults(b *testing.B) {
	ts := medperftest.NewServer(b)
	w := ts.World(b)
	for _, d := range benchDatasets(b, w, 1000) {
		if _, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
			ModelID: w.ReferenceModel.ID, DatasetID: d.ID, Metrics: medperftest.Metrics(0.5)}); err != nil {
			b.Fatal(err)
		}
	}
	c := ts.Client(b, w.BenchmarkOwner.Token)
	b.ResetTimer()
	for b.Loop() {
		l, err := c.BenchmarkResults(ctx, w.Benchmark.ID, medperf.ResultFilter{Page: medperf.Page{Limit: 1000}})
		if err != nil || len(l.Items) != 1000 {
			b.Fatalf("%v", err)
		}
	}
}

// BenchmarkHTTPSubmitResult submits one result per iteration through the
// client and the HTTP API (SQLite).
func BenchmarkHTTPSubmitResult(b *testing.B) {
	ts := medperftest.NewServer(b)
	w := ts.World(b)
	ds := benchDatasets(b, w, b.N)
	b.ResetTimer()
	for i := range b.N {
		if _, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
			ModelID: w.ReferenceModel.ID, DatasetID: ds[i].ID, Metrics: medperftest.Metrics(0.5), IdempotencyKey: ds[i].Name}); err != nil {
			b.Fatal(err)
		}
	}
}
