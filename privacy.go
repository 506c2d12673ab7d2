package medperf

import (
	"encoding/json"
	"math"
)

// CheckMinCases applies a benchmark's privacy floor (MetricSet.MinCases) to
// a result's metrics: the case count (decl.CasesKey()) must be present and
// at least MinCases. A result under the floor is CodeForbidden with Field
// "metrics.<cases key>": sites refuse to send it and the registry to store
// it, whatever else the result says. Metrics that are not a JSON object are
// left to the other checks.
func CheckMinCases(decl MetricSet, metrics []byte) error {
	if decl.MinCases <= 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(metrics, &m) != nil {
		return nil
	}
	key := decl.CasesKey()
	var cases float64
	if raw, ok := m[key]; !ok || json.Unmarshal(raw, &cases) != nil || math.IsNaN(cases) {
		return &Error{Code: CodeForbidden, Field: "metrics." + key,
			Message: "this benchmark needs results on at least " + formatFloat(float64(decl.MinCases)) + " cases and the result does not say how many (" + key + ")"}
	}
	if cases < float64(decl.MinCases) {
		return &Error{Code: CodeForbidden, Field: "metrics." + key,
			Message: "the result covers " + formatFloat(cases) + " cases; this benchmark's privacy floor is " + formatFloat(float64(decl.MinCases)) + " (a result on fewer cases could reveal individual patients)"}
	}
	return nil
}
