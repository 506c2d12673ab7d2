package leaderboard

import (
	"math"
	"sort"

	"github.com/medperf/medperf"
)

// grid builds boards over the leaderboard's models and datasets.
type grid struct {
	lb       *Leaderboard
	latest   map[pair]Result
	casesKey string
}

func (g grid) board(spec medperf.MetricSpec) Board {
	b := Board{Metric: spec.Name, Direction: spec.Direction, Min: spec.Min, Max: spec.Max}
	b.Cells = make([][]Cell, len(g.lb.Models))
	for i, m := range g.lb.Models {
		b.Cells[i] = make([]Cell, len(g.lb.Datasets))
		for j, d := range g.lb.Datasets {
			b.Cells[i][j] = g.cell(spec.Name, m.ID, d.ID)
		}
	}
	if spec.Direction.Valid() {
		for j := range g.lb.Datasets {
			rankColumn(b.Cells, j, spec.Direction)
		}
	}
	b.Rows = make([]Summary, len(g.lb.Models))
	for i, m := range g.lb.Models {
		b.Rows[i] = summarise(m, b.Cells[i], g.lb.Datasets, spec.Direction)
	}
	return b
}

func (g grid) cell(metric string, model, dataset int64) Cell {
	r, ok := g.latest[pair{model, dataset}]
	if !ok {
		return Cell{}
	}
	var c Cell
	if v, ok := r.Metrics[metric]; ok && finite(v) {
		c.Value = &v
		c.Signed = r.Signed
	}
	if n, ok := r.Metrics[g.casesKey]; ok && finite(n) && n >= 0 && n == math.Trunc(n) && n <= math.MaxInt64/2 {
		cases := int64(n)
		c.Cases = &cases
	}
	return c
}

// rankColumn ranks the values of column j: 1 is best, and tied values
// share the mean of the positions they occupy (1, 2.5, 2.5, 4).
func rankColumn(cells [][]Cell, j int, d medperf.Direction) {
	var rows []int
	for i := range cells {
		if cells[i][j].Value != nil {
			rows = append(rows, i)
		}
	}
	value := func(k int) float64 { return *cells[rows[k]][j].Value }
	sort.SliceStable(rows, func(a, b int) bool { return d.Better(*cells[rows[a]][j].Value, *cells[rows[b]][j].Value) })
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && value(end) == value(start) {
			end++
		}
		// Positions start+1 .. end share their mean.
		rank := float64(start+1+end) / 2
		for k := start; k < end; k++ {
			r := rank
			cells[rows[k]][j].Rank = &r
		}
		start = end
	}
}

func summarise(model Entity, cells []Cell, datasets []Entity, d medperf.Direction) Summary {
	s := Summary{Model: model}
	var sum, weighted, rankSum float64
	var weights int64
	allCounted := true
	for j, c := range cells {
		if c.Value == nil {
			continue
		}
		v := *c.Value
		s.Sites++
		sum += v
		if c.Cases != nil {
			s.Cases += *c.Cases
			weights += *c.Cases
			weighted += v * float64(*c.Cases)
		} else {
			allCounted = false
		}
		if c.Rank != nil {
			rankSum += *c.Rank
		}
		if d.Valid() && (s.Worst == nil || d.Better(*s.Worst, v)) {
			s.Worst = ptr(v)
			ds := datasets[j]
			s.WorstDataset = &ds
		}
	}
	if s.Sites == 0 {
		return s
	}
	s.Mean = ptr(sum / float64(s.Sites))
	if allCounted && weights > 0 {
		s.WeightedMean = ptr(weighted / float64(weights))
	}
	if d.Valid() {
		s.MeanRank = ptr(rankSum / float64(s.Sites))
	}
	return s
}

func ptr(v float64) *float64 { return &v }
