package leaderboard

import (
	"encoding/json"
	"sort"

	"github.com/medperf/medperf"
)

// FromData builds the leaderboard a caller may see from the data the store
// gives them (medperf.LeaderboardService): the full leaderboard for
// ScopeAll and ScopeVisible, its Published rows for ScopePublished. metric
// is Options.Metric. Result values that are not numbers are skipped (a
// free-form result may hold anything); a benchmark whose declaration does
// not parse is CodeInvalid.
func FromData(d *medperf.LeaderboardData, metric string) (*Leaderboard, error) {
	return FromDataWith(d, Options{Metric: metric})
}

// FromDataWith is FromData with opts.Metric and opts.MaxCells (the data
// gives the models and datasets: opts.Models and opts.Datasets are
// ignored).
func FromDataWith(d *medperf.LeaderboardData, o Options) (*Leaderboard, error) {
	decl, err := medperf.ParseMetricSet(d.Benchmark.Metrics)
	if err != nil {
		return nil, err
	}
	results := make([]Result, 0, len(d.Results))
	for _, r := range d.Results {
		results = append(results, Result{ID: r.ID, Benchmark: d.Benchmark.ID, Model: Entity(r.Model),
			Dataset: Entity(r.Dataset), Metrics: numbers(r.Metrics), Signed: r.Signed})
	}
	opts := Options{Metric: o.Metric, Models: entitiesOf(d.Models), Datasets: entitiesOf(d.Datasets), MaxCells: o.MaxCells}
	lb, err := Build(d.Benchmark.ID, decl, results, opts)
	if err != nil {
		return nil, err
	}
	if d.Scope == medperf.ScopePublished {
		lb = lb.PublishedWith(d.Benchmark.LeaderboardMinSites)
	}
	lb.Scope = d.Scope
	return lb, nil
}

// ResultOf turns a registry result, with the names of its model and
// dataset, into a Result, keeping the metrics that are numbers.
func ResultOf(r medperf.Result, model, dataset Entity) Result {
	return Result{ID: r.ID, Benchmark: r.BenchmarkID, Model: model, Dataset: dataset, Metrics: numbers(r.Metrics), Signed: r.Signed}
}

// numbers keeps the keys of a metrics object whose values are finite
// numbers (medperf.MetricNumber: a null is no value, never 0), decoding the
// object once. Results stored before the caps keep at most
// medperf.MaxResultMetrics of their keys (the first in sorted order), so
// that no stored result makes a leaderboard unbounded. Plain objects take
// a fast path (flatNumbers).
func numbers(raw json.RawMessage) map[string]float64 {
	if out, ok := flatNumbers(raw); ok {
		return out
	}
	return decodeNumbers(raw)
}

// decodeNumbers is numbers for any JSON text.
func decodeNumbers(raw json.RawMessage) map[string]float64 {
	var generic map[string]json.RawMessage
	json.Unmarshal(raw, &generic)
	out := make(map[string]float64, min(len(generic), medperf.MaxResultMetrics))
	keys := make([]string, 0, len(generic))
	for k := range generic {
		keys = append(keys, k)
	}
	if len(keys) > medperf.MaxResultMetrics {
		sort.Strings(keys)
		keys = keys[:medperf.MaxResultMetrics]
	}
	for _, k := range keys {
		if f, ok := medperf.MetricNumber(generic[k]); ok {
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
