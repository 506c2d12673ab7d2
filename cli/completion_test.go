package cli

import (
	"strings"
	"testing"

	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
)

// TestCompletion guards friction 13 of issue 13: ids from the server,
// profiles, runtimes and formats complete; a server that does not answer
// completes nothing, silently.
func TestCompletion(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	loggedInAs(t, ts, w.DataOwner.Token)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"dataset ids of view", []string{"dataset", "view", ""}, []string{id(w.Dataset.ID) + "\t" + w.Dataset.Name}},
		{"benchmark ids of -b", []string{"benchmark", "run", "-b", ""}, []string{id(w.Benchmark.ID) + "\t" + w.Benchmark.Name}},
		{"model ids of -m are models only", []string{"benchmark", "run", "-m", ""}, []string{id(w.Model.ID) + "\t" + w.Model.Name}},
		{"saved servers of --server", []string{"auth", "status", "--server", ""}, []string{ts.URL()}},
		{"runtimes", []string{"benchmark", "run", "--runtime", ""}, []string{"docker", "podman", "apptainer", "local"}},
		{"the command's own output formats", []string{"benchmark", "leaderboard", "-o", ""}, []string{"table", "json", "yaml", "csv"}},
		{"log levels", []string{"version", "--log-level", ""}, []string{"debug", "info", "warn", "error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"__complete"}, tt.args...)...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !contains(lines, w) {
					t.Errorf("no %q in %q", w, lines)
				}
			}
		})
	}
	t.Run("-m offers no container that is not a model", func(t *testing.T) {
		_, out, _ := runCLI(t, "__complete", "benchmark", "run", "-m", "")
		if strings.Contains(out, "\t"+w.Preparator.Name+"\n") {
			t.Fatalf("a preparator is offered:\n%s", out)
		}
	})
	t.Run("a server that does not answer completes nothing, silently", func(t *testing.T) {
		t.Setenv(config.HomeEnv, t.TempDir())
		t.Setenv("MEDPERF_SERVER", "http://127.0.0.1:1")
		t.Setenv("MEDPERF_TOKEN", "mpt_x")
		code, out, errOut := runCLI(t, "__complete", "dataset", "view", "")
		if code != 0 || strings.TrimSpace(out) != ":4" || strings.Contains(errOut, "medperf:") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}
