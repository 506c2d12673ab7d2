package chart_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/leaderboard/chart"
)

// TestIssue12Finding5ChartsHandleAnyFiniteRange: values spanning ±1e308
// made max−min overflow, and colour() indexed its stops with int(NaN).
func TestIssue12Finding5ChartsHandleAnyFiniteRange(t *testing.T) {
	sets := map[string][]float64{
		"±MaxFloat64":      {-math.MaxFloat64, math.MaxFloat64, 0},
		"±1e308":           {-1e308, 1e308, 3},
		"one huge value":   {math.MaxFloat64},
		"one tiny value":   {-math.MaxFloat64},
		"subnormal spread": {5e-324, 1e-323},
	}
	for name, values := range sets {
		t.Run(name+" draws without panicking", func(t *testing.T) {
			var rs []leaderboard.Result
			for i, v := range values {
				rs = append(rs, leaderboard.Result{ID: int64(i + 1), Benchmark: 1, Model: leaderboard.Entity{ID: int64(i + 1), Name: "m" + strconv.Itoa(i)},
					Dataset: siteA, Metrics: map[string]float64{"dice": v, "hd95": v, "free": v}})
			}
			lb, err := leaderboard.Build(1, decl, rs, leaderboard.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for kind, markup := range charts(t, lb) {
				for _, c := range withClass(mustParseSVG(t, markup), "cell") {
					if c.attrs["data-missing"] == "true" {
						continue
					}
					if f := c.child("rect"); f == nil || len(f.attrs["fill"]) != 7 {
						t.Errorf("%s: cell %v has no colour", kind, c.attrs)
					}
				}
			}
		})
	}
}

func TestHeatmapScalesToTheObservedRange(t *testing.T) {
	// dice is declared 0–1, but the values sit in 0.82–0.91: the worst
	// must still get the palest colour and the best the darkest.
	lb, err := leaderboard.Build(1, decl, []leaderboard.Result{
		{ID: 1, Benchmark: 1, Model: plain, Dataset: siteA, Metrics: map[string]float64{"dice": 0.82}},
		{ID: 2, Benchmark: 1, Model: evil, Dataset: siteA, Metrics: map[string]float64{"dice": 0.91}},
	}, leaderboard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	markup, _ := chart.Heatmap(lb, "dice")
	fills := map[string]string{}
	for _, c := range withClass(mustParseSVG(t, markup), "cell") {
		fills[c.attrs["data-value"]] = c.child("rect").attrs["fill"]
	}
	if fills["0.82"] != "#fde725" || fills["0.91"] != "#440154" {
		t.Errorf("fills %v: want the worst observed value at viridis yellow #fde725 and the best at purple #440154", fills)
	}
	legends := withClass(mustParseSVG(t, markup), "legend")
	if len(legends) != 1 || legends[0].attrs["aria-label"] != "colour scale from 0.82 (worst) to 0.91 (best)" {
		t.Errorf("legend %v, want the observed range", legends)
	}
}

func TestHeatmapMarksTheBestModelAtEachSite(t *testing.T) {
	lb := MustLeaderboard(t)
	tests := []struct {
		metric string
		best   map[string]string // dataset ID -> model ID
	}{
		{"dice", map[string]string{"10": "1", "20": "2"}},
		{"hd95", map[string]string{"10": "1", "20": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.metric+" marks one best per dataset and ranks the rest", func(t *testing.T) {
			markup, _ := chart.Heatmap(lb, tt.metric)
			got := map[string]string{}
			for _, c := range withClass(mustParseSVG(t, markup), "cell") {
				if c.attrs["data-missing"] == "true" {
					continue
				}
				rank := c.attrs["data-rank"]
				if rank == "" {
					t.Errorf("cell %v has no rank", c.attrs)
				}
				if c.attrs["data-best"] == "true" {
					if rank != "1" {
						t.Errorf("best cell %v has rank %s", c.attrs, rank)
					}
					got[c.attrs["data-dataset"]] = c.attrs["data-model"]
				}
				if r := withClass([]*element{c.children[len(c.children)-1]}, "rank"); len(r) != 1 {
					t.Errorf("cell %v shows no rank label", c.attrs)
				}
			}
			if len(got) != len(tt.best) {
				t.Fatalf("best cells %v, want %v", got, tt.best)
			}
			for d, m := range tt.best {
				if got[d] != m {
					t.Errorf("best at dataset %s is model %s, want %s", d, got[d], m)
				}
			}
		})
	}
	t.Run("a metric without a direction marks no best", func(t *testing.T) {
		lb, _ := leaderboard.Build(1, medperf.MetricSet{}, []leaderboard.Result{
			{ID: 1, Benchmark: 1, Model: plain, Dataset: siteA, Metrics: map[string]float64{"score": 3}},
		}, leaderboard.Options{})
		markup, _ := chart.Heatmap(lb, "score")
		for _, c := range withClass(mustParseSVG(t, markup), "cell") {
			if c.attrs["data-best"] != "" || c.attrs["data-rank"] != "" {
				t.Errorf("cell %v is ranked without a direction", c.attrs)
			}
		}
	})
}

func TestHeatmapHeadersKeepLongNamesApart(t *testing.T) {
	a := leaderboard.Entity{ID: 10, Name: "regional clinic north"}
	b := leaderboard.Entity{ID: 20, Name: "regional clinic south"}
	lb, err := leaderboard.Build(1, decl, []leaderboard.Result{
		{ID: 1, Benchmark: 1, Model: plain, Dataset: a, Metrics: map[string]float64{"dice": 0.5}},
		{ID: 2, Benchmark: 1, Model: plain, Dataset: b, Metrics: map[string]float64{"dice": 0.6}},
	}, leaderboard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	markup, _ := chart.Heatmap(lb, "dice")
	var lines []string
	for _, e := range mustParseSVG(t, markup) {
		if e.name == "tspan" {
			lines = append(lines, e.text)
		}
	}
	want := []string{"regional", "clinic north", "regional", "clinic south"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("header lines %q, want %q", lines, want)
	}
}
