package sqldb

import (
	"context"

	"github.com/medperf/medperf"
)

// UserCard implements medperf.UserDirectory. "Related" is decided in the
// same query: an association row in which one of the two asked to join a
// benchmark the other owns.
func (d *DB) UserCard(ctx context.Context, id int64) (*medperf.UserCard, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var c medperf.UserCard
	var related int
	err = d.read().row(ctx, `SELECT u.id, u.name, u.email,
		CASE WHEN EXISTS (SELECT 1 FROM associations a JOIN benchmarks b ON b.id = a.benchmark_id
			WHERE (b.owner = ? AND a.initiated_by = u.id) OR (b.owner = u.id AND a.initiated_by = ?)) THEN 1 ELSE 0 END
		FROM users u WHERE u.id = ?`, caller.ID, caller.ID, id).Scan(&c.ID, &c.Name, &c.Email, &related)
	if noRows(err) {
		return nil, notFound("user", id)
	}
	if err != nil {
		return nil, internal(err)
	}
	if !medperf.CanSeeEmail(caller, id, related == 1) {
		c.Email = ""
	}
	return &c, nil
}
