package site

import (
	"context"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

// TestNotJoinedDatasetRunsButIsNotSubmitted guards friction 10 of issue 13:
// on a dataset that never asked to join, the reference model runs (a check
// of the data), but its result is not submitted, with what to do instead.
func TestNotJoinedDatasetRunsButIsNotSubmitted(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	d, err := tw.do.SubmitDataset(ctx, DatasetSubmission{BenchmarkID: tw.benchmark.ID, DataPath: tw.rawData, LabelsPath: tw.rawLabels, Name: "lonely"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.do.Prepare(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.do.SetOperational(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	status, err := tw.do.DatasetAssociation(ctx, tw.benchmark.ID, d.ID)
	if err != nil || status != "" {
		t.Fatalf("status %q, %v; want none", status, err)
	}
	if w := NotJoinedWarning(tw.benchmark.ID, d.ID, status); !strings.Contains(w, "dataset associate") || !strings.Contains(w, "not requested") {
		t.Fatalf("warning %q", w)
	}
	if NotJoinedWarning(1, 2, medperf.StatusApproved) != "" {
		t.Fatal("a joined dataset is warned about")
	}
	oc, err := tw.do.Run(ctx, tw.benchmark.ID, d.ID, RunOptions{Models: []int64{tw.benchmark.ReferenceModelContainer}})
	if err != nil || len(oc) != 1 || oc[0].Model != tw.benchmark.ReferenceModelContainer {
		t.Fatalf("run: %+v %v; want the reference model alone", oc, err)
	}
	key := ResultKey{BenchmarkID: tw.benchmark.ID, ModelID: tw.benchmark.ReferenceModelContainer, DatasetID: d.ID}
	_, err = tw.do.SubmitResult(ctx, key)
	if medperf.ErrorCode(err) != medperf.CodeConflict || !strings.Contains(medperf.ErrorMessage(err), "dataset associate") {
		t.Fatalf("submit: %v, want a conflict saying how to join", err)
	}
	l, _ := tw.w.DataOwner.ListResults(ctx, medperf.ResultFilter{DatasetID: d.ID})
	if l != nil && l.Total != 0 {
		t.Fatalf("%d results submitted", l.Total)
	}
}
