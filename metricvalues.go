package medperf

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// MaxResultMetrics bounds how many keys one result's metrics object may
// hold, declared or not: a leaderboard has a board per key, so an unbounded
// free-form result would make every leaderboard of its benchmark unbounded
// (issue 12, finding 4).
const MaxResultMetrics = 128

// MaxResultMetricName bounds the length in bytes of a key of a result's
// metrics object.
const MaxResultMetricName = 128

// CheckMetricValues checks the shape of a result's metrics object, whatever
// the benchmark declares: a JSON object of at most MaxResultMetrics keys,
// each non-empty and at most MaxResultMetricName bytes, whose values are not
// null, and whose numbers are finite (a number too large for a float64, or
// the strings "NaN" and "Infinity" in any spelling, are refused). Other
// values (strings, objects) stay allowed, as in MedPerf's free-form
// results; leaderboards skip them. Errors are CodeInvalid naming "results"
// or "results.KEY" (issue 12, findings 4 and 10).
func CheckMetricValues(raw json.RawMessage) error {
	var generic map[string]json.RawMessage
	if err := json.Unmarshal(raw, &generic); err != nil || generic == nil {
		return FieldError("results", "must be a JSON object of metric names to numbers")
	}
	if len(generic) > MaxResultMetrics {
		return FieldError("results", "holds %d metrics; at most %d are allowed", len(generic), MaxResultMetrics)
	}
	for k, v := range generic {
		if k == "" || len(k) > MaxResultMetricName {
			return FieldError("results", "metric names must be 1 to %d bytes long", MaxResultMetricName)
		}
		if err := checkMetricValue(v); err != nil {
			return FieldError("results."+k, "%s", err.Error())
		}
	}
	return nil
}

type valueProblem string

func (p valueProblem) Error() string { return string(p) }

func checkMetricValue(v json.RawMessage) error {
	v = bytes.TrimSpace(v)
	switch {
	case string(v) == "null":
		return valueProblem("is null; a metric must be a finite number (leave the key out when there is no value)")
	case len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9'):
		if _, ok := MetricNumber(v); !ok {
			return valueProblem("is not a finite number")
		}
	case len(v) > 0 && v[0] == '"':
		var s string
		if json.Unmarshal(v, &s) == nil && nonFiniteWord(s) {
			return valueProblem("is not a finite number; NaN and infinities are not allowed")
		}
	}
	return nil
}

// nonFiniteWord reports whether s spells NaN or an infinity, as some
// evaluators write them.
func nonFiniteWord(s string) bool {
	switch strings.ToLower(strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(s), "+-"))) {
	case "nan", "inf", "infinity":
		return true
	}
	return false
}

// MetricNumber reads one value of a metrics object as a number: ok is true
// only for a JSON number that is a finite float64. null, strings, objects
// and arrays are not numbers (a null is never 0: issue 12, finding 10).
func MetricNumber(v json.RawMessage) (float64, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || !finite(f) {
		return 0, false
	}
	return f, true
}
