// Package chart draws leaderboards as SVG for the dashboard: a heatmap of
// models × datasets for one metric, and a strip plot of each model's spread
// across datasets. The functions are pure: they take a leaderboard and
// return markup, so the server can inline it in pages and tests can read it.
//
// The markup is accessible (a <title> and <desc> named by aria-labelledby,
// an aria-label and a visible text label on each mark) and safe to inline:
// every name, which users choose, is escaped. Each mark carries
// data-model, data-dataset and data-value attributes with the IDs and the
// exact value, so browser tests can compare a chart with the API's numbers.
package chart
