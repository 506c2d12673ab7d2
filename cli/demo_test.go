package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
)

var demoExamples = filepath.Join("..", "examples", "demo")

func TestDemoDataWritesASite(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	code, stdout, stderr := runCLI(t, "demo", "data", "--site", "site-b", "--cases", "2", "--out", out, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res demoData
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Cases != 2 || res.Site != "site-b" {
		t.Fatalf("output %q (%v)", stdout, err)
	}
	for _, p := range []string{"data/case-000.nii.gz", "data/case-001.nii.gz", "labels/case-000.nii.gz", "labels/case-001.nii.gz"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Errorf("missing %s", p)
		}
	}
}

func TestDemoDataTarballHashIsStable(t *testing.T) {
	dir := t.TempDir()
	var hashes []string
	for _, name := range []string{"a.tar.gz", "b.tar.gz"} {
		code, stdout, stderr := runCLI(t, "demo", "data", "--demo", "--out", filepath.Join(dir, name), "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var res demoData
		json.Unmarshal([]byte(stdout), &res)
		hashes = append(hashes, res.SHA256)
	}
	if len(hashes[0]) != 64 || hashes[0] != hashes[1] {
		t.Errorf("hashes %v: want two equal sha256", hashes)
	}
}

func TestDemoDataRefuses(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "exists.tar.gz")
	os.WriteFile(existing, []byte("x"), 0o644)
	tests := []struct {
		name string
		args []string
	}{
		{"no --out", []string{"--site", "site-a"}},
		{"neither --site nor --demo", []string{"--out", filepath.Join(dir, "x")}},
		{"both --site and --demo", []string{"--site", "site-a", "--demo", "--out", filepath.Join(dir, "y")}},
		{"a site name with a slash", []string{"--site", "../evil", "--out", filepath.Join(dir, "z")}},
		{"zero cases", []string{"--site", "site-a", "--cases", "0", "--out", filepath.Join(dir, "w")}},
		{"a tarball that exists", []string{"--demo", "--out", existing}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is a usage error", func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"demo", "data"}, tt.args...)...)
			if code != exitCodes[medperf.CodeInvalid] {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "x" {
		t.Error("an existing file was overwritten")
	}
}

// mustCube runs `medperf demo cube` in-process and fails the test on error.
func mustCube(tb testing.TB, args ...string) {
	tb.Helper()
	code, _, stderr := runCLI(tb, append([]string{"demo", "cube"}, args...)...)
	if code != 0 {
		tb.Fatalf("demo cube %v: exit %d: %s", args, code, stderr)
	}
}

func TestDemoCubePlaysTheBenchmarkWithFlags(t *testing.T) {
	root := t.TempDir()
	if code, _, stderr := runCLI(t, "demo", "data", "--site", "site-c", "--cases", "3", "--out", filepath.Join(root, "raw")); code != 0 {
		t.Fatal(stderr)
	}
	for _, d := range []string{"data", "labels", "pred", "local"} {
		os.Mkdir(filepath.Join(root, d), 0o755)
	}
	p := func(cube string) string {
		return "--parameters_file=" + filepath.Join(demoExamples, cube, "parameters.yaml")
	}
	in := func(d string) string { return filepath.Join(root, d) }
	mustCube(t, "preparator", "prepare", p("preparator"), "--data_path="+in("raw/data"), "--labels_path="+in("raw/labels"),
		"--output_path="+in("data"), "--output_labels_path="+in("labels"))
	mustCube(t, "preparator", "sanity_check", p("preparator"), "--data_path="+in("data"), "--labels_path="+in("labels"))
	mustCube(t, "preparator", "statistics", p("preparator"), "--data_path="+in("data"), "--labels_path="+in("labels"),
		"--output_path="+in("statistics.yaml"))
	mustCube(t, "model-logreg", "infer", p("model-logreg"), "--data_path="+in("data"), "--output_path="+in("pred"),
		"--additional_files="+filepath.Join(demoExamples, "model-logreg", "additional_files"))
	mustCube(t, "evaluator", "evaluate", p("evaluator"), "--predictions="+in("pred"), "--labels="+in("labels"),
		"--output_path="+in("results.yaml"), "--local_outputs_path="+in("local"))
	var res map[string]float64
	b, _ := os.ReadFile(in("results.yaml"))
	if err := yaml.Unmarshal(b, &res); err != nil || res["n_cases"] != 3 || res["dice_mean"] <= 0 {
		t.Errorf("results %v (%v)", res, err)
	}
	if _, err := os.Stat(in("local/per_case.yaml")); err != nil {
		t.Error("no per-case file in local outputs")
	}
}

func TestDemoCubeRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code medperf.Code
	}{
		{"an unknown cube", []string{"model-magic", "infer"}, medperf.CodeInvalid},
		{"a task the cube lacks", []string{"evaluator", "prepare"}, medperf.CodeInvalid},
		{"a mount key the task lacks", []string{"evaluator", "evaluate", "--data_path=/tmp"}, medperf.CodeInvalid},
		{"unmounted default paths", []string{"evaluator", "evaluate"}, medperf.CodeInvalid},
		{"a missing task", []string{"evaluator"}, medperf.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name+" fails", func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"demo", "cube"}, tt.args...)...)
			if code != exitCodes[tt.code] || !strings.HasPrefix(stderr, "medperf: ") {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}

func TestDemoCubeIsHidden(t *testing.T) {
	_, stdout, _ := runCLI(t, "demo", "--help")
	if strings.Contains(stdout, "\n  cube ") {
		t.Errorf("demo --help lists the hidden cube command:\n%s", stdout)
	}
}
