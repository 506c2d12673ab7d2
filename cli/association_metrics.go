package cli

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/medperf/medperf"
)

// maxCompatMetrics bounds the metrics one row of `association ls` shows
// when the benchmark declares none (and so has no primary metric).
const maxCompatMetrics = 3

// compatCell is what an approver reads in `association ls`: the metrics of
// the compatibility test the request carries, each next to the reference
// model's on the benchmark's demo data ("dice_mean 0.81 (reference 0.79)"):
// the primary metric when the benchmark declares metrics, else the first
// few numeric ones. "-" when the request carries no test results.
func compatCell(a medperf.Association, b *medperf.Benchmark) string {
	got := resultsIn(a.Metadata, "compatibility_test")
	if len(got) == 0 {
		return "-"
	}
	var ref map[string]float64
	var keys []string
	if b != nil {
		ref = resultsIn(b.Metadata, "reference_results")
		var set medperf.MetricSet
		if json.Unmarshal(b.Metrics, &set) == nil {
			if p, ok := set.Primary(); ok {
				keys = []string{p.Name}
			}
		}
	}
	if len(keys) == 0 {
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		keys = keys[:min(len(keys), maxCompatMetrics)]
	}
	var parts []string
	for _, k := range keys {
		v, ok := got[k]
		if !ok {
			continue
		}
		p := k + " " + number(v)
		if r, ok := ref[k]; ok {
			p += " (reference " + number(r) + ")"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// resultsIn returns the numeric metrics of a test report stored under key
// in metadata ({key: {"results": {...}}}, as package site writes it).
func resultsIn(metadata json.RawMessage, key string) map[string]float64 {
	var m map[string]struct {
		Results map[string]any `json:"results"`
	}
	if len(metadata) == 0 || json.Unmarshal(metadata, &m) != nil {
		return nil
	}
	out := map[string]float64{}
	for k, v := range m[key].Results {
		if f, ok := v.(float64); ok {
			out[k] = f
		}
	}
	return out
}
