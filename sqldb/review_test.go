package sqldb_test

import (
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// TestReviewGetUserDoesNotLeakIds: a non-admin gets not_found for another
// user's id and for an id that does not exist alike, so ids don't leak.
func TestReviewGetUserDoesNotLeakIds(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		_, errOther := w.Stranger.GetUser(ctx, w.DataOwner.ID)
		wantCode(t, errOther, medperf.CodeNotFound)
		_, errNone := w.Stranger.GetUser(ctx, 1<<40)
		wantCode(t, errNone, medperf.CodeNotFound)
		_, errAdmin := w.Admin.GetUser(ctx, 1<<40)
		wantCode(t, errAdmin, medperf.CodeNotFound)
		if _, err := w.Admin.GetUser(ctx, w.DataOwner.ID); err != nil {
			t.Fatalf("admin: %v", err)
		}
	})
}

// TestReviewAssociationKindIsChecked: the store refuses an association of
// a kind other than dataset or model before looking anything up.
func TestReviewAssociationKindIsChecked(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		_, err := w.Admin.RequestAssociation(ctx, w.Benchmark.ID, "benchmark", medperf.AssociationRequest{ComponentID: w.Model.ID})
		wantCode(t, err, medperf.CodeInvalid)
		if l := medperftest.Must[*medperf.List[medperf.Association]](t)(w.Admin.ListAssociations(ctx, medperf.AssociationFilter{BenchmarkID: w.Benchmark.ID})); l.Total != 0 {
			t.Fatalf("%d associations stored", l.Total)
		}
	})
}
