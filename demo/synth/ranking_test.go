package synth

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf/demo/cubes"
)

// examples is where the shipped cube files live.
var examples = filepath.Join("..", "..", "examples", "demo")

// mustRun runs one cube task in-process with the shipped parameters file.
func mustRun(tb testing.TB, cube, task string, m cubes.Mounts) {
	tb.Helper()
	m["parameters_file"] = filepath.Join(examples, cube, "parameters.yaml")
	if err := cubes.Run(cube, task, m, io.Discard); err != nil {
		tb.Fatalf("%s %s: %v", cube, task, err)
	}
}

// mustDirs creates the named subdirectories of root and returns their paths.
func mustDirs(tb testing.TB, root string, names ...string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, n := range names {
		out[n] = filepath.Join(root, n)
		if err := os.MkdirAll(out[n], 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// siteScores plays the benchmark at one site, every step through the cubes'
// tasks on files, and returns each model's results.
func siteScores(tb testing.TB, site Site, n int) map[string]map[string]float64 {
	tb.Helper()
	root := tb.TempDir()
	if err := WriteDataset(filepath.Join(root, "raw"), site, n, 7); err != nil {
		tb.Fatal(err)
	}
	d := mustDirs(tb, root, "data", "labels", "results")
	mustRun(tb, cubes.Preparator, "prepare", cubes.Mounts{
		"data_path": filepath.Join(root, "raw", "data"), "labels_path": filepath.Join(root, "raw", "labels"),
		"output_path": d["data"], "output_labels_path": d["labels"]})
	mustRun(tb, cubes.Preparator, "sanity_check", cubes.Mounts{"data_path": d["data"], "labels_path": d["labels"]})
	out := map[string]map[string]float64{}
	for _, model := range []string{cubes.ModelThreshold, cubes.ModelCC, cubes.ModelLogReg} {
		pred := mustDirs(tb, root, "pred-"+model)["pred-"+model]
		mustRun(tb, model, "infer", cubes.Mounts{"data_path": d["data"], "output_path": pred,
			"additional_files": filepath.Join(examples, model, "additional_files")})
		results := filepath.Join(d["results"], model+".yaml")
		mustRun(tb, cubes.Evaluator, "evaluate", cubes.Mounts{"predictions": pred, "labels": d["labels"], "output_path": results})
		b, err := os.ReadFile(results)
		if err != nil {
			tb.Fatal(err)
		}
		var r map[string]float64
		if err := yaml.Unmarshal(b, &r); err != nil {
			tb.Fatal(err)
		}
		out[model] = r
	}
	return out
}

func ranking(results map[string]map[string]float64) string {
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return results[names[i]]["dice_mean"] > results[names[j]]["dice_mean"] })
	return fmt.Sprint(names)
}

// TestModelsRankDifferentlyAcrossSites is the reason the benchmark exists:
// the best model at one site is not the best at another.
func TestModelsRankDifferentlyAcrossSites(t *testing.T) {
	rankings := map[string]bool{}
	for _, name := range []string{"site-a", "site-b", "site-c"} {
		res := siteScores(t, Sites[name], 8)
		for model, r := range res {
			if r["n_cases"] != 8 || r["dice_mean"] < 0 || r["dice_mean"] > 1 || r["hd95_mean"] < 0 {
				t.Errorf("%s %s: results out of range: %v", name, model, r)
			}
			t.Logf("%s %s: dice %.3f hd95 %.2f mm sensitivity %.3f", name, model, r["dice_mean"], r["hd95_mean"], r["sensitivity_mean"])
		}
		r := ranking(res)
		t.Logf("%s ranks %s", name, r)
		rankings[r] = true
	}
	if len(rankings) < 2 {
		t.Errorf("every site ranks the models the same way")
	}
}
