package api_test

import (
	"fmt"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/medperftest"
)

// MustBoard gives the world's benchmark models × sites results: the
// reference model and models-1 approved models, each scored on sites
// approved datasets, with dice and a case count.
func MustBoard(b testing.TB, w *medperftest.World, models, sites int) {
	ids := []int64{w.ReferenceModel.ID}
	for range models - 1 {
		m := medperftest.MustContainer(b, w.ModelOwner, medperftest.ContainerInput("bench-model", medperf.StateOperation, medperf.TaskInfer))
		w.MustAssociate(b, medperf.KindModel, w.ModelOwner, m.ID)
		ids = append(ids, m.ID)
	}
	for i := range sites {
		d := medperftest.MustDataset(b, w.DataOwner, medperftest.DatasetInput("bench-site", w.Preparator.ID, medperf.StateOperation))
		w.MustAssociate(b, medperf.KindDataset, w.DataOwner, d.ID)
		for j, m := range ids {
			raw := []byte(fmt.Sprintf(`{"dice": %g, "n_cases": %d}`, float64((i*7+j*13)%100)/100, 10+i))
			if _, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: m,
				DatasetID: d.ID, Metrics: raw}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkHTTPLeaderboard computes the leaderboard of 1,000 results (10
// models × 100 sites) through the client, the HTTP API and the store
// (SQLite), as the benchmark's owner.
func BenchmarkHTTPLeaderboard(b *testing.B) {
	ts := medperftest.NewServer(b)
	w := ts.World(b)
	MustBoard(b, w, 10, 100)
	c := w.BenchmarkOwner.Service.(*client.Client)
	b.ResetTimer()
	for b.Loop() {
		lb, err := c.Leaderboard(ctx, w.Benchmark.ID, "")
		if err != nil || len(lb.Models) != 10 || len(lb.Datasets) != 100 {
			b.Fatalf("%v", err)
		}
	}
}
