package leaderboard

import "github.com/medperf/medperf"

// Published returns PublishedWith(medperf.DefaultLeaderboardMinSites).
func (lb *Leaderboard) Published() *Leaderboard {
	return lb.PublishedWith(medperf.DefaultLeaderboardMinSites)
}

// PublishedWith returns the part of lb a benchmark owner may publish to
// every signed-in user: the per-model aggregate rows, without the model ×
// dataset matrices, the list of datasets or which dataset was a model's
// worst, and with the aggregates of every row that combines fewer than k
// sites withheld (Summary.Withheld): with one site an aggregate is that
// site's value, with two either site derives the other's from the mean
// (issue 12, finding 17). k below medperf.DefaultLeaderboardMinSites
// counts as the default. Rows are sorted again, so that withheld rows
// (which have no mean) come last by name and their order tells nothing.
// lb is not changed.
func (lb *Leaderboard) PublishedWith(k int) *Leaderboard {
	k = max(k, medperf.DefaultLeaderboardMinSites)
	out := &Leaderboard{
		Benchmark:   lb.Benchmark,
		SortedBy:    "",
		CasesMetric: lb.CasesMetric,
		MinSites:    k,
		Models:      append([]Entity(nil), lb.Models...),
		Datasets:    []Entity{},
		Boards:      make([]Board, len(lb.Boards)),
		// BoardsOmitted stays: it tells how many metrics exist.
		BoardsOmitted: lb.BoardsOmitted,
	}
	for i, b := range lb.Boards {
		rows := append([]Summary(nil), b.Rows...)
		for r := range rows {
			rows[r].WorstDataset = nil
			if rows[r].Sites > 0 && rows[r].Sites < k {
				rows[r] = Summary{Model: rows[r].Model, Position: rows[r].Position, Sites: rows[r].Sites, Withheld: true}
			}
		}
		out.Boards[i] = Board{Metric: b.Metric, Direction: b.Direction, Min: b.Min, Max: b.Max, Cells: [][]Cell{}, Rows: rows}
	}
	out.sortRows(lb.SortedBy)
	return out
}
