package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// TestCompatCell guards friction 9 of issue 13: an approver reads the
// compatibility-test metrics next to the reference model's.
func TestCompatCell(t *testing.T) {
	req := medperf.Association{Metadata: json.RawMessage(`{"compatibility_test":{"results":{"dice_mean":0.61,"hd95":7.5,"n_cases":3,"zz":1}}}`)}
	declared := &medperf.Benchmark{Metrics: json.RawMessage(`{"metrics":[{"name":"hd95","direction":"lower"},{"name":"dice_mean","direction":"higher","primary":true}]}`), Common: medperf.Common{
		Metadata: json.RawMessage(`{"reference_results":{"results":{"dice_mean":0.79,"hd95":5}}}`)}}
	tests := []struct {
		name string
		a    medperf.Association
		b    *medperf.Benchmark
		want string
	}{
		{"the primary metric next to the reference's", req, declared, "dice_mean 0.61 (reference 0.79)"},
		{"free-form: the first few, with the reference where known", req, &medperf.Benchmark{Common: medperf.Common{Metadata: declared.Metadata}}, "dice_mean 0.61 (reference 0.79), hd95 7.5 (reference 5), n_cases 3"},
		{"no benchmark: the metrics alone", req, nil, "dice_mean 0.61, hd95 7.5, n_cases 3"},
		{"no test results", medperf.Association{}, declared, "-"},
		{"metadata that is not a report", medperf.Association{Metadata: json.RawMessage(`[1]`)}, declared, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := compatCell(tt.a, tt.b); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAssociationLsShowsTheCompatibilityTest(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	meta := json.RawMessage(`{"compatibility_test":{"results":{"dice":0.61}}}`)
	if _, err := w.ModelOwner.RequestAssociation(context.Background(), w.Benchmark.ID, medperf.KindModel, medperf.AssociationRequest{ComponentID: w.Model.ID, Metadata: meta}); err != nil {
		t.Fatal(err)
	}
	// The approver is the benchmark owner, not an admin: the requester
	// still shows by name and email (issue 13, friction 9).
	loggedInAs(t, ts, w.BenchmarkOwner.Token)
	code, out, errOut := runCLI(t, "association", "ls", "-b", id(w.Benchmark.ID), "-m", id(w.Model.ID))
	if code != 0 || !strings.Contains(out, "COMPATIBILITY TEST") || !strings.Contains(out, "dice 0.61") ||
		!strings.Contains(out, "<"+w.ModelOwner.Email+"> ("+id(w.ModelOwner.ID)+")") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
}
