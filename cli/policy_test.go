package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
)

// TestPolicyCheck checks `policy check`: it names each rule with its file
// and line, exits with the forbidden status when a rule refuses, and
// refuses a --policy file that does not exist or has an unknown key.
func TestPolicyCheck(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	loggedInAs(t, ts, w.DataOwner.Token)
	home := os.Getenv(config.HomeEnv)
	b, m := strconv.FormatInt(w.Benchmark.ID, 10), strconv.FormatInt(w.Model.ID, 10)
	forbidden := ExitCode(medperf.Errorf(medperf.CodeForbidden, ""))
	invalid := ExitCode(medperf.Errorf(medperf.CodeInvalid, ""))
	t.Run("no policy allows everything", func(t *testing.T) {
		code, out, errOut := runCLI(t, "policy", "check", "-b", b, "-m", m)
		if code != 0 || !strings.Contains(out, "default") {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
	})
	t.Run("a refusing policy names the rule and its line", func(t *testing.T) {
		os.WriteFile(filepath.Join(home, PolicyFile), []byte("benchmarks: [999999]\nimages: [docker.io/nobody]\n"), 0o600)
		code, out, errOut := runCLI(t, "policy", "check", "-b", b, "-m", m)
		if code != forbidden || !strings.Contains(out, "policy.yaml:2") || !strings.Contains(out, "refused") {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
	})
	t.Run("--policy FILE wins and must exist", func(t *testing.T) {
		allow := filepath.Join(t.TempDir(), "p.yaml")
		os.WriteFile(allow, []byte("max_gpus: 0\n"), 0o600)
		if code, out, errOut := runCLI(t, "policy", "check", "-b", b, "--policy", allow); code != 0 {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
		if code, _, _ := runCLI(t, "policy", "check", "--policy", filepath.Join(t.TempDir(), "missing.yaml")); code == 0 {
			t.Fatal("a missing --policy file is accepted")
		}
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		os.WriteFile(bad, []byte("max_cpu: 4\n"), 0o600)
		if code, _, errOut := runCLI(t, "policy", "check", "--policy", bad); code != invalid || !strings.Contains(errOut, "max_cpu") {
			t.Fatalf("an unknown key: exit %d: %s", code, errOut)
		}
	})
	t.Run("private_urls: false names a model's files on the hospital network", func(t *testing.T) {
		in := medperftest.ContainerInput("inside", medperf.StateOperation, medperf.TaskInfer)
		in.AdditionalFilesURL, in.AdditionalFilesHash = "http://10.20.30.40/weights.tar.gz", medperftest.Hash("w")
		inside := strconv.FormatInt(medperftest.MustContainer(t, w.ModelOwner, in).ID, 10)
		os.WriteFile(filepath.Join(home, PolicyFile), []byte("# no hospital network\nprivate_urls: false\n"), 0o600)
		code, out, errOut := runCLI(t, "policy", "check", "-m", inside)
		if code != forbidden || !strings.Contains(out, "policy.yaml:2") || !strings.Contains(out, "http://10.20.30.40/weights.tar.gz") {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
		if code, out, errOut := runCLI(t, "policy", "check", "-m", m); code != 0 {
			t.Fatalf("a model without private URLs: exit %d: %s %s", code, out, errOut)
		}
	})
}
