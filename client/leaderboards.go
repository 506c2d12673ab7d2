package client

import (
	"context"
	"net/url"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

// Leaderboard returns the caller's leaderboard of a benchmark (GET
// /benchmarks/{id}/leaderboard): every metric, or only metric when it is
// not empty. Its Scope says whether it holds the matrices.
func (c *Client) Leaderboard(ctx context.Context, benchmarkID int64, metric string) (*leaderboard.Leaderboard, error) {
	q := url.Values{}
	addStr(q, "metric", metric)
	return get[*leaderboard.Leaderboard](ctx, c, path("/benchmarks/%d/leaderboard", benchmarkID), q)
}

// LeaderboardCSV returns the same leaderboard as CSV (see leaderboard.WriteCSV).
func (c *Client) LeaderboardCSV(ctx context.Context, benchmarkID int64, metric string) ([]byte, error) {
	q := url.Values{"format": {"csv"}}
	addStr(q, "metric", metric)
	var out []byte
	_, err := c.do(ctx, "GET", path("/benchmarks/%d/leaderboard", benchmarkID), q, nil, &out)
	return out, err
}

// ResultsCSV exports every result matching f that the caller may see as CSV
// (see leaderboard.WriteResultsCSV); f.Page is ignored.
func (c *Client) ResultsCSV(ctx context.Context, f medperf.ResultFilter) ([]byte, error) {
	q := url.Values{"format": {"csv"}}
	addInt(q, "benchmark", f.BenchmarkID)
	addInt(q, "model", f.ModelID)
	addInt(q, "dataset", f.DatasetID)
	addInt(q, "owner", f.Owner)
	var out []byte
	_, err := c.do(ctx, "GET", "/results", q, nil, &out)
	return out, err
}
