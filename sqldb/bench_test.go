package sqldb_test

import (
	"sync/atomic"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// datasets registers n OPERATION datasets of the world's data owner.
func datasets(b *testing.B, w *medperftest.World, n int) []*medperf.Dataset {
	out := make([]*medperf.Dataset, n)
	for i := range out {
		out[i] = medperftest.MustDataset(b, w.DataOwner, medperftest.DatasetInput("bench", w.Preparator.ID, medperf.StateOperation))
		w.MustAssociate(b, medperf.KindDataset, w.DataOwner, out[i].ID) // results need an approved dataset
	}
	return out
}

// BenchmarkListResults lists 1,000 results of a benchmark in one page, as
// its owner, on SQLite.
func BenchmarkListResults(b *testing.B) {
	db := MustOpen(b, "sqlite")
	w := newWorld(b, db)
	for _, d := range datasets(b, w, 1000) {
		medperftest.Must[*medperf.Result](b)(func() (*medperf.Result, error) {
			r, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
				ModelID: w.ReferenceModel.ID, DatasetID: d.ID, Metrics: medperftest.Metrics(0.5)})
			return r, err
		}())
	}
	b.ResetTimer()
	for b.Loop() {
		l, err := w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Limit: 1000}})
		if err != nil || len(l.Items) != 1000 {
			b.Fatalf("%v, %d items", err, len(l.Items))
		}
	}
}

// BenchmarkSubmitResult submits one finalized result (with an idempotency
// key) per iteration, each for a new dataset, on SQLite.
func BenchmarkSubmitResult(b *testing.B) {
	db := MustOpen(b, "sqlite")
	w := newWorld(b, db)
	ds := datasets(b, w, b.N)
	b.ResetTimer()
	for i := range b.N {
		_, created, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
			ModelID: w.ReferenceModel.ID, DatasetID: ds[i].ID, Metrics: medperftest.Metrics(0.5), IdempotencyKey: ds[i].Name})
		if err != nil || !created {
			b.Fatal(err)
		}
	}
}

// BenchmarkSubmitResultParallel submits finalized results from 8 ×
// GOMAXPROCS goroutines at once, as the load harness's clients do, each for
// a new dataset, on SQLite: its time per submission is the store's
// throughput under concurrent submissions (which group commit batches),
// without HTTP.
func BenchmarkSubmitResultParallel(b *testing.B) {
	db := MustOpen(b, "sqlite")
	w := newWorld(b, db)
	ds := datasets(b, w, b.N)
	var next atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d := ds[next.Add(1)-1]
			_, created, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
				ModelID: w.ReferenceModel.ID, DatasetID: d.ID, Metrics: medperftest.Metrics(0.5), IdempotencyKey: d.Name})
			if err != nil || !created {
				b.Error(err)
				return
			}
		}
	})
}
