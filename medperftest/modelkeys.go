package medperftest

import (
	"context"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// ModelSecret is a made-up model owner's secret, 32 bytes like MedPerf's.
var ModelSecret = []byte("medperf-test-model-secret-32byte")

// MustGrantable approves the World's dataset and model in its benchmark
// and registers a key for the data owner, so that the model's owner may
// grant the data owner access; it returns the data owner's identity.
func (w *World) MustGrantable(tb testing.TB) *trust.Identity {
	tb.Helper()
	w.MustAssociate(tb, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	w.MustAssociate(tb, medperf.KindModel, w.ModelOwner, w.Model.ID)
	return MustIdentity(tb, w.DataOwner)
}

// MustWrap wraps ModelSecret for ids.
func MustWrap(tb testing.TB, ids ...*trust.Identity) string {
	tb.Helper()
	pubs := make([]trust.PublicKey, len(ids))
	for i, id := range ids {
		pubs[i] = id.Public()
	}
	return string(Must[[]byte](tb)(trust.WrapSecret(ModelSecret, pubs...)))
}

// MustGrant has the model's owner grant the data owner (identity id) access
// to the World's model, and returns the grant.
func (w *World) MustGrant(tb testing.TB, id *trust.Identity) *medperf.ModelKey {
	tb.Helper()
	return Must[*medperf.ModelKey](tb)(w.ModelOwner.GrantModelKey(context.Background(), w.Benchmark.ID, w.Model.ID,
		medperf.ModelKeyInput{UserID: w.DataOwner.ID, WrappedKey: MustWrap(tb, id)}))
}
