package medperftest

import (
	"context"
	"testing"

	"github.com/medperf/medperf"
)

// MustApprove has the component's owner ask to join benchmark and the
// benchmark's owner approve, for any benchmark (World.MustAssociate does the
// same for the world's). Results are only accepted, and leaderboards only
// count them, for datasets approved this way (issue 12, finding 3).
func MustApprove(tb testing.TB, benchmarkOwner, owner User, benchmark int64, kind medperf.ComponentKind, componentID int64) *medperf.Association {
	tb.Helper()
	ctx := context.Background()
	Must[*medperf.Association](tb)(owner.RequestAssociation(ctx, benchmark, kind, medperf.AssociationRequest{ComponentID: componentID}))
	return Must[*medperf.Association](tb)(benchmarkOwner.DecideAssociation(ctx, benchmark, kind, componentID,
		medperf.AssociationDecision{ApprovalStatus: Ptr(medperf.StatusApproved)}))
}
