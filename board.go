package medperf

import (
	"context"
	"encoding/json"
)

// LeaderboardScope says which results a caller's leaderboard is built from
// and how much of it they see.
type LeaderboardScope string

// The leaderboard scopes.
const (
	// ScopeAll: an admin or the benchmark's owner sees every finalized,
	// valid result, with the model × dataset matrices.
	ScopeAll LeaderboardScope = "all"
	// ScopeVisible: any other caller sees the results the result rules let
	// them see (as a model's or a dataset's owner), with the matrices.
	ScopeVisible LeaderboardScope = "visible"
	// ScopePublished: any other caller of a benchmark whose owner published
	// the leaderboard sees the aggregate rows of every result, without the
	// matrices (see leaderboard.Leaderboard.Published).
	ScopePublished LeaderboardScope = "published"
)

// Named is an entity's ID and name.
type Named struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// BoardResult is one finalized result with the names of its model and
// dataset, as a leaderboard reads it.
type BoardResult struct {
	ID      int64           `json:"id"`
	Model   Named           `json:"model"`
	Dataset Named           `json:"dataset"`
	Metrics json.RawMessage `json:"results"`
	// Signed reports whether the result carries a verified signature by
	// its site's key (docs/trust.md).
	Signed bool `json:"signed"`
}

// LeaderboardData is what a caller's leaderboard of one benchmark is built
// from.
type LeaderboardData struct {
	Benchmark Benchmark        `json:"benchmark"`
	Scope     LeaderboardScope `json:"scope"`
	// Results are the finalized, valid results of the scope, by ID.
	Results []BoardResult `json:"results"`
	// Models and Datasets are the approved participants (the reference
	// model included), listed for ScopeAll only, so that participants
	// without results get empty rows and columns.
	Models   []Named `json:"models"`
	Datasets []Named `json:"datasets"`
}

// LeaderboardScopeFor returns the scope of caller on b (see the constants).
func LeaderboardScopeFor(caller *User, b Benchmark) LeaderboardScope {
	switch {
	case caller != nil && (caller.IsAdmin || caller.ID == b.Owner):
		return ScopeAll
	case b.LeaderboardPublic:
		return ScopePublished
	}
	return ScopeVisible
}

// LeaderboardService reads what leaderboards are built from, whole. With
// LeaderboardScanner (the same data streamed, which is what the server's
// leaderboards are built from) and LeaderboardVersions it is the
// deliberately narrow interface between the store and package
// leaderboard, which builds, publishes and exports leaderboards from it:
// the store answers "which results, models and datasets of this benchmark
// may the caller see", and nothing about ranking or display. A store may
// keep or precompute this data however it likes (package sqldb reads it
// with plain queries today) as long as it honours this contract. It is
// not part of Service: clients use the leaderboard route of the API
// instead.
type LeaderboardService interface {
	// LeaderboardData returns the data of the caller's leaderboard of a
	// benchmark: the benchmark, the caller's scope (LeaderboardScopeFor),
	// the finalized valid results of that scope by ascending ID, and for
	// ScopeAll the approved participants by ascending ID; the slices are
	// never nil. Any signed-in user may call it: CodeUnauthorized without
	// a caller, CodeNotFound for an unknown benchmark.
	LeaderboardData(ctx context.Context, benchmarkID int64) (*LeaderboardData, error)
}

// LeaderboardStamp is what a cached leaderboard is checked against: the
// caller's scope and the benchmark's leaderboard version.
type LeaderboardStamp struct {
	Scope LeaderboardScope
	// Version changes, in the same transaction, with every change that
	// can change the benchmark's leaderboard (a result, an association,
	// the benchmark, a participant's name), on every replica alike.
	Version int64
}

// LeaderboardVersions is what a store implements, beside
// LeaderboardService, so that leaderboards can be cached: a cheap read
// (one indexed row) on every request, which says whether a leaderboard
// built earlier is still current.
type LeaderboardVersions interface {
	// LeaderboardStamp returns the caller's scope on a benchmark and the
	// benchmark's leaderboard version. Any signed-in user may call it:
	// CodeUnauthorized without a caller, CodeNotFound for an unknown
	// benchmark.
	LeaderboardStamp(ctx context.Context, benchmarkID int64) (LeaderboardStamp, error)
}
