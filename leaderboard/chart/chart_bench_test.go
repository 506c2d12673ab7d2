package chart_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/leaderboard/chart"
)

// BenchmarkHeatmap draws one metric of 50 models on 100 sites.
func BenchmarkHeatmap(b *testing.B) {
	decl := medperf.MetricSet{Metrics: []medperf.MetricSpec{{Name: "auc", Direction: medperf.HigherIsBetter, Primary: true}}}
	rng := rand.New(rand.NewPCG(5, 6))
	var results []leaderboard.Result
	for i := range 50 {
		for j := range 100 {
			results = append(results, leaderboard.Result{
				ID: int64(len(results) + 1), Benchmark: 1, Metrics: map[string]float64{"auc": rng.Float64()},
				Model:   leaderboard.Entity{ID: int64(i + 1), Name: fmt.Sprintf("model-%d", i)},
				Dataset: leaderboard.Entity{ID: int64(j + 1), Name: fmt.Sprintf("site-%d", j)},
			})
		}
	}
	lb, err := leaderboard.Build(1, decl, results, leaderboard.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := chart.Heatmap(lb, "auc"); err != nil {
			b.Fatal(err)
		}
	}
}
