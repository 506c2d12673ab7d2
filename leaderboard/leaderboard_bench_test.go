package leaderboard_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

// benchResults makes a full matrix of models × datasets results with five
// declared metrics and a case count.
func benchResults(models, datasets int) (medperf.MetricSet, []leaderboard.Result) {
	decl := medperf.MetricSet{}
	for k := range 5 {
		decl.Metrics = append(decl.Metrics, medperf.MetricSpec{Name: fmt.Sprintf("m%d", k), Direction: medperf.HigherIsBetter, Primary: k == 0})
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var results []leaderboard.Result
	for i := range models {
		for j := range datasets {
			metrics := map[string]float64{"n_cases": float64(rng.IntN(500))}
			for _, m := range decl.Metrics {
				metrics[m.Name] = rng.Float64()
			}
			results = append(results, leaderboard.Result{
				ID: int64(len(results) + 1), Benchmark: 7, Metrics: metrics,
				Model:   leaderboard.Entity{ID: int64(i + 1), Name: fmt.Sprintf("model-%d", i)},
				Dataset: leaderboard.Entity{ID: int64(j + 1), Name: fmt.Sprintf("site-%d", j)},
			})
		}
	}
	return decl, results
}

// BenchmarkBuild builds the leaderboard of 50 models on 100 sites (5,000
// results, 5 metrics).
func BenchmarkBuild(b *testing.B) {
	decl, results := benchResults(50, 100)
	for b.Loop() {
		if _, err := leaderboard.Build(7, decl, results, leaderboard.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteCSV writes the same leaderboard as CSV.
func BenchmarkWriteCSV(b *testing.B) {
	decl, results := benchResults(50, 100)
	lb, err := leaderboard.Build(7, decl, results, leaderboard.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := leaderboard.WriteCSV(io.Discard, lb); err != nil {
			b.Fatal(err)
		}
	}
}
