package leaderboard_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

func ptr(v float64) *float64 { return &v }

var (
	modelA   = leaderboard.Entity{ID: 1, Name: "alpha-net"}
	modelB   = leaderboard.Entity{ID: 2, Name: "beta-net"}
	modelC   = leaderboard.Entity{ID: 3, Name: "gamma-net"}
	modelD   = leaderboard.Entity{ID: 4, Name: "delta-net (no results)"}
	site1    = leaderboard.Entity{ID: 10, Name: "hospital-one"}
	site2    = leaderboard.Entity{ID: 20, Name: "hospital-two"}
	site3    = leaderboard.Entity{ID: 30, Name: "hospital-three"}
	declared = medperf.MetricSet{Metrics: []medperf.MetricSpec{
		{Name: "loss", Direction: medperf.LowerIsBetter},
		{Name: "auc", Direction: medperf.HigherIsBetter, Min: ptr(0), Max: ptr(1), Primary: true},
	}}
)

func result(id int64, m, d leaderboard.Entity, metrics map[string]float64) leaderboard.Result {
	return leaderboard.Result{ID: id, Benchmark: 7, Model: m, Dataset: d, Metrics: metrics}
}

// handMade is a result set with ties on both metrics, a missing cell, a
// missing case count and a model without results (given in options).
func handMade() []leaderboard.Result {
	return []leaderboard.Result{
		result(1, modelA, site1, map[string]float64{"auc": 0.9, "loss": 0.2, "n_cases": 100}),
		result(2, modelA, site2, map[string]float64{"auc": 0.8, "loss": 0.3, "n_cases": 300}),
		result(3, modelA, site3, map[string]float64{"auc": 0.7, "loss": 0.5, "n_cases": 100}),
		result(4, modelB, site1, map[string]float64{"auc": 0.9, "loss": 0.1, "n_cases": 100}),
		result(5, modelB, site2, map[string]float64{"auc": 0.85, "loss": 0.4, "n_cases": 300}),
		result(6, modelC, site1, map[string]float64{"auc": 0.6, "loss": 0.6, "n_cases": 50}),
		result(7, modelC, site2, map[string]float64{"auc": 0.8, "loss": 0.3, "n_cases": 50}),
		result(8, modelC, site3, map[string]float64{"auc": 0.9, "loss": 0.2}),
	}
}

// MustBuild builds a leaderboard of benchmark 7 and fails the test on error.
func MustBuild(tb testing.TB, decl medperf.MetricSet, results []leaderboard.Result, opts leaderboard.Options) *leaderboard.Leaderboard {
	tb.Helper()
	lb, err := leaderboard.Build(7, decl, results, opts)
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return lb
}

func board(tb testing.TB, lb *leaderboard.Leaderboard, metric string) leaderboard.Board {
	tb.Helper()
	for _, b := range lb.Boards {
		if b.Metric == metric {
			return b
		}
	}
	tb.Fatalf("no board for %q", metric)
	return leaderboard.Board{}
}

func near(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-12
}

func show(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// want is one expected summary row.
type want struct {
	model        leaderboard.Entity
	sites        int
	mean, wmean  *float64
	worst        *float64
	worstDataset *leaderboard.Entity
	meanRank     *float64
	cases        int64
}

func checkRows(tb testing.TB, b leaderboard.Board, rows []want) {
	tb.Helper()
	if len(b.Rows) != len(rows) {
		tb.Fatalf("%s: %d rows, want %d", b.Metric, len(b.Rows), len(rows))
	}
	for i, w := range rows {
		got := b.Rows[i]
		if got.Model != w.model || got.Position != i+1 || got.Sites != w.sites || got.Cases != w.cases {
			tb.Errorf("%s row %d: model %v position %d sites %d cases %d; want %v %d %d %d",
				b.Metric, i, got.Model, got.Position, got.Sites, got.Cases, w.model, i+1, w.sites, w.cases)
		}
		if !near(got.Mean, w.mean) || !near(got.WeightedMean, w.wmean) || !near(got.Worst, w.worst) || !near(got.MeanRank, w.meanRank) {
			tb.Errorf("%s row %d (%s): mean %v weighted %v worst %v mean rank %v; want %v %v %v %v", b.Metric, i, w.model.Name,
				show(got.Mean), show(got.WeightedMean), show(got.Worst), show(got.MeanRank),
				show(w.mean), show(w.wmean), show(w.worst), show(w.meanRank))
		}
		if !reflect.DeepEqual(got.WorstDataset, w.worstDataset) {
			tb.Errorf("%s row %d (%s): worst dataset %v, want %v", b.Metric, i, w.model.Name, got.WorstDataset, w.worstDataset)
		}
	}
}

func TestBuildHandMade(t *testing.T) {
	lb := MustBuild(t, declared, handMade(), leaderboard.Options{Models: []leaderboard.Entity{modelD}})

	t.Run("rows are sorted by the primary metric's mean and the model without results is last", func(t *testing.T) {
		wantOrder := []leaderboard.Entity{modelB, modelA, modelC, modelD}
		if !reflect.DeepEqual(lb.Models, wantOrder) || lb.SortedBy != "auc" {
			t.Errorf("models %v sorted by %q, want %v by auc", lb.Models, lb.SortedBy, wantOrder)
		}
		if !reflect.DeepEqual(lb.Datasets, []leaderboard.Entity{site1, site2, site3}) {
			t.Errorf("datasets %v, want by ID", lb.Datasets)
		}
	})
	t.Run("the primary metric's board comes first", func(t *testing.T) {
		if len(lb.Boards) != 2 || lb.Boards[0].Metric != "auc" || lb.Boards[1].Metric != "loss" {
			t.Errorf("boards %v, want auc then loss", []string{lb.Boards[0].Metric, lb.Boards[1].Metric})
		}
	})
	t.Run("higher-is-better summaries share tied ranks", func(t *testing.T) {
		checkRows(t, board(t, lb, "auc"), []want{
			// ranks: site1 B=A=1.5; site2 B=1, A=C=2.5; site3 C=1, A=2.
			{modelB, 2, ptr(0.875), ptr((0.9*100 + 0.85*300) / 400), ptr(0.85), &site2, ptr(1.25), 400},
			{modelA, 3, ptr(0.8), ptr((0.9*100 + 0.8*300 + 0.7*100) / 500), ptr(0.7), &site3, ptr(2), 500},
			// No case count on site3: no weighted mean.
			{modelC, 3, ptr((0.6 + 0.8 + 0.9) / 3), nil, ptr(0.6), &site1, ptr((3 + 2.5 + 1) / 3.0), 100},
			{modelD, 0, nil, nil, nil, nil, nil, 0},
		})
	})
	t.Run("lower-is-better summaries take the highest value as worst", func(t *testing.T) {
		checkRows(t, board(t, lb, "loss"), []want{
			// ranks: site1 B=1, A=2, C=3; site2 A=C=1.5, B=3; site3 C=1, A=2.
			{modelB, 2, ptr(0.25), ptr((0.1*100 + 0.4*300) / 400), ptr(0.4), &site2, ptr(2), 400},
			{modelA, 3, ptr(1.0 / 3), ptr((0.2*100 + 0.3*300 + 0.5*100) / 500), ptr(0.5), &site3, ptr((2 + 1.5 + 2) / 3), 500},
			{modelC, 3, ptr(1.1 / 3), nil, ptr(0.6), &site1, ptr((3 + 1.5 + 1) / 3), 100},
			{modelD, 0, nil, nil, nil, nil, nil, 0},
		})
	})
	t.Run("missing cells are explicit", func(t *testing.T) {
		auc := board(t, lb, "auc")
		if c := auc.Cells[0][2]; c.Value != nil || c.Rank != nil { // beta-net on hospital-three
			t.Errorf("beta-net on hospital-three = %+v, want a missing cell", c)
		}
		for j, c := range auc.Cells[3] {
			if c.Value != nil {
				t.Errorf("delta-net on dataset %d has value %v", j, *c.Value)
			}
		}
		if c := auc.Cells[1][0]; !near(c.Value, ptr(0.9)) || !near(c.Rank, ptr(1.5)) || c.Cases == nil || *c.Cases != 100 {
			t.Errorf("alpha-net on hospital-one = %+v, want 0.9, rank 1.5, 100 cases", c)
		}
		b, err := json.Marshal(auc.Cells[0][2])
		if err != nil || string(b) != `{"value":null}` {
			t.Errorf("a missing cell marshals as %s (%v), want {\"value\":null}", b, err)
		}
	})
}

func TestBuildOrdering(t *testing.T) {
	single := medperf.MetricSet{Metrics: []medperf.MetricSpec{{Name: "err", Direction: medperf.LowerIsBetter, Primary: true}}}
	tests := []struct {
		name    string
		results []leaderboard.Result
		want    []leaderboard.Entity
	}{
		{"lower is better sorts ascending", []leaderboard.Result{
			result(1, modelA, site1, map[string]float64{"err": 0.3}),
			result(2, modelB, site1, map[string]float64{"err": 0.1}),
			result(3, modelC, site1, map[string]float64{"err": 0.2}),
		}, []leaderboard.Entity{modelB, modelC, modelA}},
		{"equal means are split by mean rank", []leaderboard.Result{
			// Both average 0.2; A wins two of three sites.
			result(1, modelA, site1, map[string]float64{"err": 0.1}),
			result(2, modelA, site2, map[string]float64{"err": 0.1}),
			result(3, modelA, site3, map[string]float64{"err": 0.4}),
			result(4, modelB, site1, map[string]float64{"err": 0.2}),
			result(5, modelB, site2, map[string]float64{"err": 0.2}),
			result(6, modelB, site3, map[string]float64{"err": 0.2}),
		}, []leaderboard.Entity{modelA, modelB}},
		{"equal means and ranks are split by the number of sites", []leaderboard.Result{
			result(1, modelA, site1, map[string]float64{"err": 0.5}),
			result(2, modelB, site1, map[string]float64{"err": 0.5}),
			result(3, modelB, site2, map[string]float64{"err": 0.5}),
		}, []leaderboard.Entity{modelB, modelA}},
		{"full ties are split by name", []leaderboard.Result{
			result(1, modelC, site1, map[string]float64{"err": 0.5}),
			result(2, modelA, site1, map[string]float64{"err": 0.5}),
		}, []leaderboard.Entity{modelA, modelC}},
		{"a model without the primary metric comes last", []leaderboard.Result{
			result(1, modelA, site1, map[string]float64{}),
			result(2, modelB, site1, map[string]float64{"err": 9}),
		}, []leaderboard.Entity{modelB, modelA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lb := MustBuild(t, single, tt.results, leaderboard.Options{})
			if !reflect.DeepEqual(lb.Models, tt.want) {
				t.Errorf("models %v, want %v", lb.Models, tt.want)
			}
		})
	}
}

func TestBuildOneSite(t *testing.T) {
	lb := MustBuild(t, declared, []leaderboard.Result{
		result(1, modelA, site1, map[string]float64{"auc": 0.7, "n_cases": 12}),
		result(2, modelB, site1, map[string]float64{"auc": 0.9, "n_cases": 12}),
	}, leaderboard.Options{})
	checkRows(t, board(t, lb, "auc"), []want{
		{modelB, 1, ptr(0.9), ptr(0.9), ptr(0.9), &site1, ptr(1), 12},
		{modelA, 1, ptr(0.7), ptr(0.7), ptr(0.7), &site1, ptr(2), 12},
	})
	checkRows(t, board(t, lb, "loss"), []want{
		{modelB, 0, nil, nil, nil, nil, nil, 0},
		{modelA, 0, nil, nil, nil, nil, nil, 0},
	})
}

func TestBuildSkipsValuesThatAreNotNumbers(t *testing.T) {
	lb := MustBuild(t, declared, []leaderboard.Result{
		result(1, modelA, site1, map[string]float64{"auc": math.NaN(), "n_cases": math.NaN()}),
		result(2, modelA, site2, map[string]float64{"auc": 0.6, "n_cases": 10}),
		result(3, modelB, site1, map[string]float64{"auc": math.Inf(1), "n_cases": 3.5}),
		result(4, modelB, site2, map[string]float64{"auc": 0.5, "n_cases": -2}),
	}, leaderboard.Options{})
	auc := board(t, lb, "auc")
	if c := auc.Cells[0][0]; c.Value != nil || c.Cases != nil {
		t.Errorf("NaN cell = %+v, want missing value and cases", c)
	}
	if c := auc.Cells[1][1]; c.Cases != nil {
		t.Errorf("a negative case count was kept: %+v", c)
	}
	checkRows(t, auc, []want{
		{modelA, 1, ptr(0.6), ptr(0.6), ptr(0.6), &site2, ptr(1), 10},
		{modelB, 1, ptr(0.5), nil, ptr(0.5), &site2, ptr(2), 0},
	})
	if _, err := json.Marshal(lb); err != nil {
		t.Errorf("a leaderboard built from NaN values does not marshal: %v", err)
	}
}

func TestBuildKeepsTheLatestResultOfAPair(t *testing.T) {
	lb := MustBuild(t, declared, []leaderboard.Result{
		result(9, modelA, site1, map[string]float64{"auc": 0.9}),
		result(3, modelA, site1, map[string]float64{"auc": 0.1}),
	}, leaderboard.Options{})
	if c := board(t, lb, "auc").Cells[0][0]; !near(c.Value, ptr(0.9)) {
		t.Errorf("cell = %v, want the value of result 9", show(c.Value))
	}
}

func TestBuildFreeForm(t *testing.T) {
	lb := MustBuild(t, medperf.MetricSet{}, []leaderboard.Result{
		result(1, modelC, site1, map[string]float64{"b": 1, "a": 2, "n_cases": 5}),
		result(2, modelA, site1, map[string]float64{"a": 3}),
	}, leaderboard.Options{})
	if len(lb.Boards) != 2 || lb.Boards[0].Metric != "a" || lb.Boards[1].Metric != "b" {
		t.Fatalf("boards %+v, want a then b without the case count", lb.Boards)
	}
	if lb.SortedBy != "" || !reflect.DeepEqual(lb.Models, []leaderboard.Entity{modelA, modelC}) {
		t.Errorf("sorted by %q, models %v; want by name", lb.SortedBy, lb.Models)
	}
	checkRows(t, lb.Boards[0], []want{
		{modelA, 1, ptr(3), nil, nil, nil, nil, 0},
		{modelC, 1, ptr(2), ptr(2), nil, nil, nil, 5},
	})
}

func TestBuildOneMetric(t *testing.T) {
	lb := MustBuild(t, declared, handMade(), leaderboard.Options{Metric: "loss"})
	if len(lb.Boards) != 1 || lb.Boards[0].Metric != "loss" || lb.SortedBy != "loss" {
		t.Fatalf("boards %d, sorted by %q; want only loss, sorted by it", len(lb.Boards), lb.SortedBy)
	}
	if want := []leaderboard.Entity{modelB, modelA, modelC}; !reflect.DeepEqual(lb.Models, want) {
		t.Errorf("models %v, want %v", lb.Models, want)
	}
}

func TestBuildRefusesBadInput(t *testing.T) {
	tests := []struct {
		name    string
		decl    medperf.MetricSet
		results []leaderboard.Result
		opts    leaderboard.Options
		field   string
	}{
		{"an unknown metric is refused", declared, handMade(), leaderboard.Options{Metric: "dice"}, "metric"},
		{"a result of another benchmark is refused", declared,
			[]leaderboard.Result{{ID: 1, Benchmark: 8, Model: modelA, Dataset: site1}}, leaderboard.Options{}, "results"},
		{"an invalid declaration is refused", medperf.MetricSet{Metrics: []medperf.MetricSpec{{Name: "x", Direction: "up", Primary: true}}},
			nil, leaderboard.Options{}, "metrics[0].direction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := leaderboard.Build(7, tt.decl, tt.results, tt.opts)
			e, ok := err.(*medperf.Error)
			if !ok || e.Code != medperf.CodeInvalid || e.Field != tt.field {
				t.Errorf("error %v, want CodeInvalid on %q", err, tt.field)
			}
		})
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	want := MustBuild(t, declared, handMade(), leaderboard.Options{Models: []leaderboard.Entity{modelD}})
	rng := rand.New(rand.NewPCG(1, 1))
	for range 20 {
		results := handMade()
		rng.Shuffle(len(results), func(i, j int) { results[i], results[j] = results[j], results[i] })
		got := MustBuild(t, declared, results, leaderboard.Options{Models: []leaderboard.Entity{modelD}})
		if !reflect.DeepEqual(got, want) {
			t.Fatal("shuffled results give another leaderboard")
		}
	}
}

func TestBuildWithNothing(t *testing.T) {
	lb := MustBuild(t, declared, nil, leaderboard.Options{})
	if len(lb.Models) != 0 || len(lb.Boards) != 2 {
		t.Errorf("empty leaderboard = %+v, want no models and a board per declared metric", lb)
	}
}

func TestBuildListsParticipantsWithoutResults(t *testing.T) {
	renamed := leaderboard.Entity{ID: modelA.ID, Name: "alpha-net v2"}
	empty := leaderboard.Entity{ID: 99, Name: "new-site"}
	lb := MustBuild(t, declared, handMade()[:1], leaderboard.Options{
		Models: []leaderboard.Entity{renamed}, Datasets: []leaderboard.Entity{empty},
	})
	if want := []leaderboard.Entity{site1, empty}; !reflect.DeepEqual(lb.Datasets, want) {
		t.Errorf("datasets %v, want %v", lb.Datasets, want)
	}
	if want := []leaderboard.Entity{renamed}; !reflect.DeepEqual(lb.Models, want) {
		t.Errorf("models %v, want the given name to win: %v", lb.Models, want)
	}
	if c := board(t, lb, "auc").Cells[0][1]; c.Value != nil {
		t.Errorf("cell on the site without results = %v, want missing", *c.Value)
	}
}

// FuzzBuild checks that any values, NaN and infinities included, give a
// leaderboard without panicking, with ranks within bounds and a JSON form.
func FuzzBuild(f *testing.F) {
	f.Add(0.5, 0.5, 0.1, 3.0, 7.0, int64(1))
	f.Add(math.NaN(), math.Inf(1), math.Inf(-1), -1.0, 2.5, int64(2))
	f.Fuzz(func(t *testing.T, a, b, c, cases, loss float64, id int64) {
		results := []leaderboard.Result{
			result(id, modelA, site1, map[string]float64{"auc": a, "loss": loss, "n_cases": cases}),
			result(id+1, modelB, site1, map[string]float64{"auc": b, "n_cases": cases}),
			result(id+2, modelC, site2, map[string]float64{"auc": c, "loss": a}),
			result(id, modelA, site2, map[string]float64{"auc": c, "loss": b}),
		}
		lb, err := leaderboard.Build(7, declared, results, leaderboard.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, bd := range lb.Boards {
			for _, row := range bd.Cells {
				for _, cell := range row {
					if cell.Rank != nil && (*cell.Rank < 1 || *cell.Rank > float64(len(lb.Models))) {
						t.Errorf("rank %v out of bounds", *cell.Rank)
					}
				}
			}
		}
		if _, err := json.Marshal(lb); err != nil {
			t.Errorf("leaderboard does not marshal: %v", err)
		}
	})
}

func TestPublishedKeepsOnlyAggregates(t *testing.T) {
	lb := MustBuild(t, declared, handMade(), leaderboard.Options{})
	pub := lb.Published()
	if len(pub.Datasets) != 0 || !sameEntities(pub.Models, lb.Models) || len(pub.Boards) != len(lb.Boards) {
		t.Fatalf("published = %+v, want the models and boards without datasets", pub)
	}
	for i, b := range pub.Boards {
		if len(b.Cells) != 0 {
			t.Errorf("board %s keeps %d rows of cells", b.Metric, len(b.Cells))
		}
		for k, r := range b.Rows {
			if r.WorstDataset != nil {
				t.Errorf("board %s row %d names its worst dataset", b.Metric, k)
			}
			full := rowOf(lb.Boards[i], r.Model.ID)
			if r.Sites != full.Sites || (!r.Withheld && !near(r.Mean, full.Mean)) {
				t.Errorf("board %s row %d changed its aggregates", b.Metric, k)
			}
		}
	}
	if lb.Boards[0].Rows[0].WorstDataset == nil || len(lb.Boards[0].Cells) == 0 {
		t.Error("Published changed the leaderboard it was called on")
	}
	b, err := json.Marshal(pub)
	if err != nil || strings.Contains(string(b), "hospital") {
		t.Errorf("published JSON names a dataset (%v): %s", err, b)
	}
}

func TestByMetricEqualsBuildingForThatMetric(t *testing.T) {
	opts := leaderboard.Options{Models: []leaderboard.Entity{modelD}}
	free := []leaderboard.Result{
		result(1, modelC, site1, map[string]float64{"b": 1, "a": 2, "n_cases": 5}),
		result(2, modelA, site1, map[string]float64{"a": 3}),
	}
	for _, tt := range []struct {
		name    string
		decl    medperf.MetricSet
		results []leaderboard.Result
	}{
		{"declared metrics", declared, handMade()},
		{"free-form metrics", medperf.MetricSet{}, free},
		{"no results", declared, nil},
	} {
		full := MustBuild(t, tt.decl, tt.results, opts)
		before, _ := json.Marshal(full)
		for _, b := range full.Boards {
			t.Run(tt.name+": "+b.Metric, func(t *testing.T) {
				want := MustBuild(t, tt.decl, tt.results, leaderboard.Options{Models: opts.Models, Metric: b.Metric})
				got, err := full.ByMetric(b.Metric)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("ByMetric(%s) = %+v, %v\nwant %+v", b.Metric, got, err, want)
				}
				gotPub, err := full.Published().ByMetric(b.Metric)
				if err != nil || !reflect.DeepEqual(gotPub, want.Published()) {
					t.Fatalf("Published().ByMetric(%s) = %+v, %v\nwant %+v", b.Metric, gotPub, err, want.Published())
				}
			})
		}
		if after, _ := json.Marshal(full); !bytes.Equal(before, after) {
			t.Errorf("%s: ByMetric changed the leaderboard it was called on", tt.name)
		}
	}
}

func TestByMetricRefusesAnUnknownMetric(t *testing.T) {
	full := MustBuild(t, declared, handMade(), leaderboard.Options{})
	for _, lb := range []*leaderboard.Leaderboard{full, full.Published()} {
		_, err := lb.ByMetric("dice")
		var e *medperf.Error
		if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "metric" {
			t.Errorf("error %v, want CodeInvalid on metric", err)
		}
	}
}

func sameEntities(a, b []leaderboard.Entity) bool {
	ids := map[int64]int{}
	for _, e := range a {
		ids[e.ID]++
	}
	for _, e := range b {
		ids[e.ID]--
	}
	for _, n := range ids {
		if n != 0 {
			return false
		}
	}
	return len(a) == len(b)
}

func rowOf(b leaderboard.Board, model int64) leaderboard.Summary {
	for _, r := range b.Rows {
		if r.Model.ID == model {
			return r
		}
	}
	return leaderboard.Summary{}
}
