package leaderboard

// Published returns the part of lb a benchmark owner may publish to every
// signed-in user: the per-model aggregate rows, without the model ×
// dataset matrices, the list of datasets or which dataset was a model's
// worst, so that no single site's result can be read from it. lb is not
// changed.
func (lb *Leaderboard) Published() *Leaderboard {
	out := &Leaderboard{
		Benchmark:   lb.Benchmark,
		SortedBy:    lb.SortedBy,
		CasesMetric: lb.CasesMetric,
		Models:      append([]Entity(nil), lb.Models...),
		Datasets:    []Entity{},
		Boards:      make([]Board, len(lb.Boards)),
	}
	for i, b := range lb.Boards {
		rows := append([]Summary(nil), b.Rows...)
		for k := range rows {
			rows[k].WorstDataset = nil
		}
		out.Boards[i] = Board{Metric: b.Metric, Direction: b.Direction, Min: b.Min, Max: b.Max, Cells: [][]Cell{}, Rows: rows}
	}
	return out
}
