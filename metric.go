package medperf

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Direction says which way a metric improves.
type Direction string

// The two directions a declared metric may have.
const (
	HigherIsBetter Direction = "higher"
	LowerIsBetter  Direction = "lower"
)

// Valid reports whether d is one of the declared directions.
func (d Direction) Valid() bool { return d == HigherIsBetter || d == LowerIsBetter }

// Better reports whether a is strictly better than b in direction d. For a
// direction that is not Valid it reports false: undeclared metrics have no
// order.
func (d Direction) Better(a, b float64) bool {
	switch d {
	case HigherIsBetter:
		return a > b
	case LowerIsBetter:
		return a < b
	}
	return false
}

// DefaultCasesMetric is the result key that holds the number of cases an
// evaluator scored, unless a MetricSet names another.
const DefaultCasesMetric = "n_cases"

// MaxMetrics bounds how many metrics one benchmark may declare.
const MaxMetrics = 64

// maxMetricName bounds the length of a metric name.
const maxMetricName = 64

// MetricSpec declares one metric a benchmark's evaluator reports.
type MetricSpec struct {
	// Name is the key of the metric in the evaluator's results: a letter,
	// then letters, digits, '_', '.' or '-', at most 64 characters.
	Name string `json:"name"`
	// Direction says whether higher or lower values are better.
	Direction Direction `json:"direction"`
	// Min and Max, when set, bound the values a result may report
	// (inclusive).
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Primary marks the metric leaderboards sort by; exactly one declared
	// metric is primary.
	Primary bool `json:"primary,omitempty"`
}

// MetricSet is a benchmark's declaration of its metrics. The zero value
// declares nothing: results are then free-form, as in MedPerf.
type MetricSet struct {
	// Metrics lists the declared metrics; their order is the order in
	// which they are shown.
	Metrics []MetricSpec `json:"metrics,omitempty"`
	// CasesMetric names the result key that holds the number of cases the
	// evaluator scored (DefaultCasesMetric when empty). It is always
	// accepted in results, declared or not, and must be a whole number >= 0.
	CasesMetric string `json:"cases_metric,omitempty"`
	// MinCases is the privacy floor: a result computed on fewer cases (its
	// CasesKey value) is refused by sites and by the registry; 0 for none.
	MinCases int64 `json:"min_cases,omitempty"`
}

// Declared reports whether s declares any metric.
func (s MetricSet) Declared() bool { return len(s.Metrics) > 0 }

// CasesKey returns the result key that holds the case count.
func (s MetricSet) CasesKey() string {
	if s.CasesMetric == "" {
		return DefaultCasesMetric
	}
	return s.CasesMetric
}

// Spec returns the declaration of the metric called name.
func (s MetricSet) Spec(name string) (MetricSpec, bool) {
	for _, m := range s.Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return MetricSpec{}, false
}

// Primary returns the primary metric; ok is false when nothing is declared.
func (s MetricSet) Primary() (spec MetricSpec, ok bool) {
	for _, m := range s.Metrics {
		if m.Primary {
			return m, true
		}
	}
	return MetricSpec{}, false
}

// Validate checks the declaration: at most MaxMetrics metrics, names
// well-formed and unique, directions valid, ranges finite with min <= max,
// and exactly one primary metric when any is declared. It returns a
// CodeInvalid *Error whose Field points at the offending entry
// ("metrics[2].max").
func (s MetricSet) Validate() error {
	if len(s.Metrics) > MaxMetrics {
		return FieldError("metrics", "%d metrics declared; at most %d are allowed", len(s.Metrics), MaxMetrics)
	}
	if s.MinCases < 0 {
		return FieldError("min_cases", "must be a whole number >= 0")
	}
	if s.CasesMetric != "" {
		if err := checkMetricName(s.CasesMetric); err != nil {
			return FieldError("cases_metric", "%s", err)
		}
	}
	seen := map[string]bool{}
	primaries := 0
	for i, m := range s.Metrics {
		field := fmt.Sprintf("metrics[%d]", i)
		if err := checkMetricName(m.Name); err != nil {
			return FieldError(field+".name", "%s", err)
		}
		if seen[m.Name] {
			return FieldError(field+".name", "metric %q is declared twice; names must be unique", m.Name)
		}
		seen[m.Name] = true
		if !m.Direction.Valid() {
			return FieldError(field+".direction", "direction %q is not allowed; use %q or %q", m.Direction, HigherIsBetter, LowerIsBetter)
		}
		if err := checkRange(field, m); err != nil {
			return err
		}
		if m.Primary {
			primaries++
		}
	}
	if len(s.Metrics) > 0 && primaries != 1 {
		return FieldError("metrics", "%d metrics are marked primary; exactly one must be", primaries)
	}
	return nil
}

func checkRange(field string, m MetricSpec) error {
	if m.Min != nil && !finite(*m.Min) {
		return FieldError(field+".min", "min must be a finite number")
	}
	if m.Max != nil && !finite(*m.Max) {
		return FieldError(field+".max", "max must be a finite number")
	}
	if m.Min != nil && m.Max != nil && *m.Min > *m.Max {
		return FieldError(field+".max", "max %s is below min %s", formatFloat(*m.Max), formatFloat(*m.Min))
	}
	return nil
}

// checkMetricName returns a description of what is wrong with name, or nil.
func checkMetricName(name string) error {
	if name == "" {
		return fmt.Errorf("a metric name is required")
	}
	if len(name) > maxMetricName {
		return fmt.Errorf("metric name is %d characters long; at most %d are allowed", len(name), maxMetricName)
	}
	for i, r := range name {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if i == 0 && !letter {
			return fmt.Errorf("metric name %q must start with a letter", name)
		}
		if !letter && !(r >= '0' && r <= '9') && r != '_' && r != '.' && r != '-' {
			return fmt.Errorf("metric name %q may hold only letters, digits, '_', '.' and '-'", name)
		}
	}
	return nil
}

// CheckResult checks the metrics of one result against decl. Every value
// must be a finite number, the case count (decl.CasesKey()) a whole number
// >= 0. When decl declares metrics, every other key must be declared and
// within its range; declared metrics may be absent (a leaderboard shows a
// missing cell). When decl declares nothing, any key is accepted. The
// error is a CodeInvalid *Error whose Field is "metrics.NAME" and whose
// message says what is allowed; keys are checked in sorted order, so the
// same result always gives the same error.
func CheckResult(decl MetricSet, metrics map[string]float64) error {
	names := make([]string, 0, len(metrics))
	for name := range metrics {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := checkMetric(decl, name, metrics[name]); err != nil {
			return err
		}
	}
	return nil
}

func checkMetric(decl MetricSet, name string, v float64) error {
	field := "metrics." + name
	if !finite(v) {
		return FieldError(field, "value %s is not allowed; metrics must be finite numbers", formatFloat(v))
	}
	if name == decl.CasesKey() {
		if v < 0 || v != math.Trunc(v) {
			return FieldError(field, "case count %s is not allowed; it must be a whole number >= 0", formatFloat(v))
		}
	}
	if !decl.Declared() {
		return nil
	}
	spec, ok := decl.Spec(name)
	if !ok {
		if name == decl.CasesKey() {
			return nil
		}
		return FieldError(field, "metric %q is not declared by this benchmark; declared: %s", name, declaredNames(decl))
	}
	if spec.Min != nil && v < *spec.Min || spec.Max != nil && v > *spec.Max {
		return FieldError(field, "value %s is out of range; allowed: %s", formatFloat(v), describeRange(spec))
	}
	return nil
}

func declaredNames(decl MetricSet) string {
	names := make([]string, 0, len(decl.Metrics)+1)
	for _, m := range decl.Metrics {
		names = append(names, m.Name)
	}
	if _, ok := decl.Spec(decl.CasesKey()); !ok {
		names = append(names, decl.CasesKey()+" (case count)")
	}
	return strings.Join(names, ", ")
}

func describeRange(m MetricSpec) string {
	switch {
	case m.Min != nil && m.Max != nil:
		return formatFloat(*m.Min) + " <= value <= " + formatFloat(*m.Max)
	case m.Min != nil:
		return "value >= " + formatFloat(*m.Min)
	case m.Max != nil:
		return "value <= " + formatFloat(*m.Max)
	}
	return "any finite number"
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// ParseMetricSet reads a benchmark's metrics field: empty or JSON null
// declares nothing; anything else must be a MetricSet object (no unknown
// keys) that passes Validate. Errors are CodeInvalid naming the field
// "metrics" or the entry at fault.
func ParseMetricSet(raw []byte) (MetricSet, error) {
	var s MetricSet
	trimmed := strings.TrimSpace(string(raw))
	if trimmed == "" || trimmed == "null" {
		return s, nil
	}
	dec := json.NewDecoder(strings.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return MetricSet{}, FieldError("metrics", "must be a declaration like {\"metrics\": [{\"name\": \"dice\", \"direction\": \"higher\", \"primary\": true}]}: %s", jsonProblem(err))
	}
	if dec.More() {
		return MetricSet{}, FieldError("metrics", "holds more than one JSON value")
	}
	return s, s.Validate()
}

// jsonProblem says what is wrong with JSON without echoing Go type names.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func checkMetricsField(raw []byte) error {
	_, err := ParseMetricSet(raw)
	return err
}

// ParseResultMetrics reads a result's metrics object for checking and
// aggregation: every value must be a JSON number (CodeInvalid naming
// "metrics.NAME" otherwise).
func ParseResultMetrics(raw []byte) (map[string]float64, error) {
	var generic map[string]json.RawMessage
	if err := json.Unmarshal(raw, &generic); err != nil {
		return nil, FieldError("results", "must be a JSON object of metric names to numbers")
	}
	out := make(map[string]float64, len(generic))
	for k, v := range generic {
		f, ok := MetricNumber(v)
		if !ok {
			return nil, FieldError("metrics."+k, "must be a finite number for a benchmark that declares its metrics")
		}
		out[k] = f
	}
	return out, nil
}

// CheckResultMetrics checks a result's raw metrics against the benchmark's
// declaration (raw metrics field): without a declaration anything goes, as
// in MedPerf; with one, every value must be a number and pass CheckResult.
func CheckResultMetrics(declaration, metrics []byte) error {
	decl, err := ParseMetricSet(declaration)
	if err != nil {
		return Errorf(CodeConflict, "the benchmark's metrics declaration is not valid: %s", ErrorMessage(err))
	}
	if err := CheckMinCases(decl, metrics); err != nil {
		return err
	}
	if !decl.Declared() {
		return nil
	}
	m, err := ParseResultMetrics(metrics)
	if err != nil {
		return err
	}
	return CheckResult(decl, m)
}
