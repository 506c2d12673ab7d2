package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/medperftest"
)

// loggedInAs points MEDPERF_HOME at a fresh directory and logs in there
// with token.
func loggedInAs(t *testing.T, ts *medperftest.TestServer, token string) {
	t.Helper()
	t.Setenv(config.HomeEnv, t.TempDir())
	t.Setenv("MEDPERF_SERVER", "")
	t.Setenv("MEDPERF_TOKEN", "")
	if code, _, errOut := runCLI(t, "auth", "login", "--server", ts.URL(), "--token", token); code != 0 {
		t.Fatalf("login: exit %d: %s", code, errOut)
	}
}

func TestBenchmarkLeaderboard(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
	for model, dice := range map[int64]float64{w.ReferenceModel.ID: 0.7, w.Model.ID: 0.9} {
		if _, _, err := w.DataOwner.SubmitResult(context.Background(), medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: model,
			DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(dice)}); err != nil {
			t.Fatal(err)
		}
	}
	id := strings.TrimSpace(string(mustJSON(t, w.Benchmark.ID)))
	t.Run("json holds the API's leaderboard, best model first", func(t *testing.T) {
		loggedInAs(t, ts, w.BenchmarkOwner.Token)
		code, out, errOut := runCLI(t, append(leaderboardPath(), "-b", id, "-o", "json")...)
		var lb leaderboard.Leaderboard
		if code != 0 || json.Unmarshal([]byte(out), &lb) != nil {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
		if lb.Scope != medperf.ScopeAll || lb.Boards[0].Rows[0].Model.ID != w.Model.ID || *lb.Boards[0].Rows[0].Mean != 0.9 {
			t.Fatalf("%+v", lb)
		}
	})
	t.Run("the table names the models in order", func(t *testing.T) {
		loggedInAs(t, ts, w.BenchmarkOwner.Token)
		code, out, _ := runCLI(t, append(leaderboardPath(), "-b", id, "--metric", "dice")...)
		first, second := strings.Index(out, w.Model.Name), strings.Index(out, w.ReferenceModel.Name)
		if code != 0 || first < 0 || second < first || !strings.Contains(out, "MEAN RANK") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
	t.Run("csv has a header and a row per model", func(t *testing.T) {
		loggedInAs(t, ts, w.BenchmarkOwner.Token)
		code, out, _ := runCLI(t, append(leaderboardPath(), "-b", id, "-o", "csv")...)
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if code != 0 || err != nil || len(rows) != 3 {
			t.Fatalf("exit %d, %v:\n%s", code, err, out)
		}
	})
	t.Run("a stranger sees no rows", func(t *testing.T) {
		loggedInAs(t, ts, w.Stranger.Token)
		code, out, _ := runCLI(t, append(leaderboardPath(), "-b", id)...)
		if code != 0 || strings.Contains(out, w.Model.Name) || !strings.Contains(out, "no results") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
	for _, c := range []struct {
		name string
		args []string
		code medperf.Code
	}{
		{"a missing benchmark id is a usage error", nil, medperf.CodeInvalid},
		{"an unknown benchmark is not found", []string{"-b", "999999"}, medperf.CodeNotFound},
		{"an unknown metric is refused", []string{"-b", id, "--metric", "nope"}, medperf.CodeInvalid},
		{"an unknown output format is refused", []string{"-b", id, "-o", "xml"}, medperf.CodeInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			loggedInAs(t, ts, w.BenchmarkOwner.Token)
			if code, _, errOut := runCLI(t, append(leaderboardPath(), c.args...)...); code != exitCodes[c.code] {
				t.Fatalf("exit %d, want %d: %s", code, exitCodes[c.code], errOut)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// leaderboardPath is where the leaderboard command lives in the tree.
func leaderboardPath() []string { return []string{"benchmark", "leaderboard"} }

func TestResultLsCSV(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	if _, _, err := w.DataOwner.SubmitResult(context.Background(), medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
		ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.75)}); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(string(mustJSON(t, w.Benchmark.ID)))
	t.Run("the benchmark owner exports a header and the result", func(t *testing.T) {
		loggedInAs(t, ts, w.BenchmarkOwner.Token)
		code, out, errOut := runCLI(t, "result", "ls", "-b", id, "-o", "csv")
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if code != 0 || err != nil || len(rows) != 2 || !strings.Contains(out, "0.75") {
			t.Fatalf("exit %d, %v:\n%s%s", code, err, out, errOut)
		}
	})
	t.Run("a stranger exports only the header", func(t *testing.T) {
		loggedInAs(t, ts, w.Stranger.Token)
		code, out, _ := runCLI(t, "result", "ls", "-b", id, "-o", "csv")
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if code != 0 || err != nil || len(rows) != 1 {
			t.Fatalf("exit %d, %v:\n%s", code, err, out)
		}
	})
	t.Run("csv of local results is a usage error", func(t *testing.T) {
		loggedInAs(t, ts, w.BenchmarkOwner.Token)
		if code, _, _ := runCLI(t, "result", "ls", "--local", "-o", "csv"); code != exitCodes[medperf.CodeInvalid] {
			t.Fatalf("exit %d", code)
		}
	})
}

func TestListMineKeepsOnlyTheCallersEntities(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	for _, c := range []struct {
		name  string
		token string
		args  []string
		want  int64 // an id the list must hold, or 0 for an empty list
	}{
		{"the data owner sees their dataset", w.DataOwner.Token, []string{"dataset", "ls", "--mine"}, w.Dataset.ID},
		{"a stranger has no datasets", w.Stranger.Token, []string{"dataset", "ls", "--mine"}, 0},
		{"the model owner sees their model", w.ModelOwner.Token, []string{"model", "ls", "--mine"}, w.Model.ID},
		{"a stranger has no containers", w.Stranger.Token, []string{"container", "ls", "--mine"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			loggedInAs(t, ts, c.token)
			code, out, errOut := runCLI(t, append(c.args, "-o", "json")...)
			var items []struct {
				ID int64 `json:"id"`
			}
			ids := func() []int64 {
				var v []int64
				for _, it := range items {
					v = append(v, it.ID)
				}
				return v
			}
			if code != 0 || json.Unmarshal([]byte(out), &items) != nil {
				t.Fatalf("exit %d: %s %s", code, out, errOut)
			}
			if got := ids(); c.want == 0 && len(got) != 0 || c.want != 0 && !slices.Contains(got, c.want) {
				t.Fatalf("got %s, want id %d", out, c.want)
			}
		})
	}
}
