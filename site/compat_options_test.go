package site

import (
	"context"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

func TestRerunSubmitsANewNonFinalResult(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	d := tw.MustOperationalDataset(t)
	k := ResultKey{BenchmarkID: tw.benchmark.ID, ModelID: tw.model, DatasetID: d}
	if _, err := tw.do.Run(ctx, k.BenchmarkID, d, RunOptions{Models: []int64{tw.model}}); err != nil {
		t.Fatal(err)
	}
	first, err := tw.do.SubmitResult(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	oc, err := tw.do.Run(ctx, k.BenchmarkID, d, RunOptions{Models: []int64{tw.model}})
	if err != nil || oc[0].Status != "submitted" {
		t.Fatalf("without Rerun: %v, %v; want the submitted result left alone", oc, err)
	}
	infers := tw.rt.count("infer")
	oc, err = tw.do.Run(ctx, k.BenchmarkID, d, RunOptions{Models: []int64{tw.model}, Rerun: true})
	if err != nil || oc[0].Status != "ran" || tw.rt.count("infer") != infers+1 {
		t.Fatalf("with Rerun: %v, %v (infer ran %d times, before %d)", oc, err, tw.rt.count("infer"), infers)
	}
	lr, err := tw.do.LocalResult(k)
	if err != nil || lr.Previous == nil || lr.Previous.ID != first.ID || lr.Submitted != nil {
		t.Fatalf("local result after the rerun: %+v, %v; want previous %d and not submitted", lr, err, first.ID)
	}
	second, err := tw.do.SubmitResult(ctx, k)
	if err != nil {
		t.Fatalf("submitting the rerun: %v", err)
	}
	if second.ID == first.ID || second.Finalized {
		t.Errorf("new result %d finalized %v; want a new, non-final record besides %d", second.ID, second.Finalized, first.ID)
	}
	got, err := tw.w.Admin.GetResult(ctx, first.ID)
	if err != nil || !got.Finalized {
		t.Errorf("the first result: %+v, %v; want it still finalized", got, err)
	}
}

func TestCompatibilityTestOptions(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	spec := TestSpec{BenchmarkID: tw.benchmark.ID}
	if _, err := tw.mo.Test(ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Run("the demo preparation is reused by default", func(t *testing.T) {
		before := tw.rt.count("prepare")
		if _, err := tw.mo.Test(ctx, spec); err != nil {
			t.Fatal(err)
		}
		if n := tw.rt.count("prepare"); n != before {
			t.Errorf("prepare ran %d more times, want 0", n-before)
		}
	})
	t.Run("NoCache prepares the demo data again", func(t *testing.T) {
		before := tw.rt.count("prepare")
		s := *tw.mo
		s.Options.NoCache = true
		if _, err := s.Test(ctx, spec); err != nil {
			t.Fatal(err)
		}
		if n := tw.rt.count("prepare"); n != before+1 {
			t.Errorf("prepare ran %d more times, want 1", n-before)
		}
	})
	t.Run("SkipDemoPreparation runs no preparator and hashes the demo data as prepared", func(t *testing.T) {
		before := tw.rt.count("prepare")
		s := *tw.mo
		s.Options.SkipDemoPreparation = true
		rep, err := s.Test(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		if n := tw.rt.count("prepare"); n != before {
			t.Errorf("prepare ran %d times, want 0", n-before)
		}
		raw, _, err := s.DemoData(ctx, tw.benchmark.DemoDatasetURL, tw.benchmark.DemoDatasetHash)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Hasher{}.Hash(ctx, raw.Data, raw.Labels)
		if err != nil {
			t.Fatal(err)
		}
		if rep.PreparedHash != want.Hash || rep.Statistics != nil {
			t.Errorf("prepared hash %s, statistics %s; want %s and none", rep.PreparedHash, rep.Statistics, want.Hash)
		}
	})
	t.Run("test ls lists each finished test, test view shows one", func(t *testing.T) {
		ts, err := tw.mo.LocalTests()
		if err != nil || len(ts) < 2 {
			t.Fatalf("LocalTests = %d tests, %v; want the 2 run on this site", len(ts), err)
		}
		one, err := tw.mo.LocalTest(ts[0].ID)
		if err != nil || one.PreparedHash != ts[0].PreparedHash || len(one.Metrics) == 0 {
			t.Errorf("LocalTest(%s) = %+v, %v", ts[0].ID, one, err)
		}
		if ts[0].RanAt.After(ts[1].RanAt) {
			t.Errorf("tests not oldest first: %v then %v", ts[0].RanAt, ts[1].RanAt)
		}
	})
	t.Run("bad test ids", func(t *testing.T) {
		for id, code := range map[string]medperf.Code{"../x": medperf.CodeInvalid, "zzzz": medperf.CodeNotFound} {
			if _, err := tw.mo.LocalTest(id); medperf.ErrorCode(err) != code {
				t.Errorf("LocalTest(%q): %v, want %s", id, err, code)
			}
		}
	})
}

func TestSubmitBenchmarkSkipsTheCompatibilityTest(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	before := tw.rt.count("infer")
	s := *tw.bo
	s.Options.SkipCompatibilityTest = true
	in := medperftest.BenchmarkInput("skipped", tw.prep, tw.ref, tw.eval)
	in.DemoDatasetURL, in.DemoDatasetHash, in.DemoDatasetGeneratedUID = tw.benchmark.DemoDatasetURL, "", ""
	b, rep, err := s.SubmitBenchmark(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if rep != nil || tw.rt.count("infer") != before || len(b.Metadata) > 2 {
		t.Errorf("report %v, infer ran %d times, metadata %s: want no model run and no reference results", rep, tw.rt.count("infer")-before, b.Metadata)
	}
	if b.DemoDatasetGeneratedUID != tw.benchmark.DemoDatasetGeneratedUID || b.DemoDatasetHash != tw.benchmark.DemoDatasetHash {
		t.Errorf("demo hashes %s %s, want those of the same demo data %s %s", b.DemoDatasetHash, b.DemoDatasetGeneratedUID, tw.benchmark.DemoDatasetHash, tw.benchmark.DemoDatasetGeneratedUID)
	}
}
