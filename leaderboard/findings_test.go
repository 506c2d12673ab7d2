package leaderboard_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

// sitesBoard builds a board where model 1 has values on 5 sites, model 2 on
// 2 and model 3 on 1.
func sitesBoard(t *testing.T) *leaderboard.Leaderboard {
	t.Helper()
	var results []leaderboard.Result
	id := int64(0)
	for model, sites := range map[int64]int{1: 5, 2: 2, 3: 1} {
		for s := 1; s <= sites; s++ {
			id++
			results = append(results, leaderboard.Result{ID: id, Benchmark: 7, Model: leaderboard.Entity{ID: model, Name: fmt.Sprintf("m%d", model)},
				Dataset: leaderboard.Entity{ID: int64(s), Name: fmt.Sprintf("site%d", s)}, Metrics: map[string]float64{"dice": 0.99 - float64(model)/10}})
		}
	}
	return MustBuild(t, declared1(t), results, leaderboard.Options{})
}

func declared1(t *testing.T) medperf.MetricSet {
	decl, err := medperf.ParseMetricSet([]byte(`{"metrics": [{"name": "dice", "direction": "higher", "primary": true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return decl
}

// Issue 12, finding 17: a published row with one site is that site's value;
// with two, either site derives the other's.
func TestFinding17PublishedAggregatesNeedKSites(t *testing.T) {
	lb := sitesBoard(t)
	for _, k := range []int{0, 3, 5, 6} {
		t.Run(fmt.Sprintf("k=%d withholds rows with fewer sites", k), func(t *testing.T) {
			want := max(k, medperf.DefaultLeaderboardMinSites)
			pub := lb.PublishedWith(k)
			for _, r := range pub.Boards[0].Rows {
				withheld := r.Sites < want
				if r.Withheld != withheld {
					t.Errorf("model %d with %d sites: withheld %v, want %v", r.Model.ID, r.Sites, r.Withheld, withheld)
				}
				if withheld && (r.Mean != nil || r.WeightedMean != nil || r.Worst != nil || r.MeanRank != nil || r.Cases != 0) {
					t.Errorf("model %d: a withheld row shows an aggregate: %+v", r.Model.ID, r)
				}
				if !withheld && r.Mean == nil {
					t.Errorf("model %d: an aggregate of %d sites is missing", r.Model.ID, r.Sites)
				}
			}
		})
	}
	t.Run("withheld rows come last, ordered by name, not by value", func(t *testing.T) {
		rows := lb.PublishedWith(3).Boards[0].Rows
		if rows[0].Model.ID != 1 || rows[1].Model.ID != 2 || rows[2].Model.ID != 3 {
			t.Errorf("order %d %d %d, want 1 2 3", rows[0].Model.ID, rows[1].Model.ID, rows[2].Model.ID)
		}
	})
	t.Run("the published JSON holds no value of a withheld row", func(t *testing.T) {
		b, _ := json.Marshal(lb.PublishedWith(3))
		var back struct {
			Metrics []struct {
				Rows []map[string]any `json:"rows"`
			} `json:"metrics"`
		}
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		for _, r := range back.Metrics[0].Rows {
			if r["withheld"] == true && r["mean"] != nil {
				t.Errorf("withheld row has a mean: %v", r)
			}
		}
	})
	t.Run("a declared k outside the range is refused", func(t *testing.T) {
		for _, k := range []int{1, 2, medperf.MaxLeaderboardMinSites + 1, -1} {
			if got := medperf.ErrorCode(medperf.CheckLeaderboardMinSites(k)); got != medperf.CodeInvalid {
				t.Errorf("k=%d: code %q, want invalid", k, got)
			}
		}
	})
}

// Issue 12, finding 4: one result with 40,000 metric keys made the
// leaderboard 121 MB, its CSV 212 MB.
func TestFinding4LeaderboardOutputIsBounded(t *testing.T) {
	t.Run("a stored result with 40,000 keys gives at most MaxBoards boards", func(t *testing.T) {
		metrics := map[string]float64{}
		for i := 0; i < 40000; i++ {
			metrics[fmt.Sprintf("k%05d", i)] = float64(i)
		}
		raw, _ := json.Marshal(metrics)
		d := &medperf.LeaderboardData{Benchmark: medperf.Benchmark{Common: medperf.Common{ID: 7}}, Scope: medperf.ScopeAll,
			Results: []medperf.BoardResult{{ID: 1, Model: medperf.Named{ID: 1, Name: "m"}, Dataset: medperf.Named{ID: 1, Name: "d"}, Metrics: raw}}}
		lb, err := leaderboard.FromData(d, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(lb.Boards) != leaderboard.MaxBoards || lb.BoardsOmitted == 0 {
			t.Errorf("%d boards, %d omitted; want %d and a count of the rest", len(lb.Boards), lb.BoardsOmitted, leaderboard.MaxBoards)
		}
		body, _ := json.Marshal(lb)
		var csv bytes.Buffer
		if err := leaderboard.WriteCSV(&csv, lb); err != nil {
			t.Fatal(err)
		}
		if len(body) > 1<<20 || csv.Len() > 1<<20 {
			t.Errorf("JSON %d bytes, CSV %d bytes: not bounded", len(body), csv.Len())
		}
	})
	t.Run("a matrix past MaxCells is left out with a marker, the rows stay", func(t *testing.T) {
		var results []leaderboard.Result
		id := int64(0)
		for m := int64(1); m <= 20; m++ {
			for ds := int64(1); ds <= leaderboard.MaxCells/20+1; ds++ {
				id++
				results = append(results, leaderboard.Result{ID: id, Benchmark: 7, Model: leaderboard.Entity{ID: m, Name: "m"},
					Dataset: leaderboard.Entity{ID: ds, Name: "d"}, Metrics: map[string]float64{"dice": 0.5}})
			}
		}
		lb := MustBuild(t, declared1(t), results, leaderboard.Options{})
		if lb.MatrixOmitted == "" || len(lb.Datasets) != 0 || len(lb.Boards[0].Cells) != 0 {
			t.Fatalf("matrix kept: %q, %d datasets, %d rows of cells", lb.MatrixOmitted, len(lb.Datasets), len(lb.Boards[0].Cells))
		}
		if len(lb.Boards[0].Rows) != 20 || lb.Boards[0].Rows[0].Sites != leaderboard.MaxCells/20+1 {
			t.Errorf("summary rows incomplete: %d rows", len(lb.Boards[0].Rows))
		}
		var csv bytes.Buffer
		if err := leaderboard.WriteCSV(&csv, lb); err != nil {
			t.Fatal(err)
		}
		if err := leaderboard.WriteCSV(&csv, lb.Published()); err != nil {
			t.Fatal(err)
		}
	})
}
