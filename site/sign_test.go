package site

import (
	"context"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/trust"
)

// TestSubmitSigns checks the site's side of signed results: without a key,
// a benchmark requiring signatures is refused before anything is sent;
// with a registered key the submission carries an envelope that verifies
// and names the run's dataset hash, containers and exact metrics.
func TestSubmitSigns(t *testing.T) {
	ctx := context.Background()
	tw := MustTestWorld(t)
	medperftest.Must[*medperf.Benchmark](t)(tw.w.BenchmarkOwner.UpdateBenchmark(ctx, tw.benchmark.ID,
		medperf.BenchmarkPatch{RequireSignedResults: medperftest.Ptr(true)}))
	d := tw.MustOperationalDataset(t)
	if _, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	key := ResultKey{BenchmarkID: tw.benchmark.ID, ModelID: tw.model, DatasetID: d}
	t.Run("without a key nothing is sent", func(t *testing.T) {
		_, err := tw.do.SubmitResult(ctx, key)
		if medperf.ErrorCode(err) != medperf.CodeForbidden {
			t.Fatalf("%v", err)
		}
		if l, _ := tw.w.Admin.ListResults(ctx, medperf.ResultFilter{DatasetID: d}); l.Total != 0 {
			t.Fatalf("%d results sent", l.Total)
		}
	})
	id := medperftest.MustIdentity(t, tw.w.DataOwner)
	tw.do.Signer, tw.do.Version = id, "test"
	res, err := tw.do.SubmitResult(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Signed {
		t.Fatal("the registry did not keep the signature")
	}
	env, err := trust.ParseEnvelope(res.Envelope)
	if err != nil {
		t.Fatal(err)
	}
	v, err := trust.VerifyEnvelope(ctx, env, []trust.PublicKey{id.Public()})
	if err != nil {
		t.Fatal(err)
	}
	local, _ := tw.do.LocalResult(key)
	if v.Result.Dataset.Hash != local.DataHash || v.Result.Model.ID != tw.model || v.Result.Evaluator.ID != tw.eval ||
		v.Result.Preparator.ID != tw.prep || !trust.SameMetrics(v.Result.Metrics, local.Metrics) || v.Result.MedperfVersion != "test" {
		t.Fatalf("signed %+v for local result %+v", v.Result, local)
	}
	if !trust.SameMetrics(local.Envelope, res.Envelope) { // same JSON up to whitespace
		t.Fatal("the envelope is not kept with the local result")
	}
}
