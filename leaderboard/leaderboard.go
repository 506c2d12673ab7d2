package leaderboard

import (
	"math"
	"sort"
	"strings"

	"github.com/medperf/medperf"
)

// Entity names a model or a dataset.
type Entity struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Result is one finalized result: the metrics one model scored on one
// dataset of a benchmark.
type Result struct {
	ID        int64              `json:"id"`
	Benchmark int64              `json:"benchmark"`
	Model     Entity             `json:"model"`
	Dataset   Entity             `json:"dataset"`
	Metrics   map[string]float64 `json:"metrics"`
	// Signed reports whether the result carries its site's verified
	// signature (docs/trust.md).
	Signed bool `json:"signed"`
}

// Options refine Build.
type Options struct {
	// Models and Datasets list participants to show even without results
	// (for example every approved model): they get a row or a column of
	// missing cells.
	Models   []Entity
	Datasets []Entity
	// Metric, when set, keeps only this metric's board and sorts rows by it
	// instead of the primary metric.
	Metric string
	// MaxCells, when positive and below MaxCells, lowers the number of
	// cells past which the matrices are left out (MatrixOmitted).
	MaxCells int
}

// Leaderboard is a benchmark's results across datasets.
type Leaderboard struct {
	Benchmark int64 `json:"benchmark"`
	// Scope says which results the leaderboard was built from and whether
	// it holds the matrices (see medperf.LeaderboardScope); set by FromData.
	Scope medperf.LeaderboardScope `json:"scope,omitempty"`
	// SortedBy is the metric rows are sorted by; empty when no metric has a
	// direction (free-form results), and then rows are sorted by name.
	SortedBy string `json:"sorted_by"`
	// CasesMetric is the result key read as each result's case count.
	CasesMetric string `json:"cases_metric"`
	// MinSites is k of a published leaderboard: rows with fewer sites are
	// withheld. Zero in a full leaderboard.
	MinSites int `json:"min_sites,omitempty"`
	// Models are the rows, best first; Datasets the columns, by ID.
	Models   []Entity `json:"models"`
	Datasets []Entity `json:"datasets"`
	// Boards holds one board per metric: declared metrics in declaration
	// order with the primary first, or for free-form results every key
	// seen but the case count, sorted; at most MaxBoards.
	Boards []Board `json:"metrics"`
	// BoardsOmitted counts the metrics left out past MaxBoards.
	BoardsOmitted int `json:"metrics_omitted,omitempty"`
	// MatrixOmitted, when set, says why the matrices (every board's
	// Cells) and Datasets are empty: the leaderboard had more than
	// MaxCells cells. The summary rows are complete.
	MatrixOmitted string `json:"matrix_omitted,omitempty"`
}

// Board is one metric's model × dataset matrix and per-model summaries.
type Board struct {
	Metric string `json:"metric"`
	// Direction is empty for a metric the benchmark does not declare: such
	// a metric has no ranks and no worst site.
	Direction medperf.Direction `json:"direction,omitempty"`
	// Min and Max are the declared range, if any.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Cells[i][j] is model Models[i] on dataset Datasets[j].
	Cells [][]Cell `json:"cells"`
	// Rows[i] summarises model Models[i].
	Rows []Summary `json:"rows"`
}

// Cell is one model's value on one dataset. Value is nil when there is no
// result, or when the result lacks this metric or holds a value that is not
// a finite number.
type Cell struct {
	Value *float64 `json:"value"`
	// Cases is the case count the evaluator reported, when it did.
	Cases *int64 `json:"cases,omitempty"`
	// Rank is the model's rank on this dataset (1 is best; tied models
	// share the mean of the positions they occupy); nil without a value or
	// a direction.
	Rank *float64 `json:"rank,omitempty"`
	// Signed reports whether the value comes from a result signed by its
	// site's registered key (docs/trust.md); absent (false) for unsigned
	// results and missing cells.
	Signed bool `json:"signed,omitempty"`
}

// Summary aggregates one model's cells of one board. Every field but Model,
// Position and Sites is nil when it cannot be computed.
type Summary struct {
	Model Entity `json:"model"`
	// Position is the row's place in the leaderboard, from 1.
	Position int `json:"position"`
	// Sites counts the datasets with a value.
	Sites int      `json:"sites"`
	Mean  *float64 `json:"mean"`
	// WeightedMean weighs each value by its case count; nil unless every
	// value has a case count and their sum is positive.
	WeightedMean *float64 `json:"weighted_mean"`
	// Cases is the sum of the known case counts.
	Cases int64 `json:"cases"`
	// Worst is the worst value (by direction) and WorstDataset where it
	// was scored; ties go to the dataset with the lowest ID.
	Worst        *float64 `json:"worst"`
	WorstDataset *Entity  `json:"worst_dataset"`
	// MeanRank is the mean of the model's per-dataset ranks.
	MeanRank *float64 `json:"mean_rank"`
	// Withheld is true in a published leaderboard when fewer sites than
	// the benchmark's k contribute: every aggregate is then nil and Cases
	// 0 (see Leaderboard.PublishedWith).
	Withheld bool `json:"withheld,omitempty"`
}

// Build makes the leaderboard of benchmark from its results and its metrics
// declaration. When two results share a model and a dataset, the one with
// the highest ID counts. It fails with CodeInvalid when decl is not valid,
// when a result belongs to another benchmark, or when opts.Metric is not a
// metric of the leaderboard.
func Build(benchmark int64, decl medperf.MetricSet, results []Result, opts Options) (*Leaderboard, error) {
	if err := decl.Validate(); err != nil {
		return nil, err
	}
	for _, r := range results {
		if r.Benchmark != benchmark {
			return nil, medperf.FieldError("results", "result %d belongs to benchmark %d, not %d", r.ID, r.Benchmark, benchmark)
		}
	}
	lb := &Leaderboard{Benchmark: benchmark, CasesMetric: decl.CasesKey()}
	latest := latestResults(results)
	lb.Models = entities(opts.Models, latest, func(r Result) Entity { return r.Model })
	lb.Datasets = entities(opts.Datasets, latest, func(r Result) Entity { return r.Dataset })

	specs := boardSpecs(decl, latest)
	if opts.Metric != "" {
		spec, ok := findSpec(specs, opts.Metric)
		if !ok {
			return nil, medperf.FieldError("metric", "no metric %q in this leaderboard; metrics: %s", opts.Metric, specNames(specs))
		}
		specs = []medperf.MetricSpec{spec}
	}
	g := grid{lb: lb, latest: latest, casesKey: decl.CasesKey()}
	for _, s := range specs {
		lb.Boards = append(lb.Boards, g.board(s))
	}
	lb.sortRows(sortMetric(decl, opts))
	lb.bound(opts.MaxCells)
	return lb, nil
}

// pair identifies a cell.
type pair struct{ model, dataset int64 }

func latestResults(results []Result) map[pair]Result {
	latest := map[pair]Result{}
	for _, r := range results {
		k := pair{r.Model.ID, r.Dataset.ID}
		if old, ok := latest[k]; !ok || r.ID > old.ID {
			latest[k] = r
		}
	}
	return latest
}

// entities lists the given entities and those of the results, by ID; a
// given entity's name wins over a result's.
func entities(given []Entity, latest map[pair]Result, of func(Result) Entity) []Entity {
	byID := map[int64]Entity{}
	for _, r := range latest {
		e := of(r)
		byID[e.ID] = e
	}
	for _, e := range given {
		byID[e.ID] = e
	}
	list := make([]Entity, 0, len(byID))
	for _, e := range byID {
		list = append(list, e)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list
}

// boardSpecs lists the metrics that get a board.
func boardSpecs(decl medperf.MetricSet, latest map[pair]Result) []medperf.MetricSpec {
	if decl.Declared() {
		specs := make([]medperf.MetricSpec, 0, len(decl.Metrics))
		primary, _ := decl.Primary()
		specs = append(specs, primary)
		for _, m := range decl.Metrics {
			if !m.Primary {
				specs = append(specs, m)
			}
		}
		return specs
	}
	seen := map[string]bool{}
	for _, r := range latest {
		for k := range r.Metrics {
			if k != decl.CasesKey() {
				seen[k] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	sort.Strings(names)
	specs := make([]medperf.MetricSpec, len(names))
	for i, n := range names {
		specs[i] = medperf.MetricSpec{Name: n}
	}
	return specs
}

func findSpec(specs []medperf.MetricSpec, name string) (medperf.MetricSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return medperf.MetricSpec{}, false
}

func specNames(specs []medperf.MetricSpec) string {
	if len(specs) == 0 {
		return "(none)"
	}
	names := make([]string, len(specs))
	for i, sp := range specs {
		names[i] = sp.Name
	}
	return strings.Join(names, ", ")
}

// sortMetric is the metric rows are sorted by: opts.Metric, else the
// primary metric.
func sortMetric(decl medperf.MetricSet, opts Options) string {
	if opts.Metric != "" {
		return opts.Metric
	}
	if p, ok := decl.Primary(); ok {
		return p.Name
	}
	return ""
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
