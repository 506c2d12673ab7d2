package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
)

// listWorld is a registry with at least two rows for each of the five list
// commands, seen by its benchmark owner.
func listWorld(t *testing.T) *medperftest.World {
	t.Helper()
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	t.Setenv(config.HomeEnv, t.TempDir())
	ctx := context.Background()
	medperftest.MustBenchmark(t, w.BenchmarkOwner, medperftest.BenchmarkInput("second", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID))
	for range 2 {
		medperftest.MustDataset(t, w.BenchmarkOwner, medperftest.DatasetInput("mine", w.Preparator.ID, medperf.StateOperation))
	}
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
	for _, m := range []int64{w.ReferenceModel.ID, w.Model.ID} {
		medperftest.Must[*medperf.Result](t)(func() (*medperf.Result, error) {
			r, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: m, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.5)})
			return r, err
		}())
	}
	as(t, ts.URL(), w.BenchmarkOwner)
	return w
}

// listCommands are the five list commands of the registry.
var listCommands = [][]string{
	{"benchmark", "ls"}, {"container", "ls"}, {"model", "ls"}, {"dataset", "ls"}, {"association", "ls"}, {"result", "ls"},
}

func TestListCommandsSayWhenTheyAreCut(t *testing.T) {
	listWorld(t)
	for _, cmd := range listCommands {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, append(cmd, "--all", "-o", "json")...)
			var all []map[string]any
			if code != 0 || json.Unmarshal([]byte(out), &all) != nil || len(all) < 2 || errOut != "" {
				t.Fatalf("--all: exit %d, %d rows: %s%s", code, len(all), out, errOut)
			}
			cut := fmt.Sprintf("showing 1 of %d; --all for every row\n", len(all))
			t.Run("json stays one document, the cut is on stderr", func(t *testing.T) {
				code, out, errOut := runCLI(t, append(cmd, "--limit", "1", "-o", "json")...)
				var rows []map[string]any
				if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0]["id"] != all[0]["id"] || errOut != cut {
					t.Fatalf("exit %d, stdout %q, stderr %q; want stderr %q", code, out, errOut, cut)
				}
			})
			t.Run("yaml stays one document", func(t *testing.T) {
				code, out, errOut := runCLI(t, append(cmd, "--limit", "1", "-o", "yaml")...)
				var rows []map[string]any
				if code != 0 || yaml.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || errOut != cut {
					t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
				}
			})
			t.Run("a table shows the limit's rows", func(t *testing.T) {
				code, out, errOut := runCLI(t, append(cmd, "--limit", "1")...)
				if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 || errOut != cut {
					t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
				}
			})
			t.Run("a limit above the rows shows them all and says nothing", func(t *testing.T) {
				code, out, errOut := runCLI(t, append(cmd, "--limit", "500", "-o", "json")...)
				var rows []map[string]any
				if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != len(all) || errOut != "" {
					t.Fatalf("exit %d, %d rows, stderr %q", code, len(rows), errOut)
				}
			})
		})
	}
}

func TestListCommandsRefuseBadLimits(t *testing.T) {
	listWorld(t)
	for _, cmd := range listCommands {
		for _, bad := range [][]string{{"--limit", "0"}, {"--limit", "-3"}, {"--limit", "ten"}, {"--limit", "2", "--all"}} {
			t.Run(strings.Join(append(cmd, bad...), " "), func(t *testing.T) {
				code, out, errOut := runCLI(t, append(cmd, bad...)...)
				if code != exitCodes[medperf.CodeInvalid] || out != "" || !strings.Contains(errOut, "--limit") {
					t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
				}
			})
		}
	}
}

// TestListCommandsPageBeyondTheServersPage seeds more datasets than one
// page of the server holds: the default list is cut at one page and says
// so, --all walks every page, and a --limit above one page is honoured.
func TestListCommandsPageBeyondTheServersPage(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	t.Setenv(config.HomeEnv, t.TempDir())
	as(t, ts.URL(), w.DataOwner)
	const n = medperf.MaxPageSize + 20 // with the world's dataset: one more
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := i; j < n; j += 4 {
				_, err := w.DataOwner.CreateDataset(context.Background(), medperftest.DatasetInput(fmt.Sprint("bulk-", j), w.Preparator.ID, medperf.StateOperation))
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	total := n + 1
	rows := func(t *testing.T, args ...string) (int, string) {
		t.Helper()
		code, out, errOut := runCLI(t, append([]string{"dataset", "ls", "-o", "json"}, args...)...)
		var ds []medperf.Dataset
		if code != 0 || json.Unmarshal([]byte(out), &ds) != nil {
			t.Fatalf("exit %d: %.200s %s", code, out, errOut)
		}
		ids := map[int64]bool{}
		for _, d := range ds {
			ids[d.ID] = true
		}
		if len(ids) != len(ds) {
			t.Fatalf("%d rows but %d distinct datasets", len(ds), len(ids))
		}
		return len(ds), errOut
	}
	t.Run("the default is one page, and says it is cut", func(t *testing.T) {
		if got, errOut := rows(t); got != medperf.MaxPageSize || errOut != fmt.Sprintf("showing %d of %d; --all for every row\n", medperf.MaxPageSize, total) {
			t.Fatalf("%d rows, stderr %q", got, errOut)
		}
	})
	t.Run("--all returns every row", func(t *testing.T) {
		if got, errOut := rows(t, "--all"); got != total || errOut != "" {
			t.Fatalf("%d rows of %d, stderr %q", got, total, errOut)
		}
	})
	t.Run("--limit above one page is honoured", func(t *testing.T) {
		if got, errOut := rows(t, "--limit", fmt.Sprint(medperf.MaxPageSize+5)); got != medperf.MaxPageSize+5 || errOut != fmt.Sprintf("showing %d of %d; --all for every row\n", medperf.MaxPageSize+5, total) {
			t.Fatalf("%d rows, stderr %q", got, errOut)
		}
	})
	t.Run("--mine still filters", func(t *testing.T) {
		as(t, ts.URL(), w.BenchmarkOwner)
		code, out, errOut := runCLI(t, "dataset", "ls", "--mine", "--all", "-o", "json")
		if code != 0 || strings.TrimSpace(out) != "[]" || errOut != "" {
			t.Fatalf("exit %d, %.200s %s", code, out, errOut)
		}
	})
}
