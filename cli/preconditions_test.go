package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/site"
)

// as makes the next commands act as u on the server at url.
func as(t *testing.T, url string, u medperftest.User) {
	t.Setenv("MEDPERF_SERVER", url)
	t.Setenv("MEDPERF_TOKEN", u.Token)
}

// TestPreconditionsExitStatuses checks that each precondition MedPerf
// enforces fails with its code's exit status and says what to do next.
func TestPreconditionsExitStatuses(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	home := t.TempDir()
	t.Setenv(config.HomeEnv, home)
	ctx := context.Background()
	must := medperftest.Must[*medperf.Dataset](t)
	pending := medperftest.MustBenchmark(t, w.ModelOwner, medperftest.BenchmarkInput("pending", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID))
	devData := must(w.DataOwner.CreateDataset(ctx, medperftest.DatasetInput("dev", w.Preparator.ID, medperf.StateDevelopment)))
	otherPrep := medperftest.MustContainer(t, w.DataOwner, medperftest.ContainerInput("other-prep", medperf.StateOperation, medperf.TaskPrepare))
	otherData := must(w.DataOwner.CreateDataset(ctx, medperftest.DatasetInput("other", otherPrep.ID, medperf.StateOperation)))
	b := fmt.Sprint(w.Benchmark.ID)

	archiveCfg := filepath.Join(t.TempDir(), "container_config.yaml")
	os.WriteFile(filepath.Join(filepath.Dir(archiveCfg), "image.tar"), []byte("not really an image"), 0o644)
	os.WriteFile(archiveCfg, []byte("container_type: DockerArchive\nimage: image.tar\ntasks:\n  infer:\n    input_volumes:\n      data_path: {mount_path: /d, type: directory}\n    output_volumes:\n      output_path: {mount_path: /o, type: directory}\n"), 0o644)

	finalized := site.LocalResult{ResultKey: site.ResultKey{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID},
		Metrics: json.RawMessage(`{"dice": 1}`), Submitted: &site.Submission{ID: 7}}
	resultDir := filepath.Join(site.StorageDir(home, ts.URL()), "results", finalized.ResultKey.String())
	os.MkdirAll(resultDir, 0o700)
	raw, _ := json.Marshal(finalized)
	os.WriteFile(filepath.Join(resultDir, "result.json"), raw, 0o600)

	cases := []struct {
		name string
		user medperftest.User
		args []string
		code medperf.Code
		next string // a word of the advice
	}{
		{"benchmark not approved", w.ModelOwner, []string{"model", "associate", "-m", fmt.Sprint(w.Model.ID), "-b", fmt.Sprint(pending.ID), "--runtime", "local", "-y"}, medperf.CodeConflict, "admin"},
		{"dataset not operational", w.DataOwner, []string{"benchmark", "run", "-b", b, "-d", fmt.Sprint(devData.ID), "--runtime", "local"}, medperf.CodeConflict, "set-operational"},
		{"wrong preparator", w.DataOwner, []string{"dataset", "associate", "-d", fmt.Sprint(otherData.ID), "-b", b, "--runtime", "local", "-y"}, medperf.CodeInvalid, "prepare the data again"},
		{"association not approved", w.DataOwner, []string{"benchmark", "run", "-b", b, "-d", fmt.Sprint(w.Dataset.ID), "-m", fmt.Sprint(w.Model.ID), "--runtime", "local"}, medperf.CodeConflict, "associate"},
		{"result already finalized", w.DataOwner, []string{"result", "submit", "-r", finalized.ResultKey.String(), "-y"}, medperf.CodeConflict, "result view"},
		{"hash mismatch", w.ModelOwner, []string{"model", "submit", "-n", "m", "-m", archiveCfg, "--image-hash", strings.Repeat("0", 64)}, medperf.CodeInvalid, "hash mismatch"},
	}
	for _, c := range cases {
		t.Run(c.name+" exits with the status of "+string(c.code), func(t *testing.T) {
			as(t, ts.URL(), c.user)
			code, _, errOut := runCLI(t, c.args...)
			if code != exitCodes[c.code] || !strings.Contains(errOut, c.next) {
				t.Fatalf("exit %d (want %d): %s", code, exitCodes[c.code], errOut)
			}
		})
	}
	t.Run("server unreachable exits with the status of unavailable", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		as(t, "http://"+addr, w.DataOwner)
		code, _, errOut := runCLI(t, "dataset", "ls")
		if code != exitCodes[medperf.CodeUnavailable] || !strings.Contains(errOut, "reachable") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
	t.Run("a revoked token exits with the status of unauthorized", func(t *testing.T) {
		u := w.NewUser(t, "revoked")
		toks, _ := u.ListTokens(ctx)
		if err := u.RevokeToken(ctx, toks[0].ID); err != nil {
			t.Fatal(err)
		}
		as(t, ts.URL(), u)
		code, _, errOut := runCLI(t, "benchmark", "ls")
		if code != exitCodes[medperf.CodeUnauthorized] || !strings.Contains(errOut, "auth login") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
}

// TestNothingIsSentWithoutConfirmation answers the prompt of dataset submit:
// no answer and "n" send nothing (exit 130), "y" registers the dataset.
func TestNothingIsSentWithoutConfirmation(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	t.Setenv(config.HomeEnv, t.TempDir())
	as(t, ts.URL(), w.DataOwner)
	dir := t.TempDir()
	for _, d := range []string{"data", "labels"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
		os.WriteFile(filepath.Join(dir, d, "case.txt"), []byte(d), 0o644)
	}
	args := []string{"dataset", "submit", "-b", fmt.Sprint(w.Benchmark.ID), "-d", filepath.Join(dir, "data"), "-l", filepath.Join(dir, "labels"), "--name", "asked"}
	count := func() int {
		l, _ := w.Admin.ListDatasets(context.Background(), medperf.DatasetFilter{Owner: w.DataOwner.ID})
		return l.Total
	}
	before := count()
	for answer, want := range map[string]int{"": 130, "n\n": 130, "y\n": 0} {
		var out, errb strings.Builder
		code := Run(args, strings.NewReader(answer), &out, &errb)
		if code != want || !strings.Contains(errb.String(), "input_data_hash: ") || strings.Contains(errb.String(), dir) {
			t.Fatalf("answer %q: exit %d, want %d; the payload must be shown, without paths:\n%s", answer, code, want, errb.String())
		}
	}
	if got := count(); got != before+1 {
		t.Fatalf("%d datasets registered, want 1", got-before)
	}
}
