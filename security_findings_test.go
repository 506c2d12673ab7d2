package medperf

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Issue 12, finding 3: the reference model's shortcut let a dataset that was
// never associated (or was withdrawn) post results.
func TestFinding3ReferenceModelResultNeedsApprovedDataset(t *testing.T) {
	for _, status := range []ApprovalStatus{"", StatusPending, StatusRejected} {
		t.Run("dataset "+string(status)+" is refused", func(t *testing.T) {
			f := ResultFacts{Caller: cOwner, DatasetOwner: 3, IsReference: true, DatasetStatus: status}
			if got := ErrorCode(CheckResultAllowed(f)); got != CodeConflict {
				t.Errorf("code %q, want %q", got, CodeConflict)
			}
		})
	}
	t.Run("approved dataset with the reference model is allowed", func(t *testing.T) {
		f := ResultFacts{Caller: cOwner, DatasetOwner: 3, IsReference: true, DatasetStatus: StatusApproved}
		if err := CheckResultAllowed(f); err != nil {
			t.Fatal(err)
		}
	})
}

func TestFinding4ResultMetricCaps(t *testing.T) {
	many := map[string]float64{}
	for i := 0; i <= MaxResultMetrics; i++ {
		many[fmt.Sprintf("m%d", i)] = 1
	}
	manyJSON, _ := json.Marshal(many)
	long := `{"` + strings.Repeat("a", MaxResultMetricName+1) + `": 1}`
	tests := []struct {
		name, metrics string
		want          Code
	}{
		{"too many metrics are refused", string(manyJSON), CodeInvalid},
		{"a too long name is refused", long, CodeInvalid},
		{"an empty name is refused", `{"": 1}`, CodeInvalid},
		{"a number too large for a float is refused", `{"dice": 1e999}`, CodeInvalid},
		{"a not-an-object is refused", `[1]`, CodeInvalid},
		{"a plain result is accepted", `{"dice": 0.9, "n_cases": 12, "note": "ok", "per_label": {"a": 1}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ResultInput{BenchmarkID: 1, ModelID: 2, DatasetID: 3, Metrics: json.RawMessage(tt.metrics)}
			if got := ErrorCode(in.Validate()); got != tt.want {
				t.Errorf("code %q, want %q (%v)", got, tt.want, in.Validate())
			}
		})
	}
}

func TestFinding10NullNaNAndInfinityMetricsRefused(t *testing.T) {
	for _, metrics := range []string{`{"dice": null}`, `{"dice": "NaN"}`, `{"dice": "-Infinity"}`, `{"dice": "inf"}`, `{"dice": -1e400}`} {
		t.Run(metrics+" is refused", func(t *testing.T) {
			in := ResultInput{BenchmarkID: 1, ModelID: 2, DatasetID: 3, Metrics: json.RawMessage(metrics)}
			err := in.Validate()
			if ErrorCode(err) != CodeInvalid {
				t.Fatalf("code %q, want invalid", ErrorCode(err))
			}
			if e, ok := err.(*Error); !ok || e.Field != "results.dice" {
				t.Errorf("error %v does not name results.dice", err)
			}
			p := ResultPatch{Metrics: (*json.RawMessage)(&in.Metrics)}
			if got := ErrorCode(CheckResultPatch(Result{}, p)); got != CodeInvalid {
				t.Errorf("patch: code %q, want invalid", got)
			}
		})
	}
	t.Run("null is never read as 0", func(t *testing.T) {
		if _, ok := MetricNumber(json.RawMessage("null")); ok {
			t.Error("MetricNumber(null) is a number")
		}
		if _, err := ParseResultMetrics([]byte(`{"dice": null}`)); ErrorCode(err) != CodeInvalid {
			t.Errorf("ParseResultMetrics: %v, want invalid", err)
		}
	})
}
