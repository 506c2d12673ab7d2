package leaderboard

import (
	"sort"

	"github.com/medperf/medperf"
)

// sortRows orders the models, and every board's rows and cells with them,
// by the board of metric: a model with a value before one without, then
// the better mean, the better mean rank, more sites, the name and the ID.
// Without such a board, or when its metric has no direction, models are
// sorted by name and ID.
func (lb *Leaderboard) sortRows(metric string) {
	var key *Board
	for i := range lb.Boards {
		if lb.Boards[i].Metric == metric && lb.Boards[i].Direction.Valid() {
			key = &lb.Boards[i]
			lb.SortedBy = metric
		}
	}
	order := make([]int, len(lb.Models))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := order[a], order[b]
		if key != nil {
			if c := compareSummaries(key.Rows[x], key.Rows[y], key.Direction); c != 0 {
				return c < 0
			}
		}
		mx, my := lb.Models[x], lb.Models[y]
		if mx.Name != my.Name {
			return mx.Name < my.Name
		}
		return mx.ID < my.ID
	})
	lb.Models = permute(lb.Models, order)
	for i := range lb.Boards {
		b := &lb.Boards[i]
		if len(b.Cells) == len(order) { // a published leaderboard has no cells
			b.Cells = permute(b.Cells, order)
		}
		b.Rows = permute(b.Rows, order)
		for p := range b.Rows {
			b.Rows[p].Position = p + 1
		}
	}
}

// compareSummaries returns -1 when x ranks above y, 1 when below, 0 when
// the metric cannot tell them apart.
func compareSummaries(x, y Summary, d medperf.Direction) int {
	switch {
	case x.Mean != nil && y.Mean == nil:
		return -1
	case x.Mean == nil && y.Mean != nil:
		return 1
	case x.Mean == nil:
		return 0
	case d.Better(*x.Mean, *y.Mean):
		return -1
	case d.Better(*y.Mean, *x.Mean):
		return 1
	case *x.MeanRank < *y.MeanRank:
		return -1
	case *x.MeanRank > *y.MeanRank:
		return 1
	case x.Sites != y.Sites:
		if x.Sites > y.Sites {
			return -1
		}
		return 1
	}
	return 0
}

func permute[T any](s []T, order []int) []T {
	out := make([]T, len(s))
	for i, o := range order {
		out[i] = s[o]
	}
	return out
}

// ByMetric returns the leaderboard holding only metric's board, with rows
// sorted by it: what Build gives with Options.Metric, and for a published
// leaderboard what Published gives of that, re-sorted in memory from lb
// without reading or computing anything again. lb is not changed. It fails
// with CodeInvalid on "metric" when lb has no board of metric.
func (lb *Leaderboard) ByMetric(metric string) (*Leaderboard, error) {
	var board *Board
	names := make([]medperf.MetricSpec, len(lb.Boards))
	for i := range lb.Boards {
		names[i] = medperf.MetricSpec{Name: lb.Boards[i].Metric}
		if lb.Boards[i].Metric == metric {
			board = &lb.Boards[i]
		}
	}
	if board == nil {
		return nil, medperf.FieldError("metric", "no metric %q in this leaderboard; metrics: %s", metric, specNames(names))
	}
	out := *lb
	out.SortedBy = ""
	out.Boards = []Board{*board}
	out.sortRows(metric)
	return &out, nil
}
