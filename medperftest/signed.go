package medperftest

import (
	"context"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// MustSignedBenchmark registers and approves a benchmark over the World's
// containers that requires signed results (the default for new benchmarks).
func (w *World) MustSignedBenchmark(tb testing.TB) *medperf.Benchmark {
	tb.Helper()
	in := BenchmarkInput("signed", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
	in.RequireSignedResults = nil
	b := MustBenchmark(tb, w.BenchmarkOwner, in)
	return Must[*medperf.Benchmark](tb)(w.Admin.UpdateBenchmark(context.Background(), b.ID,
		medperf.BenchmarkPatch{ApprovalStatus: Ptr(medperf.StatusApproved)}))
}

// MustIdentity returns a fresh key pair, registered for u (through the
// store as u, or a client logged in as u).
func MustIdentity(tb testing.TB, u User) *trust.Identity {
	tb.Helper()
	id := Must[*trust.Identity](tb)(trust.NewIdentity())
	Must[*medperf.Key](tb)(u.Service.RegisterKey(context.Background(), medperf.KeyInput{PublicKey: id.Public().AuthorizedKey(), Name: "test"}))
	return id
}

// Sign returns in with an envelope signed by id over its ids and metrics;
// the digests are made up (the registry checks ids and metrics only).
func Sign(tb testing.TB, id *trust.Identity, in medperf.ResultInput) medperf.ResultInput {
	tb.Helper()
	metrics := Must[[]byte](tb)(trust.CompactMetrics(in.Metrics))
	claim := func(cid int64) trust.ContainerClaim {
		return trust.ContainerClaim{ID: cid, ImageDigest: Hash("image"), ConfigHash: Hash("config")}
	}
	st := Must[*trust.Statement](tb)(trust.NewResultStatement(trust.ResultPredicate{
		Benchmark: in.BenchmarkID, Dataset: trust.DatasetClaim{ID: in.DatasetID, Hash: Hash("data")},
		Model: claim(in.ModelID), Evaluator: claim(1), Preparator: claim(1), Metrics: metrics,
		MedperfVersion: "test", Time: time.Now().UTC().Truncate(time.Second)}))
	env := Must[*trust.Envelope](tb)(trust.SignStatement(context.Background(), st, id))
	in.Metrics = metrics
	in.Envelope = Must[[]byte](tb)(trust.MarshalEnvelope(env))
	return in
}
