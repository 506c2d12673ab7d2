package site

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medperf/medperf"
)

func TestReportIsSentOnlyWithConsent(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	for _, consent := range []bool{false, true} {
		d, err := tw.do.SubmitDataset(ctx, DatasetSubmission{BenchmarkID: tw.benchmark.ID, DataPath: tw.rawData, LabelsPath: tw.rawLabels, Name: "d"})
		if err != nil {
			t.Fatal(err)
		}
		s := *tw.do
		s.Options.ReportConsent = consent
		if err := s.Prepare(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := tw.w.DataOwner.GetDataset(ctx, d.ID)
		if sent := len(got.Report) > 0; sent != consent {
			t.Errorf("consent %v: report sent %v (%s)", consent, sent, got.Report)
		}
	}
}

func TestOneProcessPerOperation(t *testing.T) {
	file := filepath.Join(t.TempDir(), "op.lock")
	unlock, err := lock(file, "this")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock(file, "this"); medperf.ErrorCode(err) != medperf.CodeConflict {
		t.Fatalf("a second holder: %v", err)
	}
	unlock()
	again, err := lock(file, "this")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
}

func TestIgnoreModelErrorsGoesOn(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	d := tw.MustOperationalDataset(t)
	infer := tw.rt.count("infer")
	tw.rt.fail = func(task string, n int) error {
		if task == "infer" && n == infer+1 {
			return medperf.Errorf(medperf.CodeInvalid, "the model crashed")
		}
		return nil
	}
	if _, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{}); medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Fatalf("without the flag the run stops: %v", err)
	}
	tw.rt.fail = func(task string, n int) error {
		if task == "infer" && n == infer+2 {
			return medperf.Errorf(medperf.CodeInvalid, "the model crashed")
		}
		return nil
	}
	oc, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{IgnoreModelErrors: true})
	if err != nil || len(oc) != 2 || oc[0].Status != "failed" || oc[1].Status != "ran" {
		t.Fatalf("%+v %v", oc, err)
	}
}

func TestTestRunNeedsTheDatasetHere(t *testing.T) {
	tw := MustTestWorld(t)
	d := tw.MustOperationalDataset(t)
	other := tw.site(t, tw.w.DataOwner) // same user, another MEDPERF_HOME
	if _, err := other.Test(context.Background(), TestSpec{BenchmarkID: tw.benchmark.ID, DatasetID: d}); medperf.ErrorCode(err) != medperf.CodeNotFound {
		t.Fatal(err)
	}
}

func TestProgressNamesEachTaskWithItsTime(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	var out strings.Builder
	s := *tw.do
	s.Out = &out
	d, err := s.SubmitDataset(ctx, DatasetSubmission{BenchmarkID: tw.benchmark.ID, DataPath: tw.rawData, LabelsPath: tw.rawLabels, Name: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Prepare(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hashed the raw data: 2 files", ": prepare done in ", ": sanity_check done in ", ": statistics done in "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), tw.rawData) {
		t.Error("progress shows the data path")
	}
}

func TestReportIsSentWhilePreparing(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	d, err := tw.do.SubmitDataset(ctx, DatasetSubmission{BenchmarkID: tw.benchmark.ID, DataPath: tw.rawData, LabelsPath: tw.rawLabels, Name: "d"})
	if err != nil {
		t.Fatal(err)
	}
	s := *tw.do
	s.Options.ReportConsent, s.Options.ReportInterval = true, time.Millisecond
	seenDuring := false
	tw.rt.fail = func(task string, _ int) error {
		if task != StepPrepare {
			return nil
		}
		// The preparator writes its progress, then keeps working until the
		// report reached the server (or gives up after a minute).
		report := s.prepared(d.ID).Report()
		os.MkdirAll(filepath.Dir(report), 0o700)
		os.WriteFile(report, []byte("progress: 50\n"), 0o600)
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if got, _ := tw.w.DataOwner.GetDataset(ctx, d.ID); strings.Contains(string(got.Report), "50") {
				seenDuring = true
				return nil
			}
		}
		return nil
	}
	if err := s.Prepare(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if !seenDuring {
		t.Fatal("the report did not reach the server while prepare ran")
	}
}
