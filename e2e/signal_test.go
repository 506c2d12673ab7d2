package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/medperf/medperf/cube/docker"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/site"
)

// blockMemory is the MEDPERF_MEMORY under which the blocking cubes'
// tasks sleep (testdata/blocker's BlockMemory).
const blockMemory = "777m"

// TestSIGTERMStopsSiteCommandsCleanlyAndTheyResume sends SIGTERM to the
// built binary's `dataset prepare` and `benchmark run` while their
// container runs, then checks that each exits 130 saying it was
// interrupted, leaves no container of its own, and that the same command
// run again continues from the journal and succeeds.
func TestSIGTERMStopsSiteCommandsCleanlyAndTheyResume(t *testing.T) {
	w := MustWorld(t)
	dc := medperftest.DockerClient(t)
	w.blockingCubes(dc, cubes.Preparator, cubes.ReferenceModel)
	bo, do := w.newUser("benchowner"), w.newUser("dataowner")
	prep := w.submitCube(bo, "container", cubes.Preparator)
	ref := w.submitCube(bo, "container", cubes.ReferenceModel)
	eval := w.submitCube(bo, "container", cubes.Evaluator)
	metrics := filepath.Join(t.TempDir(), "metrics.yaml")
	mustWrite(t, metrics, []byte("metrics:\n  - {name: dice_mean, direction: higher, min: 0, max: 1, primary: true}\n"+
		"  - {name: dice_median, direction: higher, min: 0, max: 1}\n  - {name: hd95_mean, direction: lower, min: 0}\n"+
		"  - {name: hd95_median, direction: lower, min: 0}\n  - {name: sensitivity_mean, direction: higher, min: 0, max: 1}\n"+
		"  - {name: sensitivity_median, direction: higher, min: 0, max: 1}\n  - {name: specificity_mean, direction: higher, min: 0, max: 1}\n"+
		"  - {name: specificity_median, direction: higher, min: 0, max: 1}\n"))
	var b entity
	w.json(bo, &b, "benchmark", "submit", "-n", "lesions", "-d", "lesion segmentation", "--demo-url", w.files+"/demo.tar.gz",
		"-p", fmt.Sprint(prep), "-m", fmt.Sprint(ref), "-e", fmt.Sprint(eval), "--metrics", metrics, "-y")
	bid := fmt.Sprint(b.ID)
	w.run(w.admin, "benchmark", "approve", "-b", bid)

	data, labels := w.siteData(do, "site-a", 2)
	var d entity
	w.json(do, &d, "dataset", "submit", "-b", bid, "-d", data, "-l", labels, "--name", "signals", "-y")
	did := fmt.Sprint(d.ID)

	t.Run("dataset prepare stops on SIGTERM and continues when run again", func(t *testing.T) {
		w.terminateMidTask(t, dc, do, filepath.Join(w.storage(do), "datasets", did, "prepare.journal.json"), "dataset", "prepare", "-d", did)
		w.run(do, "dataset", "prepare", "-d", did)
	})
	w.run(do, "dataset", "set-operational", "-d", did, "-y")
	w.run(do, "dataset", "associate", "-d", did, "-b", bid, "-y")
	w.run(bo, "association", "approve", "-b", bid, "-d", did)

	t.Run("benchmark run stops on SIGTERM and continues when run again", func(t *testing.T) {
		w.terminateMidTask(t, dc, do, filepath.Join(w.storage(do), "runs", fmt.Sprintf("b%s-d%s.journal.json", bid, did)), "benchmark", "run", "-b", bid, "-d", did)
		w.run(do, "benchmark", "run", "-b", bid, "-d", did)
		var local []site.LocalResult
		w.json(do, &local, "result", "ls", "--local")
		if len(local) != 1 {
			t.Fatalf("%d local results after the rerun, want 1: %+v", len(local), local)
		}
	})
}

// terminateMidTask runs medperf as u with the blocking memory limit, waits
// until its container runs, sends SIGTERM, and checks the outcome: exit
// 130, "interrupted" and the advice to run again, no container of the
// process left, and a journal that still reads (when one was written).
func (w *world) terminateMidTask(t *testing.T, dc *client.Client, u *user, journal string, args ...string) {
	t.Helper()
	cmd := w.command(u, args...)
	cmd.Env = append(cmd.Env, "MEDPERF_MEMORY="+blockMemory)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(3 * time.Minute)
	for !hasRunning(t, dc, cmd.Process.Pid) {
		if time.Now().After(deadline) {
			t.Fatalf("medperf %s started no container in 3 minutes\n%s", strings.Join(args, " "), stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The demo cubes finish in milliseconds: a container still running a
	// second later is the blocker's, so the signal lands mid-task.
	time.Sleep(time.Second)
	if !hasRunning(t, dc, cmd.Process.Pid) {
		t.Fatalf("the task's container did not block under MEDPERF_MEMORY=%s\n%s", blockMemory, stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("medperf %s did not stop within 2 minutes of SIGTERM\n%s", strings.Join(args, " "), stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d, want 130\n%s", code, stderr.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, "interrupted") || !strings.Contains(msg, "run the same command again to continue") {
		t.Errorf("stderr does not say interrupted and how to continue:\n%s", msg)
	}
	if left := containersOf(t, dc, cmd.Process.Pid); len(left) != 0 {
		t.Errorf("containers left after SIGTERM: %+v", left)
	}
	if raw, err := os.ReadFile(journal); err == nil {
		var j site.Journal
		if err := json.Unmarshal(raw, &j); err != nil {
			t.Errorf("the journal %s does not read after SIGTERM: %v", journal, err)
		}
	}
}

// containersOf lists every container (running or not) of the medperf
// process pid, by the labels cube/docker puts on them.
func containersOf(tb testing.TB, dc *client.Client, pid int) []container.Summary {
	tb.Helper()
	list, err := dc.ContainerList(context.Background(), container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", docker.LabelManaged+"=true"), filters.Arg("label", docker.LabelPID+"="+strconv.Itoa(pid)))})
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

func hasRunning(tb testing.TB, dc *client.Client, pid int) bool {
	for _, c := range containersOf(tb, dc, pid) {
		if c.State == "running" {
			return true
		}
	}
	return false
}

// blockingCubes rebuilds the named cubes' images with testdata/blocker in
// front of their entrypoint, and points their container configs at them.
func (w *world) blockingCubes(dc *client.Client, names ...string) {
	t := w.t
	bin := filepath.Join(t.TempDir(), "blocker")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./testdata/blocker")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	blocker, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		cfgFile, _ := w.cube(name)
		cfg, err := os.ReadFile(cfgFile)
		if err != nil {
			t.Fatal(err)
		}
		base := ""
		for _, line := range strings.Split(string(cfg), "\n") {
			if v, ok := strings.CutPrefix(line, "image: "); ok {
				base = strings.TrimSpace(v)
			}
		}
		tag := strings.Replace(base, ":latest", ":blocking", 1)
		medperftest.BuildImage(t, dc, tag, map[string][]byte{
			"Dockerfile": []byte("FROM " + base + "\nCOPY blocker /blocker\n"),
			"blocker":    blocker,
		})
		t.Cleanup(func() { dc.ImageRemove(context.Background(), tag, imageRemoveOptions) })
		cfg = bytes.ReplaceAll(cfg, []byte("image: "+base), []byte("image: "+tag))
		cfg = bytes.ReplaceAll(cfg, []byte("entrypoint: ["), []byte(`entrypoint: ["/blocker", `))
		mustWrite(t, cfgFile, cfg)
	}
}
