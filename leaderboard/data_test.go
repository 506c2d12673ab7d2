package leaderboard_test

import (
	"encoding/json"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

// data is a benchmark (declaring dice, or nothing) with two results on one
// dataset and an approved dataset without results.
func data(scope medperf.LeaderboardScope, decl string) *medperf.LeaderboardData {
	return &medperf.LeaderboardData{
		Benchmark: medperf.Benchmark{Common: medperf.Common{ID: 3}, Metrics: json.RawMessage(decl)},
		Scope:     scope,
		Results: []medperf.BoardResult{
			{ID: 1, Model: medperf.Named{ID: 10, Name: "a"}, Dataset: medperf.Named{ID: 20, Name: "site"}, Metrics: json.RawMessage(`{"dice": 0.5, "note": "text"}`)},
			{ID: 2, Model: medperf.Named{ID: 11, Name: "b"}, Dataset: medperf.Named{ID: 20, Name: "site"}, Metrics: json.RawMessage(`{"dice": 0.8}`)},
		},
		Datasets: []medperf.Named{{ID: 20, Name: "site"}, {ID: 21, Name: "empty site"}},
	}
}

const diceDecl = `{"metrics": [{"name": "dice", "direction": "higher", "primary": true}]}`

func TestFromData(t *testing.T) {
	t.Run("the full scope keeps the matrix, participants and scope", func(t *testing.T) {
		lb, err := leaderboard.FromData(data(medperf.ScopeAll, diceDecl), "")
		if err != nil {
			t.Fatal(err)
		}
		if lb.Scope != medperf.ScopeAll || len(lb.Datasets) != 2 || lb.Boards[0].Rows[0].Model.ID != 11 || lb.Boards[0].Cells[0][1].Value != nil {
			t.Fatalf("%+v", lb)
		}
	})
	t.Run("the published scope keeps the aggregate rows only", func(t *testing.T) {
		lb, err := leaderboard.FromData(data(medperf.ScopePublished, diceDecl), "")
		if err != nil {
			t.Fatal(err)
		}
		if lb.Scope != medperf.ScopePublished || len(lb.Datasets) != 0 || len(lb.Boards[0].Cells) != 0 || len(lb.Boards[0].Rows) != 2 || lb.Boards[0].Rows[0].WorstDataset != nil {
			t.Fatalf("%+v", lb)
		}
	})
	t.Run("free-form values that are not numbers are left out", func(t *testing.T) {
		lb, err := leaderboard.FromData(data(medperf.ScopeVisible, ""), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(lb.Boards) != 1 || lb.Boards[0].Metric != "dice" {
			t.Fatalf("%+v", lb.Boards)
		}
	})
	t.Run("an unknown metric is refused", func(t *testing.T) {
		_, err := leaderboard.FromData(data(medperf.ScopeAll, diceDecl), "nope")
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatal(err)
		}
	})
	t.Run("a broken declaration is refused", func(t *testing.T) {
		_, err := leaderboard.FromData(data(medperf.ScopeAll, `{"metrics": 1}`), "")
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatal(err)
		}
	})
}
