// Package leaderboard aggregates a benchmark's results across datasets
// (sites): for every metric, a model × dataset matrix and, per model, the
// mean across datasets, the case-weighted mean, the worst site, the mean
// rank across datasets and the number of sites, with rows sorted by the
// primary metric. It also writes results and leaderboards as CSV.
//
// Everything here is a pure function over results the caller has already
// filtered by what the viewer may see; nothing here reads a store or checks
// a permission. Package chart draws leaderboards as SVG.
package leaderboard
