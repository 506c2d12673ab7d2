package site

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

var errKilled = medperf.Errorf(medperf.CodeCanceled, "killed")

func TestPrepareContinuesAfterTheLastFinishedStep(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	d, err := tw.do.SubmitDataset(ctx, DatasetSubmission{BenchmarkID: tw.benchmark.ID, DataPath: tw.rawData, LabelsPath: tw.rawLabels, Name: "d"})
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]int{}
	for _, task := range PrepareSteps {
		base[task] = tw.rt.count(task)
	}
	tw.rt.fail = func(task string, n int) error {
		if task == StepStatistics && n == base[task]+1 {
			return errKilled
		}
		return nil
	}
	if err := tw.do.Prepare(ctx, d.ID); medperf.ErrorCode(err) != medperf.CodeCanceled {
		t.Fatalf("the interrupted preparation: %v", err)
	}
	t.Run("set-operational refuses an unfinished preparation", func(t *testing.T) {
		if _, err := tw.do.SetOperational(ctx, d.ID); medperf.ErrorCode(err) != medperf.CodeConflict {
			t.Fatal(err)
		}
	})
	if err := tw.do.Prepare(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	for task, want := range map[string]int{StepPrepare: 1, StepSanityCheck: 1, StepStatistics: 2} {
		if got := tw.rt.count(task) - base[task]; got != want {
			t.Errorf("%s ran %d times, want %d", task, got, want)
		}
	}
	t.Run("raw data changed since registration is refused", func(t *testing.T) {
		os.WriteFile(filepath.Join(tw.rawData, "case-2.txt"), []byte("new"), 0o644)
		defer os.Remove(filepath.Join(tw.rawData, "case-2.txt"))
		if _, err := tw.do.SetOperational(ctx, d.ID); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatal(err)
		}
	})
	if _, err := tw.do.SetOperational(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	ds, _ := tw.w.Admin.GetDataset(ctx, d.ID)
	if ds.State != medperf.StateOperation || ds.GeneratedUID == "" {
		t.Fatalf("%+v", ds)
	}
}

func TestRunContinuesAndSubmitsOnce(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	d := tw.MustOperationalDataset(t)
	infer, evaluate := tw.rt.count("infer"), tw.rt.count("evaluate")
	// The first model (the approved one) infers, then the run dies in its evaluation.
	tw.rt.fail = func(task string, n int) error {
		if task == "evaluate" && n == evaluate+1 {
			return errKilled
		}
		return nil
	}
	if _, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{}); medperf.ErrorCode(err) != medperf.CodeCanceled {
		t.Fatalf("the interrupted run: %v", err)
	}
	oc, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{})
	if err != nil || len(oc) != 2 || oc[0].Model != tw.model || oc[1].Model != tw.ref {
		t.Fatalf("%+v %v", oc, err)
	}
	if got := tw.rt.count("infer") - infer; got != 2 {
		t.Errorf("infer ran %d times for two models, want 2: a finished step ran again", got)
	}
	t.Run("a second run keeps the local results", func(t *testing.T) {
		oc, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{})
		if err != nil || oc[0].Status != "cached" || oc[1].Status != "cached" {
			t.Fatalf("%+v %v", oc, err)
		}
	})
	key := ResultKey{BenchmarkID: tw.benchmark.ID, ModelID: tw.model, DatasetID: d}
	t.Run("a refusal sends nothing", func(t *testing.T) {
		s := *tw.do
		s.Confirm = func(string, []byte) (bool, error) { return false, nil }
		if _, err := s.SubmitResult(ctx, key); medperf.ErrorCode(err) != medperf.CodeCanceled {
			t.Fatal(err)
		}
		if l, _ := tw.w.Admin.ListResults(ctx, medperf.ResultFilter{DatasetID: d}); l.Total != 0 {
			t.Fatalf("%d results", l.Total)
		}
	})
	first, err := tw.do.SubmitResult(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a retry after a lost answer returns the first result", func(t *testing.T) {
		r, _ := tw.do.LocalResult(key)
		r.Submitted = nil // as if killed before the answer was saved
		tw.do.saveLocalResult(r)
		again, err := tw.do.SubmitResult(ctx, key)
		if err != nil || again.ID != first.ID {
			t.Fatalf("%+v %v", again, err)
		}
		if l, _ := tw.w.Admin.ListResults(ctx, medperf.ResultFilter{DatasetID: d}); l.Total != 1 {
			t.Fatalf("%d results, want 1", l.Total)
		}
	})
	t.Run("a submitted result is refused", func(t *testing.T) {
		if _, err := tw.do.SubmitResult(ctx, key); medperf.ErrorCode(err) != medperf.CodeConflict {
			t.Fatal(err)
		}
	})
	t.Run("a run on prepared data that changed is refused", func(t *testing.T) {
		extra := filepath.Join(tw.do.prepared(d).Data(), "extra.txt")
		os.WriteFile(extra, []byte("x"), 0o644)
		defer os.Remove(extra)
		if _, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{NoCache: true}); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatal(err)
		}
	})
	t.Run("an unfinished run on other data is refused", func(t *testing.T) {
		jr, _ := OpenJournal(tw.do.path(runsDir, fmt.Sprintf("b%d-d%d.journal.json", tw.benchmark.ID, d)))
		jr.Reset(strings.Repeat("0", 64))
		jr.Finish(fmt.Sprintf("model-%d/infer", tw.model))
		if _, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{}); medperf.ErrorCode(err) != medperf.CodeConflict {
			t.Fatal(err)
		}
		if _, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{NoCache: true}); err != nil {
			t.Fatalf("--no-cache starts over: %v", err)
		}
	})
}
