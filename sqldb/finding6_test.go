package sqldb_test

import (
	"encoding/json"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// TestFinding6AssociationMetadataHasResultVisibility: the metadata of an
// association (the compatibility test of the reference model on a
// hospital's data, or of a model on the demo data) is seen, in lists and
// histories, by exactly the parties of CanSeeResult: the admin, the
// benchmark's owner and the component's owner. Everyone else gets the rows
// without it (it was readable by any user).
func TestFinding6AssociationMetadataHasResultVisibility(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		meta := json.RawMessage(`{"dice":0.42}`)
		for _, c := range []struct {
			kind  medperf.ComponentKind
			owner medperftest.User
			id    int64
		}{{medperf.KindDataset, w.DataOwner, w.Dataset.ID}, {medperf.KindModel, w.ModelOwner, w.Model.ID}} {
			medperftest.Must[*medperf.Association](t)(c.owner.RequestAssociation(ctx, w.Benchmark.ID, c.kind,
				medperf.AssociationRequest{ComponentID: c.id, Metadata: meta}))
		}
		want := map[string]map[medperf.ComponentKind]bool{
			"admin":           {medperf.KindDataset: true, medperf.KindModel: true},
			"benchmark owner": {medperf.KindDataset: true, medperf.KindModel: true},
			"data owner":      {medperf.KindDataset: true, medperf.KindModel: false},
			"model owner":     {medperf.KindDataset: false, medperf.KindModel: true},
			"stranger":        {medperf.KindDataset: false, medperf.KindModel: false},
		}
		users := map[string]medperftest.User{"admin": w.Admin, "benchmark owner": w.BenchmarkOwner,
			"data owner": w.DataOwner, "model owner": w.ModelOwner, "stranger": w.Stranger}
		for name, u := range users {
			for kind, sees := range want[name] {
				viewers := medperf.AssociationViewers{Kind: kind, BenchmarkOwner: w.BenchmarkOwner.ID, ComponentOwner: w.DataOwner.ID}
				component := w.Dataset.ID
				if kind == medperf.KindModel {
					viewers.ComponentOwner, component = w.ModelOwner.ID, w.Model.ID
				}
				if got := medperf.CanSeeAssociationMetadata(&u.User, viewers); got != sees {
					t.Errorf("%s, %s: CanSeeAssociationMetadata = %v, want %v", name, kind, got, sees)
				}
				l := medperftest.Must[*medperf.List[medperf.Association]](t)(u.ListAssociations(ctx,
					medperf.AssociationFilter{BenchmarkID: w.Benchmark.ID, Kind: kind}))
				if len(l.Items) != 1 {
					t.Fatalf("%s, %s: %d rows listed, want 1 (the rows stay visible)", name, kind, len(l.Items))
				}
				h := medperftest.Must[[]medperf.Association](t)(u.AssociationHistory(ctx, w.Benchmark.ID, kind, component))
				for where, got := range map[string]json.RawMessage{"list": l.Items[0].Metadata, "history": h[0].Metadata} {
					if (len(got) > 0) != sees {
						t.Errorf("%s, %s %s: metadata %s, want seen=%v", name, kind, where, got, sees)
					}
				}
			}
		}
	})
}
