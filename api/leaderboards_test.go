package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/medperftest"
)

// MustScoredWorld builds a World on ts whose benchmark has two results on
// the world's dataset: the reference model (dice 0.7) and the approved model
// (dice 0.9).
func MustScoredWorld(t *testing.T, ts *medperftest.TestServer) *medperftest.World {
	t.Helper()
	w := ts.World(t)
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
	for model, dice := range map[int64]float64{w.ReferenceModel.ID: 0.7, w.Model.ID: 0.9} {
		if _, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: model,
			DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(dice)}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// valued counts the cells with a value in a leaderboard's first board.
func valued(lb *leaderboard.Leaderboard) int {
	n := 0
	for _, b := range lb.Boards[:min(1, len(lb.Boards))] {
		for _, row := range b.Cells {
			for _, c := range row {
				if c.Value != nil {
					n++
				}
			}
		}
	}
	return n
}

func TestLeaderboardShowsEachCallerTheirRows(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := MustScoredWorld(t, ts)
	board := func(u medperftest.User) *leaderboard.Leaderboard {
		t.Helper()
		return medperftest.Must[*leaderboard.Leaderboard](t)(u.Service.(*client.Client).Leaderboard(ctx, w.Benchmark.ID, ""))
	}
	for _, c := range []struct {
		name  string
		user  medperftest.User
		scope medperf.LeaderboardScope
		cells int
	}{
		{"the benchmark owner sees both results", w.BenchmarkOwner, medperf.ScopeAll, 2},
		{"the admin sees both results", w.Admin, medperf.ScopeAll, 2},
		{"the data owner sees both results of their dataset", w.DataOwner, medperf.ScopeVisible, 2},
		{"the model owner sees only their model's result", w.ModelOwner, medperf.ScopeVisible, 1},
		{"a stranger sees nothing", w.Stranger, medperf.ScopeVisible, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			lb := board(c.user)
			if lb.Scope != c.scope || valued(lb) != c.cells {
				t.Fatalf("scope %s with %d cells, want %s with %d", lb.Scope, valued(lb), c.scope, c.cells)
			}
		})
	}
	t.Run("the owner's board is sorted and holds the API's numbers", func(t *testing.T) {
		lb := board(w.BenchmarkOwner)
		row := lb.Boards[0].Rows[0]
		if lb.Boards[0].Metric != "dice" || row.Model.ID != w.Model.ID || row.Mean == nil || *row.Mean != 0.9 {
			t.Fatalf("%+v", lb.Boards[0])
		}
	})
	t.Run("a stranger's results export holds only the header", func(t *testing.T) {
		out := medperftest.Must[[]byte](t)(w.Stranger.Service.(*client.Client).ResultsCSV(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID}))
		if rows := mustCSV(t, out); len(rows) != 1 {
			t.Fatalf("%d rows: %s", len(rows), out)
		}
	})
	t.Run("the data owner's export has both results with names", func(t *testing.T) {
		out := medperftest.Must[[]byte](t)(w.DataOwner.Service.(*client.Client).ResultsCSV(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID}))
		rows := mustCSV(t, out)
		if len(rows) != 3 || rows[1][5] != w.Dataset.Name {
			t.Fatalf("%q", rows)
		}
	})
	t.Run("after publication a stranger sees the aggregate rows only", func(t *testing.T) {
		medperftest.Must[*medperf.Benchmark](t)(w.BenchmarkOwner.UpdateBenchmark(ctx, w.Benchmark.ID, medperf.BenchmarkPatch{LeaderboardPublic: medperftest.Ptr(true)}))
		lb := board(w.Stranger)
		if lb.Scope != medperf.ScopePublished || valued(lb) != 0 || len(lb.Datasets) != 0 || len(lb.Boards[0].Rows) != 2 {
			t.Fatalf("%+v", lb)
		}
		out := medperftest.Must[[]byte](t)(w.Stranger.Service.(*client.Client).ResultsCSV(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID}))
		if rows := mustCSV(t, out); len(rows) != 1 {
			t.Fatalf("publication leaked results into the export: %s", out)
		}
	})
	t.Run("the leaderboard CSV has a row per model", func(t *testing.T) {
		out := medperftest.Must[[]byte](t)(w.BenchmarkOwner.Service.(*client.Client).LeaderboardCSV(ctx, w.Benchmark.ID, "dice"))
		if rows := mustCSV(t, out); len(rows) != 3 || rows[0][0] != "metric" {
			t.Fatalf("%q", rows)
		}
	})
	t.Run("an unknown benchmark is not found", func(t *testing.T) {
		_, err := w.Stranger.Service.(*client.Client).Leaderboard(ctx, 999999, "")
		if medperf.ErrorCode(err) != medperf.CodeNotFound {
			t.Fatal(err)
		}
	})
	t.Run("an unknown format is refused", func(t *testing.T) {
		got := call(t, "GET", ts.URL()+"/api/v1/results?format=xml", w.Stranger.Token, nil)
		if got.status != bad || got.err.Field != "format" {
			t.Fatalf("%+v", got)
		}
	})
}

func mustCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return rows
}

func TestSubmittedMetricsAreCheckedAgainstTheDeclaration(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	in := medperftest.BenchmarkInput("declared", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
	in.State = medperf.StateDevelopment
	in.Metrics = json.RawMessage(`{"metrics": [{"name": "dice", "direction": "higher", "min": 0, "max": 1, "primary": true}]}`)
	b := medperftest.MustBenchmark(t, w.BenchmarkOwner, in)
	b = medperftest.Must[*medperf.Benchmark](t)(w.Admin.UpdateBenchmark(context.Background(), b.ID, medperf.BenchmarkPatch{ApprovalStatus: medperftest.Ptr(medperf.StatusApproved)}))
	medperftest.MustApprove(t, w.BenchmarkOwner, w.DataOwner, b.ID, medperf.KindDataset, w.Dataset.ID)
	for _, c := range []struct{ name, metrics, field string }{
		{"an undeclared metric is refused", `{"dice": 0.5, "secret": 7}`, "metrics.secret"},
		{"an out-of-range metric is refused", `{"dice": 2}`, "metrics.dice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := call(t, "POST", ts.URL()+"/api/v1/results", w.DataOwner.Token, medperf.ResultInput{BenchmarkID: b.ID,
				ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: json.RawMessage(c.metrics)})
			if got.status != bad || got.err.Code != medperf.CodeInvalid || got.err.Field != c.field {
				t.Fatalf("%+v", got)
			}
		})
	}
	t.Run("a bad declaration is refused over HTTP", func(t *testing.T) {
		got := call(t, "PATCH", ts.URL()+"/api/v1/benchmarks/"+itoa(b.ID), w.BenchmarkOwner.Token,
			map[string]any{"metrics": map[string]any{"metrics": []any{map[string]any{"name": "1x", "direction": "higher", "primary": true}}}})
		if got.status != bad || got.err.Field != "metrics[0].name" {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("declared metrics are accepted", func(t *testing.T) {
		got := call(t, "POST", ts.URL()+"/api/v1/results", w.DataOwner.Token, medperf.ResultInput{BenchmarkID: b.ID,
			ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: json.RawMessage(`{"dice": 0.5, "n_cases": 3}`)})
		if got.status != made {
			t.Fatalf("%+v", got)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
