// Package leaderboard aggregates a benchmark's results across datasets
// (sites): for every metric, a model × dataset matrix and, per model, the
// mean across datasets, the case-weighted mean, the worst site, the mean
// rank across datasets and the number of sites, with rows sorted by the
// primary metric. It also writes results and leaderboards as CSV.
//
// It owns the whole leaderboard job: Service streams a caller's data from
// the store (medperf.LeaderboardScanner, the narrow interface the store
// implements, already filtered by what the caller may see) and builds the
// leaderboard, its published form and its exports; the API and the
// dashboard both call it and never each other. Build, Published, ByMetric
// and the CSV writers are pure functions: nothing but Service reads a
// store, and nothing here checks a permission. Package chart draws
// leaderboards as SVG.
package leaderboard
