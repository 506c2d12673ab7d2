package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/medperf/medperf/leaderboard"
)

func f(v float64) *float64 { return &v }

// TestLeaderboardTableShowsSitesAndRanks guards friction 3 of issue 13: one
// metric, the models × sites values with each site's rank, and the same
// number of decimals everywhere.
func TestLeaderboardTableShowsSitesAndRanks(t *testing.T) {
	lb := &leaderboard.Leaderboard{Benchmark: 1,
		Models:   []leaderboard.Entity{{ID: 4, Name: "model-cc"}, {ID: 2, Name: "model-threshold"}},
		Datasets: []leaderboard.Entity{{ID: 1, Name: "site-a"}, {ID: 2, Name: "site-c"}},
		Boards: []leaderboard.Board{{Metric: "dice_mean", Direction: "higher",
			Cells: [][]leaderboard.Cell{
				{{Value: f(0.8123456), Rank: f(1), Signed: true}, {Value: f(0.79), Rank: f(1)}},
				{{Value: f(0.5), Rank: f(2)}, {}},
			},
			Rows: []leaderboard.Summary{
				{Model: leaderboard.Entity{ID: 4, Name: "model-cc"}, Position: 1, Sites: 2, Mean: f(0.8011728), Worst: f(0.79), WorstDataset: &leaderboard.Entity{ID: 2, Name: "site-c"}, MeanRank: f(1)},
				{Model: leaderboard.Entity{ID: 2, Name: "model-threshold"}, Position: 2, Sites: 1, Mean: f(0.5), Worst: f(0.5), MeanRank: f(2)},
			}},
			{Metric: "hd95", Direction: "lower"}},
	}
	tab := leaderboardTable(lb)
	want := []string{"#", "MODEL", "site-a (1)", "site-c (2)", "MEAN", "WEIGHTED MEAN", "WORST", "MEAN RANK", "CASES", "SIGNED"}
	if strings.Join(tab.header, "|") != strings.Join(want, "|") {
		t.Fatalf("header %q, want %q", tab.header, want)
	}
	if got := tab.rows[0][2:5]; got[0] != "0.812 (1)" || got[1] != "0.790 (1)" || got[2] != "0.801" {
		t.Errorf("first row %q: want each site's value with its rank and three decimals", tab.rows[0])
	}
	if got := tab.rows[0][len(tab.rows[0])-1]; got != "1/2" {
		t.Errorf("first row's SIGNED %q, want 1/2 (one of its two site values is signed)", got)
	}
	if got := tab.rows[1][3]; got != "-" {
		t.Errorf("a missing value is %q, want -", got)
	}
	if len(tab.rows) != 2 {
		t.Errorf("%d rows: one metric only, want 2", len(tab.rows))
	}
	if title := leaderboardTitle(lb); !strings.Contains(title, "dice_mean") || !strings.Contains(title, "higher is better") {
		t.Errorf("title %q", title)
	}
	t.Run("digits follow the largest value", func(t *testing.T) {
		b := leaderboard.Board{Rows: []leaderboard.Summary{{Mean: f(12.3456)}, {Mean: f(3.1)}}}
		if d := boardDecimals(b); d != 1 {
			t.Fatalf("decimals %d, want 1", d)
		}
	})
	t.Run("published aggregates show sites as a count", func(t *testing.T) {
		pub := *lb
		pub.Boards = []leaderboard.Board{{Metric: "dice_mean", Rows: lb.Boards[0].Rows}}
		if tab := leaderboardTable(&pub); tab.header[2] != "SITES" || tab.rows[0][2] != "2" || tab.rows[0][len(tab.rows[0])-1] != "-" {
			t.Fatalf("%q %q", tab.header, tab.rows)
		}
	})
}

// TestLeaderboardHelpExampleNamesTheTutorialsMetric guards friction 3: the
// help's --metric example is a metric the tutorial's benchmark declares.
func TestLeaderboardHelpExampleNamesTheTutorialsMetric(t *testing.T) {
	c := newBenchmarkLeaderboardCmd(&env{})
	m := regexp.MustCompile(`--metric (\S+)`).FindStringSubmatch(c.Example)
	doc, err := os.ReadFile("../docs/tutorial.md")
	if err != nil || m == nil {
		t.Fatalf("example %q, %v", c.Example, err)
	}
	if !strings.Contains(string(doc), "{name: "+m[1]+",") {
		t.Fatalf("the example's metric %q is not declared in docs/tutorial.md", m[1])
	}
}
