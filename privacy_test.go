package medperf

import "testing"

func TestCheckMinCases(t *testing.T) {
	floor := MetricSet{MinCases: 50}
	for _, c := range []struct {
		name    string
		decl    MetricSet
		metrics string
		want    Code
	}{
		{"no floor", MetricSet{}, `{"dice":0.5}`, ""},
		{"at the floor", floor, `{"dice":0.5,"n_cases":50}`, ""},
		{"above, with another cases key", MetricSet{MinCases: 5, CasesMetric: "cases"}, `{"cases":6}`, ""},
		{"under the floor", floor, `{"dice":0.5,"n_cases":49}`, CodeForbidden},
		{"no case count", floor, `{"dice":0.5}`, CodeForbidden},
		{"a case count that is not a number", floor, `{"n_cases":"many"}`, CodeForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := ErrorCode(CheckMinCases(c.decl, []byte(c.metrics))); got != c.want {
				t.Fatalf("code %q, want %q", got, c.want)
			}
		})
	}
	if ErrorCode(MetricSet{MinCases: -1}.Validate()) != CodeInvalid {
		t.Fatal("a negative floor is accepted")
	}
	if ErrorCode(CheckResultMetrics([]byte(`{"min_cases":10}`), []byte(`{"n_cases":3}`))) != CodeForbidden {
		t.Fatal("the registry's check ignores the floor")
	}
}
