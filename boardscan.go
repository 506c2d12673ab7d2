package medperf

import "context"

// LeaderboardHead is what a streamed leaderboard starts from: the benchmark
// and the caller's scope on it (LeaderboardScopeFor).
type LeaderboardHead struct {
	Benchmark Benchmark
	Scope     LeaderboardScope
}

// BoardRow is one finalized, valid result as a streamed leaderboard reads
// it: IDs only (LeaderboardScanner gives the names once, at the end).
type BoardRow struct {
	ID      int64
	Model   int64
	Dataset int64
	// Metrics is the result's metrics object. Its bytes belong to the
	// scanner and are valid only during the call that receives the row:
	// a reader that keeps them must copy them.
	Metrics []byte
	// Signed reports whether the result carries a verified signature by
	// its site's key (docs/trust.md).
	Signed bool
}

// LeaderboardNames names the rows and columns of a streamed leaderboard, by
// ascending ID.
type LeaderboardNames struct {
	Models   []Named
	Datasets []Named
}

// LeaderboardScanner is what a store implements, beside LeaderboardService,
// so that a leaderboard is built in memory that does not grow with the
// number of results: the same data as LeaderboardData, streamed one result
// at a time in the order a leaderboard ranks them (one dataset's column
// after another) instead of loaded whole (issue 11: a million results took
// 1.3 GB).
type LeaderboardScanner interface {
	// ScanLeaderboard reads the caller's leaderboard data of a benchmark.
	// It calls head once with the benchmark and the caller's scope, then
	// row for each finalized valid result of that scope (the results
	// LeaderboardData gives) by ascending dataset ID, model ID and result
	// ID, and returns the names: for ScopeAll the approved participants
	// (as LeaderboardData's Models and Datasets; every row's model and
	// dataset is one of them), for the other scopes the models and
	// datasets of the rows. An error from head or row stops the scan and
	// is returned as is. Any signed-in user may call it: CodeUnauthorized
	// without a caller, CodeNotFound for an unknown benchmark (before
	// head is called).
	ScanLeaderboard(ctx context.Context, benchmarkID int64, head func(LeaderboardHead) error, row func(BoardRow) error) (LeaderboardNames, error)
}
