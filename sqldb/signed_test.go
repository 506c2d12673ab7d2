package sqldb_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
	"github.com/medperf/medperf/trust"
)

// TestSignedResults checks the registry's side of signed results: a
// benchmark requiring signatures refuses unsigned results, accepts one
// signed by a registered key (and keeps its envelope), and refuses envelopes
// signed by other or revoked keys, over other metrics or ids, or altered.
func TestSignedResults(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		b := w.MustSignedBenchmark(t)
		if !b.RequireSignedResults {
			t.Fatal("a new benchmark does not require signed results by default")
		}
		medperftest.MustApprove(t, w.BenchmarkOwner, w.DataOwner, b.ID, medperf.KindDataset, w.Dataset.ID)
		id := medperftest.MustIdentity(t, w.DataOwner)
		in := medperf.ResultInput{BenchmarkID: b.ID, ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.8)}
		t.Run("unsigned is refused", func(t *testing.T) {
			_, _, err := w.DataOwner.SubmitResult(ctx, in)
			wantCode(t, err, medperf.CodeForbidden)
		})
		t.Run("bad envelopes are refused", func(t *testing.T) {
			stranger, _ := trust.NewIdentity()
			other := in
			other.Metrics = medperftest.Metrics(0.1)
			otherModel := in
			otherModel.ModelID = w.Model.ID
			signed := medperftest.Sign(t, id, in)
			tampered := signed
			tampered.Envelope = json.RawMessage(strings.Replace(string(signed.Envelope), `"sig":"`, `"sig":"A`, 1))
			swapped := medperftest.Sign(t, id, other)
			swapped.Metrics = signed.Metrics
			for name, bad := range map[string]medperf.ResultInput{
				"an unregistered key":        medperftest.Sign(t, stranger, in),
				"other metrics than signed":  swapped,
				"a signature for another id": func() medperf.ResultInput { s := medperftest.Sign(t, id, otherModel); s.ModelID = in.ModelID; return s }(),
				"an altered signature":       tampered,
				"not an envelope":            func() medperf.ResultInput { s := signed; s.Envelope = json.RawMessage(`{"x":1}`); return s }(),
			} {
				t.Run(name, func(t *testing.T) {
					_, _, err := w.DataOwner.SubmitResult(ctx, bad)
					wantCode(t, err, medperf.CodeInvalid)
				})
			}
		})
		t.Run("signed by a registered key is accepted and kept", func(t *testing.T) {
			signed := medperftest.Sign(t, id, in)
			r, created, err := w.DataOwner.SubmitResult(ctx, signed)
			if err != nil || !created {
				t.Fatalf("created %v, %v", created, err)
			}
			got, err := w.BenchmarkOwner.GetResult(ctx, r.ID)
			if err != nil || !got.Signed {
				t.Fatalf("result %+v, %v", got, err)
			}
			env, err := trust.ParseEnvelope(got.Envelope)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := trust.VerifyEnvelope(ctx, env, []trust.PublicKey{id.Public()}); err != nil {
				t.Fatalf("the stored envelope does not verify: %v", err)
			}
		})
		t.Run("a revoked key signs nothing new", func(t *testing.T) {
			keys, _ := db.ListKeys(medperf.WithCaller(ctx, &w.DataOwner.User), 0)
			if _, err := db.RevokeKey(medperf.WithCaller(ctx, &w.DataOwner.User), keys[0].ID); err != nil {
				t.Fatal(err)
			}
			late := in
			late.DatasetID = medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("late", w.Preparator.ID, medperf.StateOperation)).ID
			medperftest.MustApprove(t, w.BenchmarkOwner, w.DataOwner, b.ID, medperf.KindDataset, late.DatasetID)
			_, _, err := w.DataOwner.SubmitResult(ctx, medperftest.Sign(t, id, late))
			wantCode(t, err, medperf.CodeInvalid)
		})
	})
}

// TestPrivacyFloor checks that the registry refuses a result computed on
// fewer cases than the benchmark's min_cases, and accepts one at the floor.
func TestPrivacyFloor(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		in := medperftest.BenchmarkInput("floor", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
		in.Metrics = json.RawMessage(`{"min_cases": 10}`)
		b := medperftest.MustBenchmark(t, w.BenchmarkOwner, in)
		b = medperftest.Must[*medperf.Benchmark](t)(w.Admin.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{ApprovalStatus: medperftest.Ptr(medperf.StatusApproved)}))
		medperftest.MustApprove(t, w.BenchmarkOwner, w.DataOwner, b.ID, medperf.KindDataset, w.Dataset.ID)
		r := medperf.ResultInput{BenchmarkID: b.ID, ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: json.RawMessage(`{"dice": 0.5, "n_cases": 9}`)}
		_, _, err := w.DataOwner.SubmitResult(ctx, r)
		wantCode(t, err, medperf.CodeForbidden)
		r.Metrics = json.RawMessage(`{"dice": 0.5, "n_cases": 10}`)
		if _, _, err := w.DataOwner.SubmitResult(ctx, r); err != nil {
			t.Fatal(err)
		}
	})
}
