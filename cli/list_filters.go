package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
)

// listFilters are MedPerf's list filters on the ls commands of containers,
// models, benchmarks and datasets. --name (containers, models, benchmarks),
// --owner and --state are filtered by the server; --valid, and --name of
// datasets (the API has no such query), are filtered here over every page
// (see clientSide).
type listFilters struct {
	name  string
	owner int64
	state string
	valid bool
}

func addListFilters(c *cobra.Command) *listFilters {
	f := &listFilters{}
	c.Flags().StringVar(&f.name, "name", "", "only the one with this exact name")
	c.Flags().Int64Var(&f.owner, "owner", 0, "only those of this owner (user id)")
	c.Flags().StringVar(&f.state, "state", "", "only DEVELOPMENT or OPERATION ones")
	c.Flags().BoolVar(&f.valid, "valid", false, "only valid ones (leave out those marked invalid)")
	return f
}

// resolve returns the owner and state the server filters by: --owner, or
// the caller with mine; --state checked.
func (f *listFilters) resolve(ctx context.Context, cl *client.Client, mine bool) (int64, medperf.State, error) {
	state := medperf.State(strings.ToUpper(f.state))
	if state != "" && state != medperf.StateDevelopment && state != medperf.StateOperation {
		return 0, "", medperf.FieldError("--state", "%q is not a state: give DEVELOPMENT or OPERATION", f.state)
	}
	if mine && f.owner != 0 {
		return 0, "", medperf.FieldError("--owner", "give --mine or --owner, not both")
	}
	if f.owner < 0 {
		return 0, "", medperf.FieldError("--owner", "%d is not a user id", f.owner)
	}
	if f.owner > 0 {
		return f.owner, state, nil
	}
	owner, err := ownerFilter(ctx, cl, mine)
	return owner, state, err
}

// clientSide filters rows here when keep is not nil: it fetches every page
// (the server cannot filter this way), keeps what keep accepts and cuts the
// result at limit; the total is the number kept.
func clientSide[T any](rows listRows[T], keep func(T) bool) listRows[T] {
	if keep == nil {
		return rows
	}
	return func(ctx context.Context, cl *client.Client, limit int) ([]T, int, error) {
		all, _, err := rows(ctx, cl, 0)
		if err != nil {
			return nil, 0, err
		}
		kept := []T{}
		for _, x := range all {
			if keep(x) {
				kept = append(kept, x)
			}
		}
		total := len(kept)
		if limit > 0 && len(kept) > limit {
			kept = kept[:limit]
		}
		return kept, total, nil
	}
}

// keepCommon is the client-side filter of f for an entity with these
// fields: nil when the server filters everything asked. serverName says
// whether the server filters --name.
func (f *listFilters) keepCommon(serverName bool) func(name string, valid bool) bool {
	byName := f.name != "" && !serverName
	if !f.valid && !byName {
		return nil
	}
	return func(name string, valid bool) bool {
		return (!f.valid || valid) && (!byName || name == f.name)
	}
}

// keeper adapts keepCommon to an entity type.
func keeper[T any](k func(string, bool) bool, fields func(T) (string, bool)) func(T) bool {
	if k == nil {
		return nil
	}
	return func(x T) bool { return k(fields(x)) }
}
