package sqldb

import (
	"context"

	"github.com/medperf/medperf"
)

// checkTokenCap applies medperf.CheckTokenCap to the user's unrevoked
// tokens, inside the write transaction that adds one: on SQLite writes run
// one at a time; on PostgreSQL the transaction is SERIALIZABLE, so two
// concurrent creations at the cap cannot both pass.
func checkTokenCap(ctx context.Context, c conn, user int64) error {
	n, err := c.count(ctx, `SELECT COUNT(*) FROM tokens WHERE user_id = ? AND revoked_at IS NULL`, user)
	if err != nil {
		return err
	}
	return medperf.CheckTokenCap(n)
}

// checkDraftCap applies medperf.CheckDraftCap to the user's drafts. Result
// submissions run at READ COMMITTED on PostgreSQL, so concurrent drafts of
// one user may pass the cap by as many as run at once: the cap bounds
// growth, it is not an exact quota.
func checkDraftCap(ctx context.Context, c conn, user int64) error {
	n, err := c.count(ctx, `SELECT COUNT(*) FROM results WHERE owner = ? AND NOT finalized`, user)
	if err != nil {
		return err
	}
	return medperf.CheckDraftCap(n)
}
