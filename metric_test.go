package medperf_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

func ptr(v float64) *float64 { return &v }

// validSet is a declaration every test starts from: a bounded primary
// metric, a lower-is-better one and an unbounded one.
func validSet() medperf.MetricSet {
	return medperf.MetricSet{Metrics: []medperf.MetricSpec{
		{Name: "dice", Direction: medperf.HigherIsBetter, Min: ptr(0), Max: ptr(1), Primary: true},
		{Name: "hausdorff95", Direction: medperf.LowerIsBetter, Min: ptr(0)},
		{Name: "auc-roc.macro", Direction: medperf.HigherIsBetter},
	}}
}

// mustInvalid fails unless err is a CodeInvalid *medperf.Error on field
// whose message contains every fragment.
func mustInvalid(tb testing.TB, err error, field string, fragments ...string) {
	tb.Helper()
	var e *medperf.Error
	if !errors.As(err, &e) || e.Code != medperf.CodeInvalid {
		tb.Fatalf("error = %v, want a CodeInvalid *medperf.Error", err)
	}
	if e.Field != field {
		tb.Errorf("field = %q, want %q (error %q)", e.Field, field, e)
	}
	for _, f := range fragments {
		if !strings.Contains(e.Message, f) {
			tb.Errorf("message %q does not say %q", e.Message, f)
		}
	}
}

func TestMetricSetValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*medperf.MetricSet)
		field string // "" when valid
	}{
		{"a complete declaration is valid", func(*medperf.MetricSet) {}, ""},
		{"an empty declaration is valid", func(s *medperf.MetricSet) { s.Metrics = nil }, ""},
		{"min equal to max is valid", func(s *medperf.MetricSet) { s.Metrics[0].Min, s.Metrics[0].Max = ptr(1), ptr(1) }, ""},
		{"a custom cases metric is valid", func(s *medperf.MetricSet) { s.CasesMetric = "num_subjects" }, ""},
		{"an empty name is refused", func(s *medperf.MetricSet) { s.Metrics[1].Name = "" }, "metrics[1].name"},
		{"a name starting with a digit is refused", func(s *medperf.MetricSet) { s.Metrics[1].Name = "1dice" }, "metrics[1].name"},
		{"a name with a space is refused", func(s *medperf.MetricSet) { s.Metrics[2].Name = "auc roc" }, "metrics[2].name"},
		{"a name with markup is refused", func(s *medperf.MetricSet) { s.Metrics[2].Name = "a<script>" }, "metrics[2].name"},
		{"a too long name is refused", func(s *medperf.MetricSet) { s.Metrics[2].Name = "a" + strings.Repeat("b", 64) }, "metrics[2].name"},
		{"a duplicate name is refused", func(s *medperf.MetricSet) { s.Metrics[2].Name = "dice" }, "metrics[2].name"},
		{"an unknown direction is refused", func(s *medperf.MetricSet) { s.Metrics[1].Direction = "up" }, "metrics[1].direction"},
		{"a missing direction is refused", func(s *medperf.MetricSet) { s.Metrics[1].Direction = "" }, "metrics[1].direction"},
		{"min above max is refused", func(s *medperf.MetricSet) { s.Metrics[0].Min = ptr(2) }, "metrics[0].max"},
		{"a NaN min is refused", func(s *medperf.MetricSet) { s.Metrics[1].Min = ptr(math.NaN()) }, "metrics[1].min"},
		{"an infinite max is refused", func(s *medperf.MetricSet) { s.Metrics[1].Max = ptr(math.Inf(1)) }, "metrics[1].max"},
		{"no primary is refused", func(s *medperf.MetricSet) { s.Metrics[0].Primary = false }, "metrics"},
		{"two primaries are refused", func(s *medperf.MetricSet) { s.Metrics[1].Primary = true }, "metrics"},
		{"a malformed cases metric is refused", func(s *medperf.MetricSet) { s.CasesMetric = "n cases" }, "cases_metric"},
		{"too many metrics are refused", func(s *medperf.MetricSet) {
			for i := len(s.Metrics); i <= medperf.MaxMetrics; i++ {
				s.Metrics = append(s.Metrics, medperf.MetricSpec{Name: "m" + strings.Repeat("x", i), Direction: medperf.LowerIsBetter})
			}
		}, "metrics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSet()
			tt.edit(&s)
			err := s.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			mustInvalid(t, err, tt.field)
		})
	}
}

func TestCheckResult(t *testing.T) {
	tests := []struct {
		name      string
		decl      medperf.MetricSet
		metrics   map[string]float64
		field     string // "" when accepted
		fragments []string
	}{
		{"declared metrics in range are accepted", validSet(),
			map[string]float64{"dice": 0.8, "hausdorff95": 3.2, "auc-roc.macro": 0.9, "n_cases": 40}, "", nil},
		{"range bounds are inclusive", validSet(), map[string]float64{"dice": 1, "hausdorff95": 0}, "", nil},
		{"missing declared metrics are accepted", validSet(), map[string]float64{"dice": 0.5}, "", nil},
		{"an empty result is accepted", validSet(), map[string]float64{}, "", nil},
		{"an empty declaration accepts free-form metrics", medperf.MetricSet{},
			map[string]float64{"anything goes": 12, "Accuracy": -3}, "", nil},
		{"an undeclared metric is refused", validSet(), map[string]float64{"dice": 0.5, "secret_patient_count": 7},
			"metrics.secret_patient_count", []string{"not declared", "dice", "hausdorff95", "n_cases"}},
		{"a value above max is refused", validSet(), map[string]float64{"dice": 1.5},
			"metrics.dice", []string{"1.5", "0 <= value <= 1"}},
		{"a value below min is refused", validSet(), map[string]float64{"hausdorff95": -1},
			"metrics.hausdorff95", []string{"-1", "value >= 0"}},
		{"NaN is refused", validSet(), map[string]float64{"auc-roc.macro": math.NaN()},
			"metrics.auc-roc.macro", []string{"NaN", "finite"}},
		{"infinity is refused", validSet(), map[string]float64{"hausdorff95": math.Inf(1)},
			"metrics.hausdorff95", []string{"Inf", "finite"}},
		{"NaN is refused even in free-form results", medperf.MetricSet{}, map[string]float64{"x": math.NaN()},
			"metrics.x", []string{"finite"}},
		{"a fractional case count is refused", validSet(), map[string]float64{"n_cases": 2.5},
			"metrics.n_cases", []string{"whole number"}},
		{"a negative case count is refused in free-form results", medperf.MetricSet{}, map[string]float64{"n_cases": -1},
			"metrics.n_cases", []string{"whole number"}},
		{"a custom cases metric is accepted undeclared", withCases(validSet(), "subjects"),
			map[string]float64{"subjects": 12}, "", nil},
		{"the default cases key is refused when another is named", withCases(validSet(), "subjects"),
			map[string]float64{"n_cases": 12}, "metrics.n_cases", []string{"not declared", "subjects (case count)"}},
		{"the first bad metric in name order is reported", validSet(), map[string]float64{"zzz": 1, "dice": 7},
			"metrics.dice", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := medperf.CheckResult(tt.decl, tt.metrics)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("CheckResult() = %v, want nil", err)
				}
				return
			}
			mustInvalid(t, err, tt.field, tt.fragments...)
		})
	}
}

func withCases(s medperf.MetricSet, key string) medperf.MetricSet {
	s.CasesMetric = key
	return s
}

func TestDirectionBetter(t *testing.T) {
	tests := []struct {
		name string
		d    medperf.Direction
		a, b float64
		want bool
	}{
		{"higher prefers the larger value", medperf.HigherIsBetter, 2, 1, true},
		{"higher does not prefer the smaller value", medperf.HigherIsBetter, 1, 2, false},
		{"lower prefers the smaller value", medperf.LowerIsBetter, 1, 2, true},
		{"equal values are not better", medperf.LowerIsBetter, 1, 1, false},
		{"an undeclared direction orders nothing", medperf.Direction(""), 2, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.Better(tt.a, tt.b); got != tt.want {
				t.Errorf("%q.Better(%v, %v) = %v, want %v", tt.d, tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestMetricSetLookups(t *testing.T) {
	s := validSet()
	if p, ok := s.Primary(); !ok || p.Name != "dice" {
		t.Errorf("Primary() = %v, %v; want dice", p, ok)
	}
	if _, ok := (medperf.MetricSet{}).Primary(); ok {
		t.Error("an empty declaration has a primary metric")
	}
	if s.CasesKey() != medperf.DefaultCasesMetric || withCases(s, "k").CasesKey() != "k" {
		t.Errorf("CasesKey() does not honour CasesMetric")
	}
	if _, ok := s.Spec("nope"); ok {
		t.Error("Spec found an undeclared metric")
	}
}
