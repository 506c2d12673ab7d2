package leaderboard

import (
	"context"
	"math"
	"slices"
	"sort"

	"github.com/medperf/medperf"
)

// FromScan builds the caller's leaderboard of a benchmark from a store that
// streams its results (medperf.LeaderboardScanner): the same leaderboard as
// FromData over LeaderboardData, with opts.Metric and opts.MaxCells
// (opts.Models and opts.Datasets are ignored: the store names the
// participants), in memory that does not grow with the number of results.
//
// The results arrive one dataset's column at a time. While the matrix can
// still fit the cell bound the results are kept, and the leaderboard is then
// Build's over them; past it they are dropped, and each column only adds to
// per-model sums (values, case counts, ranks, the worst value), so that the
// build holds one column, the per-model summaries of each board and the
// names of the models and datasets. Free-form results (no declared metrics)
// also keep the set of metric names they hold, for BoardsOmitted.
func FromScan(ctx context.Context, store medperf.LeaderboardScanner, benchmarkID int64, opts Options) (*Leaderboard, error) {
	var s *stream
	names, err := store.ScanLeaderboard(ctx, benchmarkID, func(h medperf.LeaderboardHead) error {
		var err error
		s, err = newStream(h, opts)
		return err
	}, func(r medperf.BoardRow) error {
		s.add(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.finish(names)
}

// stream is one leaderboard being built from a scan.
type stream struct {
	head     medperf.LeaderboardHead
	decl     medperf.MetricSet
	opts     Options
	maxCells int
	// boards are the boards being summed, by metric name: every declared
	// one (or opts.Metric's), or for free-form results the MaxBoards first
	// names in sorted order seen so far (or opts.Metric's).
	boards map[string]*boardSums
	// names is every metric name of free-form results (nil when declared).
	names map[string]bool
	// column holds the latest result of each model on the dataset being
	// read.
	column   []columnEntry
	columnID int64
	models   map[int64]bool
	datasets []int64
	pairs    int
	kept     []Result
	keeping  bool
	casesKey string
	values   []rankedValue
	ranks    []float64
	// free are metrics maps of flushed columns to reuse (once no result is
	// kept), keys the decoder's scratch space and interned the metric
	// names read so far (at most maxInterned).
	free     []map[string]float64
	keys     [][]byte
	interned map[string]string
}

// maxInterned bounds the metric names a build interns: a free-form
// benchmark may hold any number of them.
const maxInterned = 4096

type columnEntry struct {
	id, model int64
	metrics   map[string]float64
	cases     *int64
	signed    bool
}

// rankedValue is the value of a column's entry i on one board.
type rankedValue struct {
	i int
	v float64
}

// boardSums are one board's per-model sums.
type boardSums struct {
	spec   medperf.MetricSpec
	models map[int64]*sums
}

// sums is summarise's state for one model, filled one dataset at a time in
// ascending dataset order, as summarise reads a row of cells.
type sums struct {
	sites          int
	sum, weighted  float64
	rankSum        float64
	weights, cases int64
	uncounted      bool // a value without a case count: no weighted mean
	worst          float64
	worstDataset   int64
	hasWorst       bool
}

func newStream(h medperf.LeaderboardHead, opts Options) (*stream, error) {
	decl, err := medperf.ParseMetricSet(h.Benchmark.Metrics)
	if err != nil {
		return nil, err
	}
	if err := decl.Validate(); err != nil {
		return nil, err
	}
	s := &stream{head: h, decl: decl, opts: opts, maxCells: cellBound(opts.MaxCells), boards: map[string]*boardSums{},
		models: map[int64]bool{}, keeping: true, casesKey: decl.CasesKey(), interned: map[string]string{}}
	if !decl.Declared() {
		s.names = map[string]bool{}
		return s, nil
	}
	specs := boardSpecs(decl, nil)
	if opts.Metric != "" {
		spec, ok := findSpec(specs, opts.Metric)
		if !ok {
			return nil, medperf.FieldError("metric", "no metric %q in this leaderboard; metrics: %s", opts.Metric, specNames(specs))
		}
		specs = []medperf.MetricSpec{spec}
	}
	for _, sp := range specs {
		s.boards[sp.Name] = &boardSums{spec: sp, models: map[int64]*sums{}}
	}
	return s, nil
}

// add takes the next row of the scan.
func (s *stream) add(r medperf.BoardRow) {
	if len(s.column) > 0 && r.Dataset != s.columnID {
		s.flush()
	}
	s.columnID = r.Dataset
	e := columnEntry{id: r.ID, model: r.Model, metrics: s.decode(r.Metrics), signed: r.Signed}
	e.cases = s.cases(e.metrics)
	if n := len(s.column); n > 0 && s.column[n-1].model == r.Model {
		if r.ID > s.column[n-1].id { // the latest result of a pair counts
			s.column[n-1] = e
		}
		return
	}
	s.column = append(s.column, e)
}

// decode is numbers, into a reused map with interned names when it can.
func (s *stream) decode(raw []byte) map[string]float64 {
	var m map[string]float64
	if n := len(s.free); n > 0 {
		m, s.free = s.free[n-1], s.free[:n-1]
	} else {
		m = map[string]float64{}
	}
	if flatNumbersInto(raw, m, &s.keys, s.intern) {
		return m
	}
	return decodeNumbers(raw)
}

func (s *stream) intern(b []byte) string {
	if name, ok := s.interned[string(b)]; ok {
		return name
	}
	name := string(b)
	if len(s.interned) < maxInterned {
		s.interned[name] = name
	}
	return name
}

// flush adds the column read to the sums and, while the matrix may fit,
// keeps its results.
func (s *stream) flush() {
	if len(s.column) == 0 {
		return
	}
	s.datasets = append(s.datasets, s.columnID)
	for _, e := range s.column {
		s.models[e.model] = true
		if s.names != nil {
			s.track(e.metrics)
		}
	}
	s.pairs += len(s.column)
	if s.keeping && s.pairs*max(len(s.boards), 1) > s.maxCells {
		// The matrix has at least this many cells: it will be left out.
		s.keeping, s.kept = false, nil
	}
	if s.keeping {
		for _, e := range s.column {
			s.kept = append(s.kept, Result{ID: e.id, Benchmark: s.head.Benchmark.ID, Model: Entity{ID: e.model},
				Dataset: Entity{ID: s.columnID}, Metrics: e.metrics, Signed: e.signed})
		}
	}
	for _, b := range s.boards {
		s.sumColumn(b)
	}
	if !s.keeping {
		for _, e := range s.column {
			clear(e.metrics)
			s.free = append(s.free, e.metrics)
		}
	}
	s.column = s.column[:0]
}

// track records the metric names of a free-form result and starts the sums
// of those that now belong to the boards. A name seen for the first time
// has no values before this column, so its sums start complete; a name
// dropped for a lower one never returns to the first MaxBoards.
func (s *stream) track(metrics map[string]float64) {
	for k := range metrics {
		if k == s.casesKey || s.names[k] {
			continue
		}
		s.names[k] = true
		if s.opts.Metric != "" {
			if k == s.opts.Metric {
				s.boards[k] = &boardSums{spec: medperf.MetricSpec{Name: k}, models: map[int64]*sums{}}
			}
			continue
		}
		if len(s.boards) >= MaxBoards {
			last := ""
			for name := range s.boards {
				last = max(last, name)
			}
			if k > last {
				continue
			}
			delete(s.boards, last)
		}
		s.boards[k] = &boardSums{spec: medperf.MetricSpec{Name: k}, models: map[int64]*sums{}}
	}
}

// sumColumn adds the column's cells of board b to its sums: the values, the
// case counts and the ranks (as grid.cell, rankColumn and summarise compute
// them).
func (s *stream) sumColumn(b *boardSums) {
	dir := b.spec.Direction
	values := s.values[:0]
	for i, e := range s.column {
		if v, ok := e.metrics[b.spec.Name]; ok && finite(v) {
			values = append(values, rankedValue{i, v})
		}
	}
	ranks := s.ranks[:0]
	for range values {
		ranks = append(ranks, 0)
	}
	if dir.Valid() {
		slices.SortStableFunc(values, func(x, y rankedValue) int {
			switch {
			case dir.Better(x.v, y.v):
				return -1
			case dir.Better(y.v, x.v):
				return 1
			}
			return 0
		})
		for start := 0; start < len(values); {
			end := start + 1
			for end < len(values) && values[end].v == values[start].v {
				end++
			}
			for k := start; k < end; k++ {
				ranks[k] = float64(start+1+end) / 2
			}
			start = end
		}
	}
	for k, rv := range values {
		e := s.column[rv.i]
		m := b.models[e.model]
		if m == nil {
			m = &sums{}
			b.models[e.model] = m
		}
		m.add(rv.v, e.cases, ranks[k], s.columnID, dir)
	}
	s.values, s.ranks = values, ranks
}

// cases is a result's case count, as grid.cell reads it.
func (s *stream) cases(metrics map[string]float64) *int64 {
	if n, ok := metrics[s.casesKey]; ok && finite(n) && n >= 0 && n == math.Trunc(n) && n <= math.MaxInt64/2 {
		c := int64(n)
		return &c
	}
	return nil
}

// add adds one cell; rank counts only in a direction (it is 0 without).
func (m *sums) add(v float64, cases *int64, rank float64, dataset int64, d medperf.Direction) {
	m.sites++
	m.sum += v
	if cases != nil {
		m.cases += *cases
		m.weights += *cases
		m.weighted += v * float64(*cases)
	} else {
		m.uncounted = true
	}
	m.rankSum += rank
	if d.Valid() && (!m.hasWorst || d.Better(m.worst, v)) {
		m.worst, m.worstDataset, m.hasWorst = v, dataset, true
	}
}

// finish ends the scan: Build over the kept results when the matrix fits,
// else the leaderboard of the sums.
func (s *stream) finish(names medperf.LeaderboardNames) (*Leaderboard, error) {
	s.flush()
	models := withIDs(entitiesOf(names.Models), s.models)
	datasets := withIDs(entitiesOf(names.Datasets), idSet(s.datasets))
	specs := s.specs()
	if s.opts.Metric != "" && len(specs) == 0 {
		return nil, medperf.FieldError("metric", "no metric %q in this leaderboard; metrics: %s", s.opts.Metric, s.nameList())
	}
	var lb *Leaderboard
	if s.keeping {
		var err error
		opts := Options{Metric: s.opts.Metric, Models: models, Datasets: datasets, MaxCells: s.opts.MaxCells}
		if lb, err = Build(s.head.Benchmark.ID, s.decl, s.kept, opts); err != nil {
			return nil, err
		}
	} else {
		lb = s.summaries(specs, models, datasets)
	}
	if s.head.Scope == medperf.ScopePublished {
		lb = lb.PublishedWith(s.head.Benchmark.LeaderboardMinSites)
	}
	lb.Scope = s.head.Scope
	return lb, nil
}

// specs are the boards of the leaderboard, in Build's order.
func (s *stream) specs() []medperf.MetricSpec {
	specs := make([]medperf.MetricSpec, 0, len(s.boards))
	if s.decl.Declared() {
		for _, sp := range boardSpecs(s.decl, nil) {
			if s.boards[sp.Name] != nil {
				specs = append(specs, sp)
			}
		}
		return specs
	}
	for _, b := range s.boards {
		specs = append(specs, b.spec)
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	return specs
}

// nameList lists the free-form metric names seen, for an error message.
func (s *stream) nameList() string {
	specs := make([]medperf.MetricSpec, 0, len(s.names))
	for n := range s.names {
		specs = append(specs, medperf.MetricSpec{Name: n})
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	return specNames(specs)
}

// summaries makes the leaderboard of the sums: Build's rows, sorted as
// Build sorts them, and the matrices left out by bound.
func (s *stream) summaries(specs []medperf.MetricSpec, models, datasets []Entity) *Leaderboard {
	lb := &Leaderboard{Benchmark: s.head.Benchmark.ID, CasesMetric: s.casesKey, Models: models, Datasets: datasets}
	if s.names != nil && s.opts.Metric == "" && len(s.names) > MaxBoards {
		lb.BoardsOmitted = len(s.names) - MaxBoards
	}
	byID := make(map[int64]Entity, len(datasets))
	for _, d := range datasets {
		byID[d.ID] = d
	}
	for _, sp := range specs {
		b := Board{Metric: sp.Name, Direction: sp.Direction, Min: sp.Min, Max: sp.Max, Rows: make([]Summary, len(models))}
		for i, m := range models {
			b.Rows[i] = s.boards[sp.Name].models[m.ID].summary(m, sp.Direction, byID)
		}
		lb.Boards = append(lb.Boards, b)
	}
	lb.sortRows(sortMetric(s.decl, s.opts))
	lb.bound(s.maxCells)
	return lb
}

// summary is summarise's Summary of the sums (nil: no value).
func (m *sums) summary(model Entity, d medperf.Direction, datasets map[int64]Entity) Summary {
	s := Summary{Model: model}
	if m == nil || m.sites == 0 {
		return s
	}
	s.Sites, s.Cases = m.sites, m.cases
	s.Mean = ptr(m.sum / float64(m.sites))
	if !m.uncounted && m.weights > 0 {
		s.WeightedMean = ptr(m.weighted / float64(m.weights))
	}
	if d.Valid() {
		s.MeanRank = ptr(m.rankSum / float64(m.sites))
		if m.hasWorst {
			s.Worst = ptr(m.worst)
			ds := datasets[m.worstDataset]
			s.WorstDataset = &ds
		}
	}
	return s
}

func idSet(ids []int64) map[int64]bool {
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// withIDs adds to named (by ascending ID) the IDs it lacks, unnamed, and
// keeps the order by ID.
func withIDs(named []Entity, ids map[int64]bool) []Entity {
	have := make(map[int64]bool, len(named))
	for _, e := range named {
		have[e.ID] = true
	}
	added := false
	for id := range ids {
		if !have[id] {
			named, added = append(named, Entity{ID: id}), true
		}
	}
	if added {
		sort.Slice(named, func(i, j int) bool { return named[i].ID < named[j].ID })
	}
	return named
}
