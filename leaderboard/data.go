package leaderboard

import (
	"encoding/json"

	"github.com/medperf/medperf"
)

// FromData builds the leaderboard a caller may see from the data the store
// gives them (medperf.LeaderboardService): the full leaderboard for
// ScopeAll and ScopeVisible, its Published rows for ScopePublished. metric
// is Options.Metric. Result values that are not numbers are skipped (a
// free-form result may hold anything); a benchmark whose declaration does
// not parse is CodeInvalid.
func FromData(d *medperf.LeaderboardData, metric string) (*Leaderboard, error) {
	decl, err := medperf.ParseMetricSet(d.Benchmark.Metrics)
	if err != nil {
		return nil, err
	}
	results := make([]Result, 0, len(d.Results))
	for _, r := range d.Results {
		results = append(results, Result{ID: r.ID, Benchmark: d.Benchmark.ID, Model: Entity(r.Model),
			Dataset: Entity(r.Dataset), Metrics: numbers(r.Metrics), Signed: r.Signed})
	}
	opts := Options{Metric: metric, Models: entitiesOf(d.Models), Datasets: entitiesOf(d.Datasets)}
	lb, err := Build(d.Benchmark.ID, decl, results, opts)
	if err != nil {
		return nil, err
	}
	if d.Scope == medperf.ScopePublished {
		lb = lb.Published()
	}
	lb.Scope = d.Scope
	return lb, nil
}

// ResultOf turns a registry result, with the names of its model and
// dataset, into a Result, keeping the metrics that are numbers.
func ResultOf(r medperf.Result, model, dataset Entity) Result {
	return Result{ID: r.ID, Benchmark: r.BenchmarkID, Model: model, Dataset: dataset, Metrics: numbers(r.Metrics), Signed: r.Signed}
}

// numbers keeps the keys of a metrics object whose values are numbers.
func numbers(raw json.RawMessage) map[string]float64 {
	var generic map[string]json.RawMessage
	json.Unmarshal(raw, &generic)
	out := make(map[string]float64, len(generic))
	for k, v := range generic {
		var f float64
		if json.Unmarshal(v, &f) == nil {
			out[k] = f
		}
	}
	return out
}

func entitiesOf(named []medperf.Named) []Entity {
	out := make([]Entity, len(named))
	for i, n := range named {
		out[i] = Entity(n)
	}
	return out
}
