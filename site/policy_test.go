package site

import (
	"context"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site/policy"
)

func mustPolicy(t *testing.T, text string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(text), "policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPolicyStopsRunsAndSubmissions checks that a policy refusing the
// model's image stops a run before any container starts, with the rule's
// name and line, and that a policy refusing a result stops its submission
// before anything is sent.
func TestPolicyStopsRunsAndSubmissions(t *testing.T) {
	ctx := context.Background()
	tw := MustTestWorld(t)
	d := tw.MustOperationalDataset(t)
	before := tw.rt.count("infer") + tw.rt.count("evaluate")
	tw.do.Policy = mustPolicy(t, "# only the evaluator's image\nimages:\n  - sha256:"+strings.Repeat("0", 64)+"\n")
	_, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{})
	if medperf.ErrorCode(err) != medperf.CodeForbidden || !strings.Contains(err.Error(), "policy.yaml:2: images") {
		t.Fatalf("run under a refusing policy: %v", err)
	}
	if after := tw.rt.count("infer") + tw.rt.count("evaluate"); after != before {
		t.Fatalf("%d containers started under a refusing policy", after-before)
	}
	tw.do.Policy = mustPolicy(t, "runtimes: [docker]\n")
	tw.do.RuntimeName = "docker"
	if _, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{}); err != nil {
		t.Fatalf("run under an allowing policy: %v", err)
	}
	key := ResultKey{BenchmarkID: tw.benchmark.ID, ModelID: tw.model, DatasetID: d}
	for name, text := range map[string]string{
		"min_cases": "min_cases: 100\n",
		"metrics":   "metrics: [dice]\n",
	} {
		t.Run("a result the "+name+" rule refuses is not sent", func(t *testing.T) {
			tw.do.Policy = mustPolicy(t, text)
			_, err := tw.do.SubmitResult(ctx, key)
			if medperf.ErrorCode(err) != medperf.CodeForbidden || !strings.Contains(err.Error(), "policy.yaml:1: "+name) {
				t.Fatalf("%v", err)
			}
			if l, _ := tw.w.Admin.ListResults(ctx, medperf.ResultFilter{DatasetID: d}); l.Total != 0 {
				t.Fatalf("%d results sent", l.Total)
			}
		})
	}
	tw.do.Policy = nil
	if _, err := tw.do.SubmitResult(ctx, key); err != nil {
		t.Fatalf("without a policy: %v", err)
	}
}

func TestGPUCount(t *testing.T) {
	for in, want := range map[string]int{"": 0, "all": -1, "2": 2, "device=0,1": 2, "junk": -1} {
		if got := gpuCount(in); got != want {
			t.Errorf("gpuCount(%q) = %d, want %d", in, got, want)
		}
	}
}
