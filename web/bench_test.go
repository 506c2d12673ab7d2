package web_test

import (
	"fmt"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// BenchmarkDashboardLeaderboardPage renders the leaderboard page (table,
// heatmap and spread plot) of 1,000 results, 10 models × 100 sites, for the
// benchmark's owner, over HTTP with a session (SQLite).
func BenchmarkDashboardLeaderboardPage(b *testing.B) {
	ts := medperftest.NewServer(b)
	w := ts.World(b)
	ids := []int64{w.ReferenceModel.ID}
	for range 9 {
		m := medperftest.MustContainer(b, w.ModelOwner, medperftest.ContainerInput("bench-model", medperf.StateOperation, medperf.TaskInfer))
		w.MustAssociate(b, medperf.KindModel, w.ModelOwner, m.ID)
		ids = append(ids, m.ID)
	}
	for i := range 100 {
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
	br, _ := signedIn(b, ts, &w.BenchmarkOwner)
	path := fmt.Sprintf("/benchmarks/%d/leaderboard", w.Benchmark.ID)
	b.ResetTimer()
	for b.Loop() {
		if p := br.get(path); p.status != 200 {
			b.Fatalf("status %d", p.status)
		}
	}
}
